"""Validation metrics inside the privacy statement, shared by DP-SGD (one release per epoch) and
DP federated training (one per round).

Validation rows are private too (in the pilot they are 10% of the same table), so an exact
validation accuracy would be a release outside the (ε, δ) statement. Two honest options:

- ``dp`` (the default): after each epoch (round), the number of correct predictions on the
  validation set
  is released through OpenDP (clamp to {0, 1}, sum, discrete Laplace; OpenDP's privacy map checks
  ε) and recorded in the ledger, in the same budget, *before* it is shown. The accuracy is that
  noisy count divided by the number of validation rows, which is treated as public (as n is for
  the accountant). Each epoch (round) spends `validation_epsilon / epochs` (pure ε-DP, δ 0); the
  model's release states the share. Only accuracy is released: the validation loss is not.
- ``public``: the caller declares the validation data public (`validation_public=True`); exact
  accuracy and loss are shown, and the release, model card and statement say the data were declared
  public and are not covered by the guarantee.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from jupyter_privacy.core.accounting.setting import PRIVACY_UNIT
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, Release
from jupyter_privacy.core.validation import check_epsilon

VALIDATION_MODES = ("dp", "public", "none")
DEFAULT_VALIDATION_EPSILON = 0.25
MECHANISM = "OpenDP discrete Laplace on the count of correct validation predictions"
PUBLIC_NOTE = (
    "validation data declared public by the analyst (validation_public=True): exact accuracy and "
    "loss, not covered by the (ε, δ) guarantee"
)
_NUDGE = 1.0 + 2.0**-40  # a hair more noise than 1/ε so OpenDP's map stays within ε


def validation_mode(validation_data: Any, validation_public: bool) -> str:
    if validation_data is None:
        return "none"
    return "public" if validation_public else "dp"


def check_validation_epsilon(mode: str, value: Any) -> float:
    """The ε spent on DP validation over the whole run (0 unless the mode is ``dp``)."""
    if mode != "dp":
        return 0.0
    return check_epsilon(value, "validation_epsilon")


def model_epsilon_share(target_epsilon: float, validation_epsilon: float) -> float:
    """What a target ε leaves for the model once the DP validation share is taken out."""
    if validation_epsilon >= target_epsilon:
        raise InvalidParameterError(
            f"validation_epsilon {validation_epsilon:g} leaves nothing of target_epsilon "
            f"{target_epsilon:g} for training; lower validation_epsilon or raise the target",
            parameter="validation_epsilon",
        )
    return target_epsilon - validation_epsilon


def count_measurement(epsilon: float) -> Any:
    """OpenDP: vector of 0/1 → clamp → sum → discrete Laplace, checked to be ε-DP (one row added
    or removed changes the sum by at most 1)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.symmetric_distance()
    summed = space >> dp.t.then_clamp((0, 1)) >> dp.t.then_sum()  # type: ignore[no-untyped-call]
    measurement = summed >> dp.m.then_laplace(_NUDGE / epsilon)
    if measurement.map(1) > epsilon:
        raise InvalidParameterError(f"OpenDP could not fit the validation count in ε {epsilon:g}")
    return measurement


@dataclass(frozen=True)
class ValidationSet:
    """Validation arrays and how their metrics are released: one DP release per `unit` (epoch or
    round), `releases` in all, recorded as `kind` with `privacy_unit`."""

    x: Any
    y: Any
    mode: str
    epsilon_total: float
    releases: int
    unit: str = "epoch"
    kind: str = "dp-sgd-validation"
    trained_by: str = "a DP-SGD training"
    privacy_unit: str = PRIVACY_UNIT

    def __iter__(self) -> Iterator[Any]:
        """`x, y = validation`, like the (x, y) pair it was given as."""
        return iter((self.x, self.y))

    @property
    def rows(self) -> int:
        return len(self.x)

    @property
    def epsilon_per_release(self) -> float:
        return self.epsilon_total / self.releases if self.mode == "dp" else 0.0

    def describe(self, release_ids: list[int] | None = None) -> dict[str, Any]:
        """For the release's details and the statement: what was released and at what cost."""
        if self.mode == "public":
            return {"mode": "public", "rows": self.rows, "note": PUBLIC_NOTE}
        return {
            "mode": "dp", "rows": self.rows, "epsilon_total": self.epsilon_total,
            f"epsilon_per_{self.unit}": self.epsilon_per_release, "delta": 0.0,
            "mechanism": MECHANISM, "privacy_unit": self.privacy_unit,
            "note": "accuracy = noisy count of correct predictions / validation rows (the row "
                    f"count is treated as public); loss not released; each {self.unit}'s count "
                    "is its own ledger release in the same budget",
            "release_ids": list(release_ids or []),
        }  # fmt: skip


