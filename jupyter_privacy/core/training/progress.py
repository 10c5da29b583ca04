"""Per-epoch training records (plain data, no TensorFlow) for progress bars, live charts and widgets.

A chart or widget subscribes with `progress.on_epoch(callback)`; each finished epoch calls it with the
new `EpochRecord`. `progress.records` is the full list so far; `as_dicts()` feeds a DataFrame/Altair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

#: What a release's details say about the training loss and accuracy (`training_metrics`).
PRIVATE_METRICS_NOT_SHOWN = (
    "not released: the training loss and accuracy (exact figures on the private training data) "
    "were neither shown nor stored"
)
PRIVATE_METRICS_SHOWN = (
    "shown to the analyst only (show_private_metrics=True): the training loss and accuracy are "
    "exact figures on the private training data, NOT covered by the (ε, δ) guarantee; they were "
    "not stored and must not be published"
)


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch. `val_accuracy` is DP-released (its ε is in `validation_epsilon`, the
    validation ε spent so far) unless the validation data were declared public; `epsilon` is the
    model's ε so far. `loss`/`accuracy` (training) are None: they would be exact figures on the
    private training data. Only with `show_private_metrics=True` do they hold those figures, and
    then `private_metrics` is True: for the analyst's eyes, never stored or published (see
    `releasable`). `replayed` marks an epoch read back from a stored training (nothing spent)."""

    epoch: int
    epochs: int
    loss: float | None
    accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    epsilon: float
    delta: float
    accountant: str
    sampling: str
    seconds: float
    replayed: bool = False
    validation_epsilon: float = 0.0
    private_metrics: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def releasable(self) -> EpochRecord:
        """This record without the exact training loss and accuracy: what may be stored (the
        history file beside the weights) or written into an artifact."""
        return replace(self, loss=None, accuracy=None, private_metrics=False)


EpochListener = Callable[[EpochRecord], None]


@dataclass
class TrainingProgress:
    """Collects EpochRecords and notifies listeners; shared by the Keras callback and any UI."""

    records: list[EpochRecord] = field(default_factory=list)
    listeners: list[EpochListener] = field(default_factory=list)

    def on_epoch(self, listener: EpochListener) -> EpochListener:
        """Register `listener(record)` to run after every epoch (usable as a decorator)."""
        self.listeners.append(listener)
        return listener

    def add(self, record: EpochRecord) -> None:
        self.records.append(record)
        for listener in list(self.listeners):
            listener(record)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [record.to_dict() for record in self.records]

    @property
    def latest(self) -> EpochRecord | None:
        return self.records[-1] if self.records else None
