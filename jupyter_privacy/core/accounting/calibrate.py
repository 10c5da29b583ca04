"""Inverses of the accountant: the smallest σ meeting a target ε, the most epochs within one, and the
ε-versus-σ curve.

Both searches keep a bracket whose "good" end has been *computed* to meet the target and return that
end, so the answer never overshoots the target (up to the accountant's own rounding, and the returned
value is re-checked before it is handed back).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from jupyter_privacy.core.accounting.accountants import (
    DEFAULT_ACCOUNTANT,
    EpsilonResult,
    check_accountant,
    dp_sgd_epsilon,
)
from jupyter_privacy.core.accounting.setting import DpSgdSetting
from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError
from jupyter_privacy.core.validation import check_epsilon

#: Relative width at which the σ search stops: the answer is within 0.01 % of the smallest σ.
SIGMA_RTOL = 1e-4
_SIGMA_MAX = 1e4
_EPOCHS_MAX = 10**6


@dataclass(frozen=True)
class NoiseCalibration:
    noise_multiplier: float
    target_epsilon: float
    achieved: EpsilonResult

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "achieved": self.achieved.to_dict()}


def _epsilon_at(setting: DpSgdSetting, sigma: float, accountant: str) -> float:
    eps = dp_sgd_epsilon(setting.with_changes(noise_multiplier=sigma), accountant).epsilon
    return eps if math.isfinite(eps) else math.inf


def noise_for_target_epsilon(
    target_epsilon: float,
    *,
    dataset_size: int,
    batch_size: int,
    delta: float,
    epochs: float | None = None,
    steps: int | None = None,
    sampling: str = "poisson",
    microbatching: bool = False,
    accountant: str = DEFAULT_ACCOUNTANT,
    rtol: float = SIGMA_RTOL,
) -> NoiseCalibration:
    """Smallest σ (within `rtol`) whose ε does not exceed `target_epsilon` — never above it."""
    target = check_epsilon(target_epsilon, "target_epsilon")
    accountant = check_accountant(accountant)
    setting = DpSgdSetting(
        dataset_size=dataset_size, batch_size=batch_size, noise_multiplier=1.0, delta=delta,
        epochs=epochs, steps=steps, sampling=sampling, microbatching=microbatching,
    )  # fmt: skip
    high = 1.0
    if accountant == "pld":  # PLD's ε is below RDP's, so RDP's σ (cheap) brackets PLD's from above
        high = noise_for_target_epsilon(
            target, dataset_size=dataset_size, batch_size=batch_size, delta=delta, epochs=epochs,
            steps=steps, sampling=sampling, microbatching=microbatching, rtol=rtol,
        ).noise_multiplier  # fmt: skip
    while _epsilon_at(setting, high, accountant) > target:
        high *= 2
        if high > _SIGMA_MAX:
            raise InvalidParameterError(
                f"no noise multiplier up to {_SIGMA_MAX:g} reaches ε {target:g}; raise the target, "
                "train for fewer epochs or use a larger dataset",
                parameter="target_epsilon",
            )
    shrink = 0.8 if accountant == "pld" else 0.5  # PLD at small σ is slow: bracket tightly
    low = high * shrink
    while _epsilon_at(setting, low, accountant) <= target:
        high, low = low, low * shrink
        if low < 1e-3:
            low = 0.0
            break
    while high - low > rtol * high:
        middle = (low + high) / 2
        if _epsilon_at(setting, middle, accountant) <= target:
            high = middle
        else:
            low = middle
    achieved = dp_sgd_epsilon(setting.with_changes(noise_multiplier=high), accountant)
    if achieved.epsilon > target:  # only if the accountant were not monotone in σ
        raise PrivacyError(f"noise calibration overshot ε {target:g}; please report this")
    return NoiseCalibration(noise_multiplier=high, target_epsilon=target, achieved=achieved)


def max_epochs_for_target(
    target_epsilon: float,
    setting: DpSgdSetting,
    *,
    accountant: str = DEFAULT_ACCOUNTANT,
) -> tuple[int, EpsilonResult]:
    """Most whole epochs whose ε stays within the target (the setting's epochs are ignored)."""
    target = check_epsilon(target_epsilon, "target_epsilon")
    accountant = check_accountant(accountant)

    def result(epochs: int) -> EpsilonResult:
        return dp_sgd_epsilon(setting.with_changes(epochs=float(epochs)), accountant)

    first = result(1)
    if first.epsilon > target:
        raise InvalidParameterError(
            f"even one epoch costs ε {first.epsilon:.4g} > target {target:g}; raise the noise "
            "multiplier, lower the batch size, or raise the target",
            parameter="target_epsilon",
        )
    good, bad = 1, 2
    while result(bad).epsilon <= target:
        good, bad = bad, bad * 2
        if bad > _EPOCHS_MAX:
            return good, result(good)
    while bad - good > 1:
        middle = (good + bad) // 2
        if result(middle).epsilon <= target:
            good = middle
        else:
            bad = middle
    return good, result(good)


def epsilon_curve(
    setting: DpSgdSetting,
    noise_multipliers: Sequence[float],
    *,
    accountant: str = DEFAULT_ACCOUNTANT,
) -> list[EpsilonResult]:
    """ε at each σ (for ε-versus-noise charts); spends nothing."""
    accountant = check_accountant(accountant)
    return [
        dp_sgd_epsilon(setting.with_changes(noise_multiplier=sigma), accountant)
        for sigma in noise_multipliers
    ]