def validation_summary(
    accuracy: float | None, mode: str, epsilon_total: float, releases: int
) -> tuple[str, str]:
    """The two clauses a training's one-line summary gives its validation: the last accuracy and
    how it was released, and the DP validation share (empty strings when they do not apply)."""
    shown = ""
    if accuracy is not None:
        how = "DP-released" if mode == "dp" else "on data declared public"
        shown = f", validation accuracy {accuracy:.3f} ({how})"
    spent = f"; DP validation ε {epsilon_total:.3g} in {releases} releases" if mode == "dp" else ""
    return shown, spent


def validation_set(
    data: Any, *, mode: str, epsilon_total: float, releases: int, loss: str, **labels: str
) -> ValidationSet | None:
    """The checked validation data (None without any): an (x, y) pair, one label per row, not
    empty; DP validation needs a loss with an accuracy. `labels`: ValidationSet's unit, kind,
    trained_by and privacy_unit."""
    if data is None:
        return None
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise InvalidParameterError(
            "validation_data must be a pair (x_validation, y_validation)",
            parameter="validation_data",
        )
    x, y = data
    if not hasattr(x, "__len__") or not hasattr(y, "__len__") or len(x) != len(y):
        raise InvalidParameterError(
            "validation_data must be an (x, y) pair of arrays with one label per row",
            parameter="validation_data",
        )
    if mode == "dp" and loss == "mean_squared_error":
        raise InvalidParameterError(
            "DP validation releases accuracy, which a mean_squared_error model does not have; "
            "pass validation_public=True for validation data that are public, or no "
            "validation_data", parameter="validation_data",
        )  # fmt: skip
    if len(x) == 0:
        raise InvalidParameterError("validation_data is empty; give validation rows or None")
    return ValidationSet(x, y, mode, epsilon_total, releases, **labels)


def correct_vector(model: Any, x: Any, y: Any, correct: Any) -> Any:
    """1 for each validation row the model classifies correctly, else 0 (not released)."""
    outputs = model.predict(x, batch_size=1024, verbose=0)
    return np.asarray(correct(np.asarray(y), outputs)).astype(np.int64)


def public_metrics(
    model: Any, x: Any, y: Any, loss: Any, correct: Any
) -> tuple[float, float | None]:
    """Exact loss and accuracy on data declared public."""
    outputs = model.predict(x, batch_size=1024, verbose=0)
    value = float(np.mean(np.asarray(loss(np.asarray(y), outputs))))
    accuracy = (
        None if correct is None else float(np.mean(np.asarray(correct(np.asarray(y), outputs))))
    )
    return value, accuracy


def release_dp_accuracy(
    ledger: Ledger, budget: str, validation: ValidationSet, *, model: Any, correct: Any,
    step: int, training_key: str, description: str,
) -> tuple[float, Release]:  # fmt: skip
    """Spend this epoch's (round's) share and release the DP accuracy of `model` (recorded before
    it is returned)."""
    epsilon, unit = validation.epsilon_per_release, validation.unit
    measurement = count_measurement(epsilon)

    def compute() -> dict[str, Any]:
        count = int(
            measurement(correct_vector(model, validation.x, validation.y, correct).tolist())
        )
        accuracy = min(1.0, max(0.0, count / validation.rows))
        return {unit: step, "noisy_correct": count, "validation_rows": validation.rows,
                "val_accuracy": accuracy}  # fmt: skip

    release = ledger.spend(
        budget, epsilon, 0.0, compute=compute, mechanism=MECHANISM,
        description=f"DP validation accuracy after {unit} {step}/{validation.releases} of "
                    + (description or validation.trained_by),
        details={
            "kind": validation.kind, "accountant": "pure ε-DP (OpenDP privacy map)",
            "conversion": "none: pure ε-DP, δ = 0", "sampling": "none (the whole validation set)",
            "privacy_unit": validation.privacy_unit, unit: step,
            "validation_rows": validation.rows, "noise_scale": _NUDGE / epsilon,
            "training_replay_key": training_key,
        },
        fresh=True,
    )  # fmt: skip
    value = release.value or {}
    accuracy = float(value["val_accuracy"])
    if not math.isfinite(accuracy):
        raise InvalidParameterError("the DP validation count was not a number")
    return accuracy, release
