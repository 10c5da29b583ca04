"""Risk against ε (the DP ceiling from core.probes, probe results) and DP-SGD epoch charts: data."""

from __future__ import annotations

import numpy as np
import pytest

from jupyter_privacy.charts import epoch_data, risk_chart, risk_data, training_chart
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.probes import dp_ceiling
from jupyter_privacy.core.probes.attacks import loss_attack
from jupyter_privacy.core.training import EpochRecord, TrainingProgress


def test_ceiling_rows_are_dp_ceiling_and_grow_with_epsilon() -> None:
    data = risk_data([0.1, 1.0, 8.0], delta=1e-5, fpr=0.001)
    ceiling = data[data.source == "DP ceiling (any attack)"]
    advantage = ceiling[ceiling.metric == "advantage"].value.tolist()
    assert advantage == pytest.approx([dp_ceiling(e, 1e-5).advantage for e in (0.1, 1.0, 8.0)])
    assert advantage == sorted(advantage) and advantage[-1] <= 1.0
    tpr = ceiling[ceiling.metric == "TPR at FPR 0.001"].value.tolist()
    assert tpr[0] == pytest.approx(dp_ceiling(0.1, 1e-5).tpr_at_fpr(0.001))


def test_probe_results_appear_at_their_epsilon() -> None:
    rng = np.random.default_rng(3)  # synthetic attack scores, not a release
    report = loss_attack(rng.exponential(0.5, 400), rng.exponential(1.0, 400), epsilon=2.0,
                         delta=1e-5)  # fmt: skip
    data = risk_data([1.0, 4.0], delta=1e-5, probes=[report, (3.0, report)])
    probes = data[data.source == "probe: loss-threshold"]
    assert sorted(set(probes.epsilon)) == [2.0, 3.0]
    auc = probes[(probes.metric == "AUC") & (probes.epsilon == 2.0)].value.iloc[0]
    assert auc == pytest.approx(report.auc)
    spec = risk_chart(data).to_dict()
    assert spec["facet"]["column"]["field"] == "metric"
    unlabelled = loss_attack(rng.exponential(0.5, 50), rng.exponential(1.0, 50))
    with pytest.raises(InvalidParameterError, match="records no ε"):
        risk_data([1.0], probes=[unlabelled])


def record(epoch: int, epsilon: float, val_accuracy: float | None) -> EpochRecord:
    return EpochRecord(epoch=epoch, epochs=3, loss=1.0, accuracy=0.5, val_loss=1.1,
                       val_accuracy=val_accuracy, epsilon=epsilon, delta=1e-5, accountant="rdp",
                       sampling="shuffle", seconds=0.1)  # fmt: skip


def test_epoch_data_follows_the_progress() -> None:
    progress = TrainingProgress()
    assert epoch_data(progress).empty
    progress.add(record(1, 0.4, 0.6))
    progress.add(record(2, 0.7, None))
    data = epoch_data(progress)
    assert data[data.metric == "ε"].value.tolist() == [0.4, 0.7]
    assert data[data.metric == "validation accuracy"].epoch.tolist() == [1]
    assert set(data.accountant) == {"rdp"} and set(data.sampling) == {"shuffle"}
    assert "vconcat" in training_chart(progress).to_dict()
