"""The Keras-style callback that turns each epoch into an EpochRecord (validation accuracy, ε so far)
and draws a progress bar. `train_dp_sgd` drives it from its own epoch loop (Keras `fit` would
neither Poisson-sample nor run the accountant's step count); it still works as a Keras callback.

The training loss and accuracy in `logs` are exact figures on the private training data: they are
dropped unless `private_metrics=True` (`show_private_metrics=True` in `train_dp_sgd`), and then the
bar labels them as not private and says so before the first epoch. Importing this module needs the
`tf` extra."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from jupyter_privacy.core.errors import require_extra
from jupyter_privacy.core.training.progress import EpochListener, EpochRecord, TrainingProgress

tf = require_extra("tensorflow", "tf")

#: Progress-bar names of the exact training figures (shown only with private_metrics=True).
PRIVATE_LOSS, PRIVATE_ACCURACY = "train loss (NOT private)", "train accuracy (NOT private)"
PRIVATE_WARNING = (
    "show_private_metrics=True: the training loss and accuracy below are exact figures on the "
    "private training data, NOT private (outside the (ε, δ) guarantee). For debugging only: do "
    "not publish them, this output or a notebook that shows it."
)


def _metric(logs: dict[str, Any], name: str) -> float | None:
    value = logs.get(name)
    return None if value is None else float(value)


class DpSgdCallback(tf.keras.callbacks.Callback):  # type: ignore[misc,name-defined]
    """Records every epoch into `progress` (see `.records` and `.on_epoch`) with the ε spent so far.

    `epsilon_after(epoch)` returns (ε, δ, accountant, sampling) after that many epochs.
    """

    def __init__(
        self,
        epsilon_after: Callable[[int], tuple[float, float, str, str]],
        *,
        progress: TrainingProgress | None = None,
        progress_bar: bool = True,
        private_metrics: bool = False,
    ) -> None:
        super().__init__()
        self.progress = progress or TrainingProgress()
        self._epsilon_after = epsilon_after
        self._progress_bar = progress_bar
        self._private = private_metrics
        self._bar: Any = None
        self._started = 0.0

    @property
    def records(self) -> list[EpochRecord]:
        return self.progress.records

    def on_epoch(self, listener: EpochListener) -> EpochListener:
        return self.progress.on_epoch(listener)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        epochs = int(self.params.get("epochs") or 0)
        if self._progress_bar:
            if self._private:
                print(PRIVATE_WARNING, flush=True)
            self._bar = tf.keras.utils.Progbar(
                epochs,
                unit_name="epoch",
                stateful_metrics=[PRIVATE_LOSS, PRIVATE_ACCURACY, "val_loss", "val_accuracy", "ε",
                                  "ε validation"],
            )  # fmt: skip

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        epsilon, delta, accountant, sampling = self._epsilon_after(epoch + 1)
        private = self._private
        record = EpochRecord(
            epoch=epoch + 1, epochs=int(self.params.get("epochs") or 0),
            loss=_metric(logs, "loss") if private else None,
            accuracy=_metric(logs, "accuracy") if private else None,
            val_loss=_metric(logs, "val_loss"), val_accuracy=_metric(logs, "val_accuracy"),
            epsilon=epsilon, delta=delta, accountant=accountant, sampling=sampling,
            seconds=time.perf_counter() - self._started,
            validation_epsilon=_metric(logs, "validation_epsilon") or 0.0,
            private_metrics=private,
        )  # fmt: skip
        self.progress.add(record)
        if self._bar is not None:
            shown = [
                (PRIVATE_LOSS, record.loss),
                (PRIVATE_ACCURACY, record.accuracy),
                ("val_loss", record.val_loss),
                ("val_accuracy", record.val_accuracy),
                ("ε", epsilon),
                ("ε validation", record.validation_epsilon or None),
            ]
            self._bar.update(epoch + 1, values=[(k, v) for k, v in shown if v is not None])
