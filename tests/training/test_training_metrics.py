"""Training loss and accuracy are exact figures on the private training data: no default output of a
DP-SGD training carries them (progress bar, summary, statement, history file, ledger, model card,
privacy-budget.json, the live monitor, the sweep's data), and `show_private_metrics=True` shows them
to the analyst only, labelled as not private, and never stores them.

The training data carry a sentinel that makes the exact training loss recognisable (one row's
feature is huge and its label is the class the model ranks last), and the learning rate is so small
that the weights never move, so the exact loss of every epoch is computed independently here."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
pytestmark = pytest.mark.tf
tf = pytest.importorskip("tensorflow")

from jupyter_privacy.charts.training import sweep_data  # noqa: E402
from jupyter_privacy.core.reports.model_card import build_card  # noqa: E402
from jupyter_privacy.core.reports.privacy_budget import budget_document  # noqa: E402
from jupyter_privacy.core.training import train_dp_sgd, verify_stored_models  # noqa: E402
from jupyter_privacy.widgets import TrainingMonitor  # noqa: E402

SENTINEL = 73571.125
#: Shuffle sampling uses every row once per epoch; a learning rate this small leaves the float32
#: weights where they started, so each epoch's training loss is the loss of the initial model.
OPTIONS = dict(epochs=2, batch_size=30, noise_multiplier=1.0, learning_rate=1e-30,
               sampling="shuffle")  # fmt: skip
TOLERANCE = 1e-3  # the progress bar prints 4 decimals


@pytest.fixture
def planted(ledger, digits_task):
    """(model, x, y, exact training loss); the model's weights are those training starts from."""
    ledger.create_budget("m", 50.0, 1e-2, privacy_unit="one image")
    task = digits_task(400)
    x, y = task.x.copy(), task.y.copy()
    x[7, 20] = SENTINEL
    model = task.model()
    y[7] = int(np.argmin(model(x[7:8]).numpy()[0]))  # the sentinel row is badly wrong: loss ≫ 1
    loss = tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, reduction=tf.keras.losses.Reduction.NONE
    )
    exact = float(np.mean(loss(y[:300], model(x[:300]).numpy()).numpy().astype("float64")))
    assert exact > 10  # recognisable: nothing else the kit prints is near it
    return model, x, y, exact


def _train(ledger, model, x, y, **options):
    """300 training rows (the sentinel among them), 100 private validation rows, progress bar on."""
    return train_dp_sgd(model, x[:300], y[:300], budget="m", ledger=ledger,
                        validation_data=(x[300:], y[300:]), progress_bar=True, **OPTIONS,
                        **options)  # fmt: skip


def _outputs(ledger, result, monitor, printed, tmp_path) -> dict[str, str]:
    card = build_card({"name": "digits"}, ledger=ledger, budget="m", release_id=result.release.id)
    return {
        "stdout": printed.out, "stderr": printed.err, "repr": repr(result),
        "summary": result.summary(), "statement": result.statement,
        "ledger": json.dumps(ledger.export(), default=str),
        "history": "".join(p.read_text() for p in (tmp_path / "models").glob("*.json")),
        "records": json.dumps([r.to_dict() for r in result.records]),
        "monitor status": monitor.status.value, "monitor data": monitor.data.to_json(),
        "monitor chart": json.dumps(monitor.chart.spec, default=str),
        "sweep data": sweep_data([result]).to_json(),
        "card": card.statement() + json.dumps(card.privacy_card(), default=str)
        + json.dumps(card.mct_json(), default=str),
        "privacy-budget.json": json.dumps(budget_document(ledger, "m"), default=str),
    }  # fmt: skip


def test_default_outputs_carry_no_exact_training_metric(
    ledger, planted, tmp_path, capfd, figures_near
):
    model, x, y, exact = planted
    monitor = TrainingMonitor()
    result = _train(ledger, model, x, y, progress=monitor.progress)
    printed = capfd.readouterr()
    assert "ε" in printed.out and "val_accuracy" in printed.out  # the progress bar did print
    assert all(r.loss is None and r.accuracy is None for r in result.records)
    assert all(r.val_accuracy is not None for r in result.records)  # the DP-released figure
    training_metrics = result.release.details["training_metrics"]
    assert training_metrics["shown"] is False
    for name, text in _outputs(ledger, result, monitor, printed, tmp_path).items():
        assert not figures_near(text, exact, TOLERANCE), name
        assert "73571" not in text, name
    assert verify_stored_models(ledger).ok


def test_opted_in_training_metrics_are_labelled_and_never_stored(
    ledger, planted, tmp_path, capfd, figures_near
):
    model, x, y, exact = planted
    monitor = TrainingMonitor()
    result = _train(ledger, model, x, y, progress=monitor.progress, show_private_metrics=True)
    printed = capfd.readouterr()
    # Shown to the analyst, so the check of the test above would have caught it.
    assert figures_near(printed.out, exact, TOLERANCE)
    assert "NOT private" in printed.out and "do not publish" in printed.out
    assert all(r.loss == pytest.approx(exact, abs=TOLERANCE) for r in result.records)
    assert all(r.private_metrics and r.accuracy is not None for r in result.records)
    assert "training accuracy (exact, not private)" in monitor.data.metric.tolist()
    training_metrics = result.release.details["training_metrics"]
    assert training_metrics["shown"] is True and "must not be published" in training_metrics["note"]
    assert "show_private_metrics=True" in result.statement and "NOT covered" in result.statement
    assert "not private" in result.summary()
    shown_to_analyst = {"stdout", "records", "monitor data", "monitor chart"}
    for name, text in _outputs(ledger, result, monitor, printed, tmp_path).items():
        if name not in shown_to_analyst:
            assert not figures_near(text, exact, TOLERANCE), name

    again = _train(ledger, model, x, y)  # a replay hands back the stored history: no exact figure
    replayed = capfd.readouterr()
    assert again.release.replayed and [r.epoch for r in again.records] == [1, 2]
    assert all(r.loss is None and not r.private_metrics for r in again.records)
    assert not figures_near(replayed.out + json.dumps([r.to_dict() for r in again.records]),
                            exact, TOLERANCE)  # fmt: skip
    assert verify_stored_models(ledger).ok
