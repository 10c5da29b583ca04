"""Per-epoch training records (plain data, no TensorFlow) for progress bars, live charts and widgets.

A chart or widget subscribes with `progress.on_epoch(callback)`; each finished epoch calls it with the
new `EpochRecord`. `progress.records` is the full list so far; `as_dicts()` feeds a DataFrame/Altair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch. `loss`/`accuracy` are measured on the private training data without
    noise: they are for the analyst's eyes and are not part of the recorded DP release.
    `val_accuracy` is DP-released (its ε is in `validation_epsilon`, the validation ε spent so far)
    unless the validation data were declared public; `epsilon` is the model's ε so far.
    `replayed` marks an epoch read back from a stored training (nothing was spent for it)."""

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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
