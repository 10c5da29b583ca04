"""TrainingMonitor and NoiseSweep with real DP-SGD (TF Privacy) on a slice of scikit-learn's digits.

The sweep trains on the (private) training data, so each run it trains must be a recorded spend; a
sweep whose training runs do not fit the budget must refuse before training anything, while runs
replayed from the ledger spend nothing and draw the same curve as when they were trained.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from IPython.lib.pretty import pretty

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


def test_monitor_draws_each_epoch_and_the_same_curve_on_replay(digits, ledger) -> None:
    ledger.create_budget("models", 50.0, 1e-2, privacy_unit="one image")
    (x, y), validation = digits
    monitors = []
    for _ in range(2):  # the second, identical training replays from the ledger
        monitor = TrainingMonitor()
        first_spec = monitor.chart.spec
        train_dp_sgd(model(), x, y, budget="models", ledger=ledger, validation_data=validation,
                     noise_multiplier=1.0, progress=monitor.progress, progress_bar=False,
                     **OPTIONS)  # fmt: skip
        assert monitor.chart.spec != first_spec  # the live chart was redrawn with the epochs
        monitors.append(monitor)
    trained, replayed = monitors
    data = trained.data
    assert data[data.metric == "ε"].epoch.tolist() == [1, 2]
    epsilons = data[data.metric == "ε"].value.tolist()
    assert 0 < epsilons[0] < epsilons[1]
    assert "epoch 2/2" in trained.status.value and "rdp" in trained.status.value
    assert "replayed" not in trained.status.value
    pd.testing.assert_frame_equal(replayed.data, data)
    assert replayed.chart.spec == trained.chart.spec
    assert "epoch 2/2 (replayed from the ledger, nothing spent)" in replayed.status.value
    assert ledger.budget("models").release_count == 1 + 2  # the model, a DP validation per epoch


def test_sweep_records_every_run_and_refuses_what_does_not_fit(digits, ledger) -> None:
    ledger.create_budget("sweep", 40.0, 1e-2, privacy_unit="one image")
    (x, y), validation = digits
    sweep = NoiseSweep(model(), x, y, budget="sweep", ledger=ledger, validation_data=validation,
                       noise_multipliers=[0.8, 2.0], **OPTIONS)  # fmt: skip
    assert "This sweep spends privacy budget" in sweep.warning.value
    results = sweep.run()
    assert isinstance(results, list) and list(results) == sweep.results
    shown = pretty(results)  # what `display(sweep); sweep.run()` leaves in the cell
    assert shown == repr(results) and len(shown.splitlines()) == 3 and len(shown) < 400
    assert "σ 0.8: ε" in shown and "(trained, spent; release" in shown
    assert repr(results[0]).startswith("<TrainingResult: DP-SGD") and len(repr(results[0])) < 400
    releases = ledger.history("sweep")  # each run: its model and a DP validation count per epoch
    assert len(releases) == 2 * (1 + 2) and all(
        "each run spends" in r.description for r in releases
    )
    spent = ledger.budget("sweep").epsilon_spent
    assert spent == pytest.approx(sum(r.total_epsilon for r in results))
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


def test_rerun_sweep_near_the_end_of_its_budget_replays_for_free(digits, ledger, tmp_path) -> None:
    (x, y), validation = digits

    def sweep(sigmas, **extra):
        return NoiseSweep(model(), x, y, budget="tight", ledger=ledger,
                          validation_data=validation, noise_multipliers=sigmas,
                          **OPTIONS, **extra)  # fmt: skip

    first = sweep([0.8, 2.0])
    ledger.create_budget("tight", first.planned_epsilon * 1.05, 1e-2)
    first.run()
    spent = ledger.budget("tight").epsilon_spent
    assert ledger.budget("tight").epsilon_remaining < first.planned_epsilon  # no room for more

    again = sweep([0.8, 2.0])
    assert again.replaying() == [0.8, 2.0]
    again.run()
    assert ledger.budget("tight").epsilon_spent == spent
    assert all(r.release.replayed for r in again.results)
    pd.testing.assert_frame_equal(again.data, first.data)  # the same curve, the same releases
    assert [len(r.records) for r in again.results] == [2, 2]
    assert "0 trained" in again.status.value and "2 replayed" in again.status.value

    for history in (tmp_path / "models").glob("*.history.json"):
        history.unlink()  # as in a ledger written before histories were kept
    older = sweep([0.8, 2.0])
    older.run()
    assert [r.records for r in older.results] == [[], []]
    assert older.data.val_accuracy.tolist() == first.data.val_accuracy.tolist()

    with pytest.raises(BudgetExceededError) as refused:
        sweep([0.8, 2.0, 0.5]).run()
    message = str(refused.value)
    assert "1 of 3 runs that would train (2 replay recorded releases" in message
    assert "Nothing was trained" in message
    with pytest.raises(BudgetExceededError, match=r"2 of 2 runs that would train \(0 replay"):
        sweep([0.8, 2.0], fresh=True).run()
    assert ledger.budget("tight").release_count == 2 * (1 + 2)
    assert ledger.budget("tight").epsilon_spent == spent

    ledger.raise_budget("tight", epsilon=spent + 30.0, reason="test: room for one more run")
    mixed = sweep([0.8, 2.0, 0.5])
    mixed.run()
    assert [r.release.replayed for r in mixed.results] == [True, True, False]
    assert ledger.budget("tight").epsilon_spent == pytest.approx(
        spent + mixed.results[2].total_epsilon
    )
