"""A DP-SGD run described for accounting: who is protected, how batches were drawn, how many steps.

The two sampling assumptions give different ε for the same run, which is the main reason published
DP-SGD numbers disagree:

- ``poisson``: each example joins each step's batch independently with probability q = B / n.
  Accounting gets "privacy amplification by subsampling" (small ε), but only if the data pipeline
  really samples that way.
- ``shuffle``: the data are shuffled (or in any fixed order) and each example is used once per
  epoch. Without amplification the sound bound composes one full Gaussian mechanism per epoch
  (TF Privacy's "each example occurring once per epoch" line). This is what Keras ``fit`` does.

`train_dp_sgd` samples as its setting says (core/training/sampling.py) and runs exactly
`total_steps` optimizer steps, the number the Poisson accountant composes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.validation import check_delta, check_positive_int

SAMPLINGS = ("poisson", "shuffle")
#: The accountants' names (accountants.ACCOUNTANTS has their functions), light to import.
ACCOUNTANT_NAMES = ("rdp", "rdp-classic", "pld")
PRIVACY_UNIT = "one training example (add-or-remove-one adjacency)"


def _check_finite_positive(value: Any, name: str, hint: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"{name} must be a number, got {value!r}", parameter=name
            ) from None
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise InvalidParameterError(f"{name} must be > 0, got {value!r}; {hint}", parameter=name)
    return number


def check_noise_multiplier(value: Any) -> float:
    """σ is the noise standard deviation divided by the clip norm; σ ≤ 0 gives no privacy."""
    return _check_finite_positive(
        value, "noise_multiplier", "DP-SGD needs noise: typical values are 0.5 to 3"
    )


def check_sampling(value: Any) -> str:
    if value not in SAMPLINGS:
        raise InvalidParameterError(
            f"sampling must be one of {', '.join(SAMPLINGS)}, got {value!r}", parameter="sampling"
        )
    return str(value)


def check_dp_sgd_delta(value: Any, dataset_size: int, *, refuse_large: bool = True) -> float:
    """δ must be in (0, 1) and below 1/n: δ ≥ 1/n allows leaking one whole example outright.

    This is an error, not a warning: a release with δ ≥ 1/n is not a meaningful guarantee. Only a
    calculator passes `refuse_large=False` (and shows `large_delta_warning` instead).
    """
    delta = check_delta(value)
    if delta == 0:
        raise InvalidParameterError(
            "delta must be > 0 for DP-SGD (Gaussian noise gives no pure ε-DP); use e.g. 1e-5",
            parameter="delta",
        )
    warning = large_delta_warning(delta, dataset_size)
    if warning and refuse_large:
        raise InvalidParameterError(warning, parameter="delta")
    return delta


def large_delta_warning(delta: float, dataset_size: int) -> str:
    """Why δ ≥ 1/n is no meaningful guarantee, or "" when δ < 1/n. Spending refuses such a δ; a
    calculator (`jupyter privacy epsilon`) computes and shows this as a warning."""
    if delta < 1.0 / dataset_size:
        return ""
    suggestion = 10.0 ** math.floor(math.log10(1.0 / (10 * dataset_size)))
    return (
        f"delta {delta:g} is not below 1/n = 1/{dataset_size} = {1.0 / dataset_size:.3g}: "
        f"with δ ≥ 1/n one example may be leaked outright. Use δ ≤ {suggestion:g}"
    )


def default_delta(dataset_size: int) -> float:
    """The stated default δ: the largest power of ten ≤ 1/(10·n) (1e-5 for n = 1,797)."""
    n = check_positive_int(dataset_size, "dataset_size")
    return float(10.0 ** math.floor(math.log10(1.0 / (10 * n))))


@dataclass(frozen=True)
class DpSgdSetting:
    """Hyper-parameters that determine DP-SGD's privacy (clip norm and learning rate do not)."""

    dataset_size: int
    batch_size: int
    noise_multiplier: float
    delta: float
    epochs: float | None = None
    steps: int | None = None
    sampling: str = "poisson"
    microbatching: bool = False
    #: False only in calculators: δ ≥ 1/n is then computed (with `large_delta_warning`), never spent
    strict_delta: bool = field(default=True, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = check_positive_int(self.dataset_size, "dataset_size")
        b = check_positive_int(self.batch_size, "batch_size")
        if b > n:
            raise InvalidParameterError(
                f"batch_size {b} is larger than dataset_size {n}; use a batch of at most {n}",
                parameter="batch_size",
            )
        if (self.epochs is None) == (self.steps is None):
            raise InvalidParameterError("give either epochs or steps (exactly one of them)")
        object.__setattr__(self, "dataset_size", n)
        object.__setattr__(self, "batch_size", b)
        object.__setattr__(self, "noise_multiplier", check_noise_multiplier(self.noise_multiplier))
        delta = check_dp_sgd_delta(self.delta, n, refuse_large=self.strict_delta)
        object.__setattr__(self, "delta", delta)
        object.__setattr__(self, "sampling", check_sampling(self.sampling))
        if self.epochs is not None:
            epochs = _check_finite_positive(
                self.epochs, "epochs", "train for at least part of one epoch"
            )
            object.__setattr__(self, "epochs", epochs)
        else:
            object.__setattr__(self, "steps", check_positive_int(self.steps, "steps"))

    @property
    def sampling_probability(self) -> float:
        return self.batch_size / self.dataset_size

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.dataset_size / self.batch_size)

    @property
    def total_steps(self) -> int:
        """Optimizer steps, exactly as many as training runs: Poisson uses TF Privacy's count
        ⌈epochs·n / B⌉ (= ⌈epochs / q⌉); shuffle runs ⌈n / B⌉ batches per epoch, the last one
        smaller, as Keras ``fit`` does (⌈epochs·⌈n / B⌉⌉ steps)."""
        if self.steps is not None:
            return int(self.steps)
        assert self.epochs is not None
        per_epoch = self.dataset_size / self.batch_size
        if self.sampling == "shuffle":
            per_epoch = self.steps_per_epoch
        return math.ceil(self.epochs * per_epoch - 1e-9)

    @property
    def passes(self) -> int:
        """Times each example is used under shuffling: ⌈epochs⌉ (one Gaussian per pass)."""
        if self.epochs is not None:
            return math.ceil(self.epochs - 1e-9)
        return math.ceil(self.total_steps / self.steps_per_epoch)

    @property
    def effective_noise_multiplier(self) -> float:
        """Microbatches of more than one example double the sensitivity (TF Privacy, Sec 5.6)."""
        return self.noise_multiplier / 2 if self.microbatching else self.noise_multiplier

    def with_changes(self, **changes: Any) -> DpSgdSetting:
        data = asdict(self)
        data.update(changes)
        if "epochs" in changes and changes["epochs"] is not None:
            data["steps"] = None
        if "steps" in changes and changes["steps"] is not None:
            data["epochs"] = None
        return DpSgdSetting(**data)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("strict_delta")
        data.update(
            sampling_probability=self.sampling_probability,
            total_steps=self.total_steps,
            privacy_unit=PRIVACY_UNIT,
        )
        return data


def dp_event(setting: DpSgdSetting) -> Any:
    """The dp-accounting event of the whole run under the setting's sampling assumption."""
    import dp_accounting

    gaussian = dp_accounting.GaussianDpEvent(setting.effective_noise_multiplier)
    if setting.sampling == "poisson":
        step = dp_accounting.PoissonSampledDpEvent(setting.sampling_probability, gaussian)
        return dp_accounting.SelfComposedDpEvent(step, setting.total_steps)
    return dp_accounting.SelfComposedDpEvent(gaussian, setting.passes)


SAMPLING_NOTES = {
    "poisson": (
        "assumes Poisson sampling: each example joins each batch independently with probability "
        "q = batch/n (train_dp_sgd's default pipeline does exactly this); shuffled fixed-size "
        "batches do not meet this assumption"
    ),
    "shuffle": (
        "each example used once per epoch in any order (shuffled batches, as Keras fit does); "
        "no amplification by subsampling is claimed"
    ),
}
