"""The DP-SGD release as the ledger records it, and the privacy statement that goes with it.

The release is the trained model; its recorded value is the validation metrics only (the training
loss and accuracy would be exact figures on the private data: they are never recorded, and
`training_metrics` in the details says whether they were shown to the analyst). Its details say
what actually ran: the sampling and its q, the steps run (checked against the steps the accountant
composed: a mismatch is never recorded), the normalisation, the clipping path, which layers carry
fixed state assumed public, and how validation metrics were released.
"""

from __future__ import annotations

import textwrap
from typing import Any

from jupyter_privacy.core.accounting import compare_accountants, privacy_statement
from jupyter_privacy.core.errors import BudgetExceededError, PrivacyError
from jupyter_privacy.core.ledger import Ledger, Release
from jupyter_privacy.core.training.models import PreparedModel
from jupyter_privacy.core.training.plan import TrainingPlan
from jupyter_privacy.core.training.progress import (
    PRIVATE_METRICS_NOT_SHOWN,
    PRIVATE_METRICS_SHOWN,
    EpochRecord,
)
from jupyter_privacy.core.training.sampling import BatchPlanner

NORMALISATION = (
    "sum of per-example gradients clipped to the clip norm, plus N(0, σ²·clip²) once per step, "
    "divided by the expected batch size B (not the realised one)"
)


def record_training(
    ledger: Ledger, budget: str, plan: TrainingPlan, prepared: PreparedModel,
    records: list[EpochRecord], *, fingerprint: str, description: str, replay_key: str,
    digests: dict[str, str], steps_run: int, planner: BatchPlanner,
    validation: dict[str, Any] | None, private_metrics: bool = False,
) -> Release:  # fmt: skip
    """Record the model's release; refuses (records nothing) if the steps run differ from the
    steps the accountant composed."""
    if steps_run != plan.steps:
        raise PrivacyError(
            f"training ran {steps_run} optimizer steps but the accountant composed {plan.steps}; "
            "the release was not recorded and the model was discarded. Please report this"
        )
    last = records[-1] if records else None
    value = {
        "epochs_completed": len(records),
        "val_accuracy": last.val_accuracy if last else None,
        "val_loss": last.val_loss if last else None,
    }
    alternatives = {
        f"{r.accountant}/{r.sampling}": r.epsilon for r in compare_accountants(plan.setting)
    }
    details = {
        "kind": "dp-sgd",
        "accountant": plan.accountant,
        "conversion": plan.planned.conversion,
        "sampling": plan.sampling,
        "sampling_note": plan.planned.sampling_note,
        "sampling_probability": plan.setting.sampling_probability,
        "inclusion_probability": planner.inclusion_probability if plan.sampling == "poisson"
        else None,
        "pipeline": planner.describe(),
        "normalisation": NORMALISATION,
        "physical_batch": planner.physical_batch,
        "privacy_unit": plan.planned.privacy_unit,
        "hyper_parameters": plan.hyper_parameters(),
        "compositions": plan.planned.compositions,
        "steps_composed": plan.steps,
        "optimizer_steps": steps_run,
        "training_path": prepared.path,
        "fixed_state_layers": list(prepared.check.fixed_state_layers),
        "data_fingerprint": fingerprint,
        "epsilon_by_accountant": alternatives,
        "per_epoch_epsilon": [r.epsilon for r in records],
        "validation": validation or {"mode": "none"},
        "training_metrics": training_metrics(private_metrics),
        **digests,
    }  # fmt: skip
    try:
        return ledger.spend(
            budget, plan.planned.epsilon, plan.delta, value=value,
            mechanism=f"DP-SGD (TensorFlow Privacy, {prepared.path.replace('_', ' ')})",
            description=description or f"DP-SGD model trained on {plan.dataset_size} examples",
            details=details, replay_key=replay_key, fresh=True,
        )  # fmt: skip
    except BudgetExceededError as error:
        raise BudgetExceededError(
            f"training finished but its release could not be recorded, so the trained model was "
            f"discarded: {error.message}",
            **error.fields,
        ) from None


def training_metrics(shown: bool) -> dict[str, Any]:
    """The release's account of the exact training loss and accuracy: never released; shown to the
    analyst only with show_private_metrics=True."""
    return {"shown": shown, "note": PRIVATE_METRICS_SHOWN if shown else PRIVATE_METRICS_NOT_SHOWN}


def training_statement(plan: TrainingPlan, details: dict[str, Any]) -> str:
    """The accounting statement plus what this training (its release's `details`) actually ran and
    released."""
    setting, validation = plan.setting, details.get("validation")
    ran = (
        f"This training used {plan.sampling} sampling: "
        + (f"every step included each example independently with probability q = "
           f"{setting.sampling_probability:.4g}" if plan.sampling == "poisson"
           else "each epoch a fresh permutation cut into batches")
        + f", {plan.steps} steps in all (exactly the steps composed); each step's noisy sum of "
        f"clipped gradients was divided by the expected batch size {plan.batch_size}. The ε "
        f"charged for the model is the {plan.accountant} {plan.sampling} figure, "
        f"{plan.planned.epsilon:.4g} at δ = {plan.delta:g}."
    )  # fmt: skip
    paragraphs = [privacy_statement(setting).rstrip(), textwrap.fill(ran, 80)]
    if validation and validation.get("mode") == "dp":
        paragraphs.append(textwrap.fill(
            f"Validation accuracy was released with differential privacy ({validation['mechanism']}"
            f", ε {validation['epsilon_per_epoch']:.3g} per epoch, {validation['epsilon_total']:.3g}"
            " in all, δ 0), charged to the same budget: this training spent ε "
            f"{plan.total_epsilon:.4g} in total (basic composition). The number of validation "
            "rows is treated as public; the validation loss was not released.", 80))  # fmt: skip
    elif validation and validation.get("mode") == "public":
        paragraphs.append(
            textwrap.fill(
                "Validation metrics were computed on data the analyst declared public "
                "(validation_public=True): they are exact and NOT covered by this guarantee.",
                80,
            )
        )
    if (details.get("training_metrics") or {}).get("shown"):
        paragraphs.append(textwrap.fill(
            "The training loss and accuracy were shown to the analyst (show_private_metrics=True): "
            "they are exact figures on the private training data, NOT covered by this guarantee, "
            "and must not be published. They were not stored with the model.", 80))  # fmt: skip
    fixed = details.get("fixed_state_layers")
    if fixed:
        paragraphs.append(textwrap.fill(
            f"Layers with fixed (non-trainable) state, not updated by this training: "
            f"{', '.join(fixed)}. Their values are assumed public (e.g. frozen statistics computed "
            "on public data); the guarantee does not cover them if they were learned from "
            "private data.", 80))  # fmt: skip
    return "\n\n".join(paragraphs) + "\n"
