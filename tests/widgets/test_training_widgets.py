"""TrainingMonitor and NoiseSweep with real DP-SGD (TF Privacy) on a slice of scikit-learn's digits.

The sweep trains on the (private) training data, so each run must be a recorded spend; a sweep that
does not fit the budget must refuse before training anything.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
pytestmark = [pytest.mark.tf, pytest.mark.slow]
tf = pytest.importorskip("tensorflow")

from sklearn.datasets import load_digits  # noqa: E402

from jupyter_privacy.core.errors import BudgetExceededError  # noqa: E402
from jupyter_privacy.core.training import train_dp_sgd  # noqa: E402
from jupyter_privacy.widgets import NoiseSweep, TrainingMonitor  # noqa: E402

OPTIONS = {"epochs": 2, "batch_size": 50, "learning_rate": 0.5, "delta": 1e-4}


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    return (x[:400], y[:400]), (x[1500:1700], y[1500:1700])


def model():
    return tf.keras.Sequential([tf.keras.Input((64,)), tf.keras.layers.Dense(10)])


def test_monitor_draws_each_epoch(digits, ledger) -> None:
    ledger.create_budget("models", 50.0, 1e-2, privacy_unit="one image")
    (x, y), validation = digits
    monitor = TrainingMonitor()
    first_spec = monitor.chart.spec
    train_dp_sgd(model(), x, y, budget="models", ledger=ledger, validation_data=validation,
                 noise_multiplier=1.0, progress=monitor.progress, progress_bar=False, **OPTIONS)  # fmt: skip
    data = monitor.data
    assert data[data.metric == "ε"].epoch.tolist() == [1, 2]
    epsilons = data[data.metric == "ε"].value.tolist()
    assert 0 < epsilons[0] < epsilons[1]
    assert monitor.chart.spec != first_spec  # the live chart was redrawn with the epochs
    assert "epoch 2/2" in monitor.status.value and "rdp" in monitor.status.value


def test_sweep_records_every_run_and_refuses_what_does_not_fit(digits, ledger) -> None:
    ledger.create_budget("sweep", 40.0, 1e-2, privacy_unit="one image")
    (x, y), validation = digits
    sweep = NoiseSweep(model(), x, y, budget="sweep", ledger=ledger, validation_data=validation,
                       noise_multipliers=[0.8, 2.0], **OPTIONS)  # fmt: skip
    assert "This sweep spends privacy budget" in sweep.warning.value
    results = sweep.run()
    releases = ledger.history("sweep")
    assert len(releases) == 2 and all("each run spends" in r.description for r in releases)
    spent = ledger.budget("sweep").epsilon_spent
    assert spent == pytest.approx(sum(r.epsilon.epsilon for r in results))
    assert spent == pytest.approx(sweep.planned_epsilon)
    data = sweep.data
    assert data.noise_multiplier.tolist() == [0.8, 2.0]
    assert data.epsilon.iloc[0] > data.epsilon.iloc[1]  # more noise, smaller ε
    assert data.val_accuracy.notna().all()

    ledger.create_budget("small", 1.0, 1e-2)
    too_much = NoiseSweep(model(), x, y, budget="small", ledger=ledger,
                          validation_data=validation, noise_multipliers=[0.8, 2.0], **OPTIONS)  # fmt: skip
    with pytest.raises(BudgetExceededError, match="Nothing was trained"):
        too_much.run()
    assert ledger.budget("small").release_count == 0
