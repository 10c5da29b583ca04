"""The Flower pieces on real Flower objects (no Ray, no network): the server clips each update and
divides by the planned number of clients; noise never follows a seed user code set; local DP noises
each client's reply."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.federated

flwr = pytest.importorskip("flwr")

from flwr.app import ArrayRecord, Context, Message, RecordDict  # noqa: E402
from flwr.serverapp.strategy import DifferentialPrivacyServerSideFixedClipping  # noqa: E402

from jupyter_privacy.core.federated import flower_app  # noqa: E402
from jupyter_privacy.core.federated.clients import LocalTraining  # noqa: E402
from jupyter_privacy.core.federated.plan import plan_federated  # noqa: E402
from jupyter_privacy.core.federated.settings import RunSettings  # noqa: E402

GLOBAL = [np.zeros(3, dtype=np.float32), np.zeros(1, dtype=np.float32)]
#: A small update (Flower 1.23's clipping divides by the update's norm: an exactly zero update
#: raises ZeroDivisionError, see docs/federated.md).
STEP = [np.full(3, 0.1, dtype=np.float32), np.full(1, 0.1, dtype=np.float32)]


def replies(*updates: list[np.ndarray]) -> list[Message]:
    sent = Message(RecordDict({"arrays": ArrayRecord(GLOBAL)}), dst_node_id=1, message_type="train")
    return [Message(RecordDict({"arrays": ArrayRecord([g + u for g, u in zip(GLOBAL, update, strict=True)])}),
                    reply_to=sent) for update in updates]  # fmt: skip


def server(noise_multiplier: float, clipping_norm: float = 1.0):
    inner = flower_app.FixedDenominatorFedAvg(clients=3, clients_per_round=3)
    inner._current = [g.copy() for g in GLOBAL]  # what configure_train stores from the global model
    wrapper = DifferentialPrivacyServerSideFixedClipping(inner, noise_multiplier, clipping_norm, 3)
    wrapper.current_arrays = ArrayRecord(GLOBAL)
    return inner, wrapper


def test_updates_are_clipped_and_averaged_over_the_planned_clients() -> None:
    inner, wrapper = server(noise_multiplier=0.0)
    big = [np.array([3.0, 4.0, 0.0], np.float32), np.zeros(1, np.float32)]  # norm 5 → clipped to 1
    small = [np.array([0.0, 0.3, 0.0], np.float32), np.array([0.4], np.float32)]  # norm 0.5
    arrays, metrics = wrapper.aggregate_train(1, replies(big, small))  # the third client missed
    weights = arrays.to_numpy_ndarrays()
    # fixed denominator 3, not the 2 replies: (clip(big) + small) / 3
    assert np.allclose(weights[0], np.array([0.6, 1.1, 0.0]) / 3, atol=1e-6)
    assert np.allclose(weights[1], [0.4 / 3], atol=1e-6)
    assert metrics is None and inner.aggregated_rounds == {1}  # clients report no metrics


def test_a_client_error_skips_the_round_in_central_mode() -> None:
    inner, wrapper = server(noise_multiplier=1.0)
    failed = Message(flwr.app.Error(code=0, reason="boom"), reply_to=replies(STEP)[0])
    assert wrapper.aggregate_train(2, [*replies(STEP), failed]) == (None, None)
    assert inner.aggregated_rounds == set()


def test_central_noise_never_follows_a_seed_set_by_user_code() -> None:
    draws = []
    for _ in range(2):
        _, wrapper = server(noise_multiplier=1.0)
        np.random.seed(7)  # e.g. tf.keras.utils.set_random_seed(7) in the notebook
        arrays, _ = wrapper.aggregate_train(1, replies(STEP, STEP, STEP))
        draws.append(arrays.to_numpy_ndarrays()[0])
    assert not np.allclose(draws[0], draws[1])
    assert 0 < np.abs(draws[0] - STEP[0]).max() < 3  # noise of stddev σ·C/m = 1/3


def test_local_mode_noises_each_reply_with_a_fresh_seed() -> None:
    import tensorflow as tf

    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    plan = plan_federated(clients=3, rounds=1, clipping_norm=0.5, noise_multiplier=4.0,
                          mode="local")  # fmt: skip
    training = LocalTraining(model.to_json(), "sparse_categorical_crossentropy", True, 1, 4, 0.1)
    settings = RunSettings.from_plan(plan, training, 60.0)
    x, y = np.random.default_rng(0).random((8, 3)).astype("float32"), np.zeros(8, "int32")
    app = flower_app.client_app(settings, lambda context: (x, y))
    start = [np.zeros_like(w) for w in model.get_weights()]
    sent = Message(RecordDict({"arrays": ArrayRecord(start)}), dst_node_id=1, message_type="train")
    context = Context(run_id=1, node_id=1, node_config={}, state=RecordDict(), run_config={})
    outputs = []
    for _ in range(2):
        np.random.seed(7)
        reply = app(sent, context)
        outputs.append(np.concatenate([w.ravel() for w in
                                       reply.content.array_records["arrays"].to_numpy_ndarrays()]))  # fmt: skip
    assert not np.allclose(outputs[0], outputs[1])
    # noise stddev σ·C = 2 per weight dominates an update clipped to norm 0.5
    assert 1.0 < outputs[0].std() < 4.0
    assert set(reply.content.keys()) == {"arrays"}  # weights only: no loss, no example count
