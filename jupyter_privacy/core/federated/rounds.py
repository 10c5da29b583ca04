"""After every federated round: the held-out accuracy of the new global model, released as the plan
says (an OpenDP release charged to the budget before it is shown, or exact on data declared public),
the ε spent so far, and the listeners (widgets, charts, callbacks) fed.

The validation rows are the server's (in the pilot, 10% of the owner's table), so they are private
too: the DP release is core/training/validation.py's, the same mechanism DP-SGD uses per epoch.
Clients report nothing (no loss, no accuracy, no example count), so records have no training
figures. A RoundRecorder needs the `tf` extra (Keras).
"""

from __future__ import annotations

import time
from typing import Any

from jupyter_privacy.core.errors import require_extra
from jupyter_privacy.core.federated.clients import Weights
from jupyter_privacy.core.federated.plan import VALIDATION_PRIVACY_UNIT, FederatedPlan
from jupyter_privacy.core.federated.simulation import FederatedRunError
from jupyter_privacy.core.ledger import Ledger, Release
from jupyter_privacy.core.training.models import correct_predictions, make_loss
from jupyter_privacy.core.training.progress import EpochRecord, TrainingProgress
from jupyter_privacy.core.training.validation import (
    ValidationSet,
    public_metrics,
    release_dp_accuracy,
    validation_set,
)

#: Ledger kind of a federated training's per-round DP validation releases.
VALIDATION_KIND = "federated-validation"


def federated_validation(
    data: Any, plan: FederatedPlan, loss: str, description: str
) -> ValidationSet | None:
    """The checked validation data, released once per round as `plan.validation` says."""
    return validation_set(
        data, mode=plan.validation, epsilon_total=plan.validation_epsilon, releases=plan.rounds,
        loss=loss, unit="round", kind=VALIDATION_KIND,
        trained_by=description or "a DP federated training",
        privacy_unit=VALIDATION_PRIVACY_UNIT,
    )  # fmt: skip


class RoundRecorder:
    """Called after every round with the new global model (in the ServerApp's thread under the
    simulation engine): releases its validation accuracy, works out the ε spent so far and feeds
    the progress listeners."""

    def __init__(
        self, plan: FederatedPlan, model: Any, validation: ValidationSet | None,
        tracker: TrainingProgress, progress_bar: bool, *, ledger: Ledger, budget: str,
        training_key: str, description: str, loss: str, from_logits: bool,
    ) -> None:  # fmt: skip
        tf = require_extra("tensorflow", "tf")
        self.plan, self.validation, self.tracker = plan, validation, tracker
        self.progress_bar = progress_bar
        self.ledger, self.budget, self.training_key = ledger, budget, training_key
        self.description = description
        self.held_out = tf.keras.models.clone_model(model)  # the global model, weights per round
        self.correct = correct_predictions(tf, loss, from_logits=from_logits)
        self.per_example_loss = make_loss(tf, loss, from_logits=from_logits, per_example=True)
        self.records: list[EpochRecord] = []
        self.validation_releases: list[Release] = []
        self.aggregated: list[int] = []
        self._weights: Weights | None = None
        self._last = time.perf_counter()

    def __call__(self, server_round: int, weights: Weights, aggregated: bool) -> None:
        val_loss, val_accuracy = self._validate(server_round, weights)
        spent = self.plan.epsilon_after(server_round)
        now = time.perf_counter()
        record = EpochRecord(
            epoch=server_round, epochs=self.plan.rounds, loss=None, accuracy=None,
            val_loss=val_loss, val_accuracy=val_accuracy, epsilon=spent.epsilon,
            delta=spent.delta, accountant=spent.accountant, sampling=spent.sampling,
            seconds=now - self._last, validation_epsilon=self.validation_epsilon,
        )  # fmt: skip
        self._last, self._weights = now, weights
        if aggregated:
            self.aggregated.append(server_round)
        self.records.append(record)
        self.tracker.add(record)
        if self.progress_bar:
            skipped = "" if aggregated else " (no update aggregated: a client failed)"
            print(f"round {server_round}/{self.plan.rounds}: ε {spent.epsilon:.3g} so far"
                  f"{self._shown(record)}{skipped}", flush=True)  # fmt: skip

    @property
    def validation_epsilon(self) -> float:
        """The DP validation ε spent so far."""
        return sum(release.epsilon for release in self.validation_releases)

    def _validate(self, server_round: int, weights: Weights) -> tuple[float | None, float | None]:
        """(validation loss, accuracy) of the global model: the DP accuracy is in the ledger
        before this returns; exact figures only for data declared public."""
        if self.validation is None:
            return None, None
        self.held_out.set_weights(weights)
        if self.validation.mode == "public":
            return public_metrics(self.held_out, self.validation.x, self.validation.y,
                                  self.per_example_loss, self.correct)  # fmt: skip
        accuracy, release = release_dp_accuracy(
            self.ledger, self.budget, self.validation, model=self.held_out, correct=self.correct,
            step=server_round, training_key=self.training_key, description=self.description,
        )  # fmt: skip
        self.validation_releases.append(release)
        return None, accuracy

    def _shown(self, record: EpochRecord) -> str:
        if record.val_accuracy is None or self.validation is None:
            return ""
        if self.validation.mode == "public":
            return f", validation accuracy {record.val_accuracy:.3f} (on data declared public)"
        return (f", DP validation accuracy {record.val_accuracy:.3f} (validation ε "
                f"{record.validation_epsilon:.3g} so far)")  # fmt: skip

    def final_weights(self) -> Weights:
        if self._weights is None or len(self.records) != self.plan.rounds:
            raise FederatedRunError(
                f"the federated run ended after {len(self.records)} of {self.plan.rounds} rounds; "
                f"{self._spent()} and no model is released"
            )
        if not self.aggregated:
            raise FederatedRunError(
                "no round aggregated any client update (every round had a failing client), so "
                f"the model never trained; {self._spent()}. Run with verbose=True to see why"
            )
        return self._weights

    def _spent(self) -> str:
        """What a failed run spent: DP validation releases already shown stay recorded."""
        if not self.validation_releases:
            return "nothing was spent"
        return (f"the model's ε was not spent (the {len(self.validation_releases)} DP validation "
                f"release(s) already shown stay recorded, ε {self.validation_epsilon:.3g})")  # fmt: skip
