"""Per-round validation without Flower: a real Keras model, a real ledger. By default each round's
held-out accuracy is an OpenDP release in the training's budget, recorded before it is shown, and no
output carries an exact held-out figure; exact figures only for rows declared public."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.federated import plan_federated
from jupyter_privacy.core.training import TrainingProgress

from .conftest import SENTINEL, make_clients, tiny_model

pytestmark = pytest.mark.tf
tf = pytest.importorskip("tensorflow")


@pytest.fixture
def held_out():
    """(model, validation x, y, exact validation loss): the sentinel row is badly wrong."""
    model = tiny_model()
    x, y = make_clients(1, seed=9)[0]
    assert x[3, 1] == SENTINEL
    y[3] = int(np.argmin(model(x[3:4]).numpy()[0]))
    loss = tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, reduction=tf.keras.losses.Reduction.NONE
    )
    exact = float(np.mean(loss(y, model(x).numpy()).numpy().astype("float64")))
    assert exact > 100
    return model, x, y, exact


def recorder(ledger, model, data, validation, **plan_options):
    from jupyter_privacy.core.federated.rounds import RoundRecorder, federated_validation

    plan = plan_federated(clients=3, rounds=2, clipping_norm=1.0, noise_multiplier=2.0,
                          validation=validation, **plan_options)  # fmt: skip
    checked = federated_validation(data, plan, "sparse_categorical_crossentropy", "")
    return RoundRecorder(
        plan, model, checked, TrainingProgress(), True, ledger=ledger, budget="federation",
        training_key="federated:test", description="", loss="sparse_categorical_crossentropy",
        from_logits=True,
    )  # fmt: skip


def test_round_accuracy_is_dp_released_before_it_is_shown(
    ledger, federation_budget, held_out, capfd, figures_near
) -> None:
    model, x, y, exact = held_out
    rounds = recorder(ledger, model, (x, y), "dp", validation_epsilon=0.5)
    seen = []
    rounds.tracker.on_epoch(lambda r: seen.append((r, ledger.history(federation_budget))))
    for server_round in (1, 2):
        rounds(server_round, model.get_weights(), True)
    printed = capfd.readouterr()

    assert [r.epoch for r, _ in seen] == [1, 2]
    for record, recorded in seen:  # in the ledger before the listener saw it
        assert len(recorded) == record.epoch
        release = recorded[-1]
        assert release.value["val_accuracy"] == record.val_accuracy
        assert release.value["round"] == record.epoch and release.epsilon == pytest.approx(0.25)
        assert release.details["kind"] == "federated-validation"
        assert "one validation row" in release.details["privacy_unit"]
        assert record.val_loss is None and record.loss is None
    assert [r.validation_epsilon for r, _ in seen] == pytest.approx([0.25, 0.5])
    described = rounds.validation.describe([r.id for r in rounds.validation_releases])
    assert described["mode"] == "dp" and described["epsilon_per_round"] == pytest.approx(0.25)
    assert "DP validation accuracy" in printed.out and "validation ε 0.5 so far" in printed.out
    outputs = [printed.out, printed.err, json.dumps(ledger.export(), default=str),
               json.dumps([r.to_dict() for r in rounds.records])]  # fmt: skip
    for text in outputs:
        assert not figures_near(text, exact, 1e-3) and "987654" not in text


def test_declared_public_rows_give_exact_figures_and_spend_nothing(
    ledger, federation_budget, held_out, capfd, figures_near
) -> None:
    model, x, y, exact = held_out
    rounds = recorder(ledger, model, (x, y), "public")
    rounds(1, model.get_weights(), True)
    record = rounds.records[0]
    assert record.val_loss == pytest.approx(exact, rel=1e-5)
    assert "on data declared public" in capfd.readouterr().out
    assert ledger.budget(federation_budget).release_count == 0
    assert "declared public" in rounds.validation.describe()["note"]


def test_dp_validation_of_a_regression_model_is_a_clear_error() -> None:
    from jupyter_privacy.core.federated.rounds import federated_validation

    plan = plan_federated(clients=3, rounds=2, clipping_norm=1.0, noise_multiplier=2.0,
                          validation="dp")  # fmt: skip
    x, y = make_clients(1)[0]
    with pytest.raises(InvalidParameterError, match="validation_public=True"):
        federated_validation((x, y), plan, "mean_squared_error", "")
    with pytest.raises(InvalidParameterError, match="one label per row"):
        federated_validation((x, y[:5]), plan, "sparse_categorical_crossentropy", "")
