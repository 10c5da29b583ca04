"""Everything a DP-SGD training decides before it starts, with no TensorFlow: σ (solved for a target
ε if asked), the step count the accountant composes, the physical chunk size, the validation share
of ε, and the check that the whole plan fits the budget."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from jupyter_privacy.core.accounting import (
    DpSgdSetting,
    EpsilonResult,
    default_delta,
    dp_sgd_epsilon,
    noise_for_target_epsilon,
)
from jupyter_privacy.core.accounting.accountants import check_accountant
from jupyter_privacy.core.accounting.setting import check_sampling
from jupyter_privacy.core.errors import BudgetExceededError, InvalidParameterError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.training.sampling import default_physical_batch
from jupyter_privacy.core.training.validation import (
    VALIDATION_MODES,
    check_validation_epsilon,
    model_epsilon_share,
)
from jupyter_privacy.core.validation import check_epsilon, check_positive_int


@dataclass(frozen=True)
class TrainingPlan:
    """Everything decided before training starts; recorded with the release."""

    dataset_size: int
    batch_size: int
    epochs: int
    clip_norm: float
    noise_multiplier: float
    learning_rate: float
    delta: float
    sampling: str
    accountant: str
    target_epsilon: float | None
    planned: EpsilonResult  # the model's (ε, δ) from the DP-SGD accountant
    validation: str = "none"  # dp | public | none (validation.py)
    validation_epsilon: float = 0.0  # ε of the DP validation releases over the whole run
    physical_batch: int = 0  # rows per physical chunk (sampling.py)

    @property
    def setting(self) -> DpSgdSetting:
        return DpSgdSetting(
            self.dataset_size, self.batch_size, self.noise_multiplier, self.delta,
            epochs=float(self.epochs), sampling=self.sampling,
        )  # fmt: skip

    @property
    def steps(self) -> int:
        """Optimizer steps training runs: exactly the number the accountant composes."""
        return self.setting.total_steps

    @property
    def total_epsilon(self) -> float:
        """What this training charges the budget: the model's ε plus the DP validation share."""
        return self.planned.epsilon + self.validation_epsilon

    def hyper_parameters(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("planned")
        data.update(steps=self.steps, sampling_probability=self.setting.sampling_probability)
        return data


def plan_training(
    *, dataset_size: int, batch_size: int, epochs: int, clip_norm: float,
    noise_multiplier: float | None, target_epsilon: float | None, learning_rate: float,
    delta: float | None, sampling: str, accountant: str, validation: str = "none",
    validation_epsilon: float = 0.0, max_physical_batch: int | None = None,
) -> TrainingPlan:  # fmt: skip
    """Check the hyper-parameters and compute the planned ε (no TensorFlow needed).

    `target_epsilon` is everything this training charges: σ is solved for the target minus the
    DP validation share.
    """
    epochs = check_positive_int(epochs, "epochs")
    clip_norm = check_epsilon(clip_norm, "clip_norm")
    learning_rate = check_epsilon(learning_rate, "learning_rate")
    sampling, accountant = check_sampling(sampling), check_accountant(accountant)
    if validation not in VALIDATION_MODES:
        raise InvalidParameterError(f"validation must be one of {', '.join(VALIDATION_MODES)}")
    validation_epsilon = check_validation_epsilon(validation, validation_epsilon)
    if (noise_multiplier is None) == (target_epsilon is None):
        raise InvalidParameterError(
            "give exactly one of noise_multiplier (σ) or target_epsilon (σ is then solved for it)"
        )
    delta = default_delta(dataset_size) if delta is None else delta
    if target_epsilon is not None:
        target_epsilon = check_epsilon(target_epsilon, "target_epsilon")
        noise_multiplier = noise_for_target_epsilon(
            model_epsilon_share(target_epsilon, validation_epsilon), dataset_size=dataset_size,
            batch_size=batch_size, delta=delta, epochs=epochs, sampling=sampling,
            accountant=accountant,
        ).noise_multiplier  # fmt: skip
    assert noise_multiplier is not None
    setting = DpSgdSetting(
        dataset_size, batch_size, noise_multiplier, delta, epochs=float(epochs), sampling=sampling
    )
    if max_physical_batch is None:
        physical_batch = default_physical_batch(setting)
    else:
        physical_batch = check_positive_int(max_physical_batch, "max_physical_batch")
    return TrainingPlan(
        dataset_size=setting.dataset_size, batch_size=setting.batch_size, epochs=epochs,
        clip_norm=clip_norm, noise_multiplier=setting.noise_multiplier,
        learning_rate=learning_rate, delta=setting.delta, sampling=sampling,
        accountant=accountant, target_epsilon=target_epsilon,
        planned=dp_sgd_epsilon(setting, accountant), validation=validation,
        validation_epsilon=validation_epsilon, physical_batch=physical_batch,
    )  # fmt: skip


def check_fits_budget(ledger: Ledger, budget: str, plan: TrainingPlan) -> None:
    """Refuse before training when the planned (ε, δ) exceeds what the budget has left."""
    state = ledger.budget(budget)
    if state.composition != "basic":
        raise InvalidParameterError(
            f"budget '{state.name}' uses {state.composition} composition; DP-SGD releases are "
            "(ε, δ) with δ > 0 and need a 'basic' budget"
        )
    eps, delta = plan.total_epsilon, plan.delta
    share = (f" (model {plan.planned.epsilon:.4g} + DP validation {plan.validation_epsilon:.4g})"
             if plan.validation_epsilon else "")  # fmt: skip
    if eps > state.epsilon_remaining or delta > state.delta_remaining:
        raise BudgetExceededError(
            f"training would spend ε {eps:.4g}{share} and δ {delta:g} ({plan.accountant}, "
            f"{plan.sampling} sampling) but budget '{state.name}' has ε "
            f"{state.epsilon_remaining:.4g} and δ {state.delta_remaining:g} left. Training was "
            "not started. Raise the noise multiplier, train fewer epochs, pass target_epsilon=…, "
            f"or raise the budget: jupyter privacy budget raise {state.name} --epsilon <total>",
            budget=state.name, requested_epsilon=eps, requested_delta=delta,
            remaining_epsilon=state.epsilon_remaining, remaining_delta=state.delta_remaining,
        )  # fmt: skip
