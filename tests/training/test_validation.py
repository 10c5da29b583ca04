"""Validation metrics inside the privacy statement: declared-public validation is stated as such in
the release, the statement and the model card; DP validation needs an accuracy; and no output of a
training (printed progress, statement, ledger, stored history, model card) carries a private value."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
pytestmark = pytest.mark.tf
tf = pytest.importorskip("tensorflow")

from jupyter_privacy.core.errors import InvalidParameterError  # noqa: E402
from jupyter_privacy.core.ledger import open_ledger  # noqa: E402
from jupyter_privacy.core.reports.model_card import build_card  # noqa: E402
from jupyter_privacy.core.training import train_dp_sgd  # noqa: E402

SENTINEL = 73571.125  # a private value planted in the data: no output may carry it
SENTINEL_TEXT = "73571"


@pytest.fixture
def ledger(tmp_path):
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as opened:
        opened.create_budget("m", 50.0, 1e-2, privacy_unit="one image")
        yield opened


def test_public_validation_is_declared_in_the_release_statement_and_card(ledger, digits_task):
    task = digits_task(400)
    x, y = task
    result = train_dp_sgd(
        task.model(), x[:300], y[:300], budget="m", ledger=ledger,
        validation_data=(x[300:], y[300:]), validation_public=True, epochs=2, batch_size=30,
        noise_multiplier=1.0, learning_rate=0.5, progress_bar=False,
    )  # fmt: skip
    assert result.validation_releases == [] and ledger.budget("m").release_count == 1
    assert result.total_epsilon == result.epsilon.epsilon
    details = result.release.details
    assert details["validation"]["mode"] == "public"
    assert all(r.val_loss is not None and r.validation_epsilon == 0 for r in result.records)
    assert "declared public" in result.statement and "NOT covered" in result.statement
    assert "on data declared public" in result.summary()
    card = build_card({"name": "digits"}, ledger=ledger, budget="m", release_id=result.release.id)
    assert "declared public" in card.statement()
    assert "declared public" in card.privacy_card()["dp_guarantee"]["validation"]


def test_dp_validation_is_stated_on_the_model_card(ledger, digits_task):
    task = digits_task(400)
    x, y = task
    result = train_dp_sgd(
        task.model(), x[:300], y[:300], budget="m", ledger=ledger,
        validation_data=(x[300:], y[300:]), validation_epsilon=0.5, epochs=2, batch_size=30,
        noise_multiplier=1.0, learning_rate=0.5, progress_bar=False,
    )  # fmt: skip
    card = build_card({"name": "digits"}, ledger=ledger, budget="m", release_id=result.release.id)
    assert "accuracy DP-released (OpenDP" in card.statement()
    assert "ε 0.5 over 2 releases charged to the same budget" in card.statement()


def test_dp_validation_of_a_regression_model_is_a_clear_error(ledger, digits_task):
    x, y = digits_task(100)
    model = tf.keras.Sequential([tf.keras.Input((64,)), tf.keras.layers.Dense(1)])
    with pytest.raises(InvalidParameterError, match="validation_public=True"):
        train_dp_sgd(model, x, y.astype("float32"), budget="m", ledger=ledger,
                     validation_data=(x, y), loss="mean_squared_error", noise_multiplier=1.0,
                     progress_bar=False)  # fmt: skip
    with pytest.raises(InvalidParameterError, match="leaves nothing of target_epsilon"):
        train_dp_sgd(digits_task(100).model(), x, y, budget="m", ledger=ledger,
                     validation_data=(x, y), target_epsilon=0.2, progress_bar=False)  # fmt: skip
    assert ledger.budget("m").release_count == 0


def test_no_output_carries_a_private_value(ledger, digits_task, tmp_path, capfd):
    task = digits_task(400)
    x, y = task
    x = x.copy()
    x[7, 20] = SENTINEL  # one training row
    x[350, 33] = SENTINEL  # one validation row
    result = train_dp_sgd(
        task.model(), x[:300], y[:300], budget="m", ledger=ledger,
        validation_data=(x[300:], y[300:]), epochs=2, batch_size=30, noise_multiplier=1.0,
        learning_rate=0.5, progress_bar=True, description="sentinel run",
    )  # fmt: skip
    printed = capfd.readouterr()
    card = build_card({"name": "digits"}, ledger=ledger, budget="m", release_id=result.release.id)
    outputs = {
        "stdout": printed.out, "stderr": printed.err, "statement": result.statement,
        "summary": result.summary(),
        "ledger": json.dumps([(r.value, r.details, r.description) for r in ledger.history("m")],
                             default=str),
        "history": "".join(p.read_text() for p in (tmp_path / "models").glob("*.json")),
        "records": json.dumps([r.to_dict() for r in result.records]),
        "card": json.dumps(card.privacy_card(), default=str) + json.dumps(card.mct_json()),
    }  # fmt: skip
    assert "ε" in printed.out  # the progress bar did print
    for name, text in outputs.items():
        assert SENTINEL_TEXT not in text, name
