"""Requests whose plan is a training: DP-SGD (TensorFlow Privacy) run by the owner's runner, and a
federated plan previewed with the kit's accountant. The release is the training's, in the owner's
budget; the model's weights stay beside the owner's ledger."""

from __future__ import annotations

import pytest

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.requests.records import get_request
from jupyter_privacy.core.requests.results import request_results
from jupyter_privacy.core.requests.review import review_request
from jupyter_privacy.core.requests.runner import run_request
from jupyter_privacy.core.requests.workflow import approve_request, submit_request
from jupyter_privacy.testing.requests import OWNER, SCIENTIST, SENTINEL_NAME, register_people

TRAIN = """
def train(data):
    import numpy as np
    import tensorflow as tf
    from jupyter_privacy.core.training import train_dp_sgd

    frame = data.frame()
    x = (frame[["age", "wage"]].to_numpy(dtype="float32") / np.array([90, 5000], dtype="float32"))
    y = (frame["region"] == "north").to_numpy(dtype="int64")
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(2)])
    train_dp_sgd(model, x[50:], y[50:], budget=data.budget, ledger=data.ledger,
                 target_epsilon=1.0, delta=1e-5, epochs=1, batch_size=50, clip_norm=1.0,
                 validation_data=(x[:50], y[:50]), progress_bar=False)
"""
DP_SGD = {"kind": "dp-sgd", "epsilon": 1.0, "delta": 1e-5, "epochs": 1, "batch_size": 50}


@pytest.mark.tf
@pytest.mark.slow
def test_a_dp_sgd_request_runs_on_the_owners_side(ledger: Ledger, private_csv, store) -> None:
    register_people(ledger, private_csv, store, public_rows=400)
    record = submit_request(ledger, TRAIN, dataset="people", plan=[DP_SGD], actor=SCIENTIST)
    review = review_request(ledger, record).text()
    assert "DP-SGD on 400 rows: noise multiplier" in review
    assert "also covers the validation accuracy the training releases with DP" in review
    approve_request(ledger, record.id, reason="small model", actor=OWNER)
    outcome = run_request(ledger, record.id, store=store, timeout=600)
    assert outcome.outcome == "completed", outcome.log.read_text()[-2000:]
    validation, release = request_results(ledger, record.id).releases  # DP validation first
    assert validation.details["kind"] == "dp-sgd-validation" and validation.epsilon == 0.25
    assert release.details["kind"] == "dp-sgd" and release.details["validation"]["mode"] == "dp"
    assert release.epsilon + validation.epsilon <= 1.0 + 1e-9
    assert release.details["hyper_parameters"]["epochs"] == 1
    assert get_request(ledger, record.id).status == "completed"
    assert SENTINEL_NAME not in request_results(ledger, record.id).text()


def test_a_federated_plan_is_previewed_by_the_kits_accountant(ledger, private_csv, store) -> None:
    register_people(ledger, private_csv, store)
    plan = [{"kind": "federated", "epsilon": 2.0, "delta": 1e-5, "clients": 4, "rounds": 2,
             "clipping_norm": 1.0}]  # fmt: skip
    record = submit_request(ledger, "def fl(data):\n    pass\n", dataset="people", plan=plan,
                            actor=SCIENTIST)  # fmt: skip
    text = review_request(ledger, record).text()
    assert "Federated averaging over 4 clients for 2 round(s)" in text
    assert "Privacy unit: one client's whole dataset" in text and "ε = 2 at δ = 1e-05" in text


FEDERATED = """
def federate(data):
    import numpy as np
    import tensorflow as tf
    from jupyter_privacy.core.federated import train_federated

    frame = data.frame()
    x = (frame[["age", "wage"]].to_numpy(dtype="float32") / np.array([90, 5000], dtype="float32"))
    y = (frame["age"] > 50).to_numpy(dtype="int64")
    clients = {region: (x[(frame["region"] == region).to_numpy()],
                        y[(frame["region"] == region).to_numpy()])
               for region in ("north", "south", "east", "west")}
    train_federated(lambda: tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(2)]),
                    clients, budget=data.budget, ledger=data.ledger, rounds=1,
                    target_epsilon=2.0, delta=1e-5, clipping_norm=1.0, progress_bar=False,
                    validation_data=(x[:40], y[:40]))
"""


@pytest.mark.federated
@pytest.mark.tf
@pytest.mark.slow
def test_a_federated_request_runs_flower_on_the_owners_side(ledger, private_csv, store) -> None:
    register_people(ledger, private_csv, store)
    plan = [{"kind": "federated", "epsilon": 2.0, "delta": 1e-5, "clients": 4, "rounds": 1}]
    record = submit_request(ledger, FEDERATED, dataset="people", plan=plan, actor=SCIENTIST)
    approve_request(ledger, record.id, reason="one round", actor=OWNER)
    outcome = run_request(ledger, record.id, store=store, timeout=600)
    assert outcome.outcome == "completed", outcome.log.read_text()[-3000:]
    validation, release = request_results(ledger, record.id).releases  # one DP round accuracy
    assert validation.details["kind"] == "federated-validation"
    assert release.details["kind"] == "federated" and release.details["validation"]["mode"] == "dp"
    assert release.epsilon + validation.epsilon <= 2.0 + 1e-9
    assert release.details["hyper_parameters"]["clients"] == 4
