"""TrainingMonitor(unit="round") for federated training: the status and chart count rounds."""

from __future__ import annotations

from jupyter_privacy.core.training import EpochRecord
from jupyter_privacy.widgets import TrainingMonitor


def record(round_: int, epsilon: float) -> EpochRecord:
    return EpochRecord(epoch=round_, epochs=3, loss=None, accuracy=None, val_loss=0.7,
                       val_accuracy=0.6, epsilon=epsilon, delta=1e-5, accountant="rdp",
                       sampling="all-clients", seconds=1.0)  # fmt: skip


def test_a_round_monitor_shows_rounds_and_the_epsilon_so_far() -> None:
    monitor = TrainingMonitor(unit="round")
    assert "first round" in monitor.status.value
    for n, eps in ((1, 2.1), (2, 3.2)):
        monitor.progress.add(record(n, eps))
    assert "round 2/3" in monitor.status.value and "ε 3.2 so far" in monitor.status.value
    assert "all-clients sampling" in monitor.status.value
    spec = monitor.chart.spec
    assert "per round" in str(spec) and list(monitor.data["epoch"].unique()) == [1, 2]


def test_the_default_monitor_still_counts_epochs() -> None:
    monitor = TrainingMonitor()
    monitor.progress.add(record(1, 1.0))
    assert "epoch 1/3" in monitor.status.value and "per epoch" in str(monitor.chart.spec)
