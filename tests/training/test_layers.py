"""Layers that break per-example privacy are refused before any epoch and with nothing spent; a
BatchNormalization frozen with public statistics trains, and its statistics stay as they were."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
pytestmark = pytest.mark.tf
tf = pytest.importorskip("tensorflow")

from jupyter_privacy.core.ledger import open_ledger  # noqa: E402
from jupyter_privacy.core.training import (  # noqa: E402
    FAST_CLIPPING,
    NonPrivateLayerError,
    train_dp_sgd,
)

L = tf.keras.layers


class RunningMax(L.Layer):
    """Passes its input through but remembers the largest value seen: state learned from data."""

    def build(self, shape):
        self.seen = self.add_weight(name="seen", shape=shape[1:], initializer="zeros",
                                    trainable=False)  # fmt: skip

    def call(self, inputs, training=None):
        if training:
            self.seen.assign(tf.maximum(self.seen, tf.reduce_max(inputs, axis=0)))
        return inputs


def batch_mean_centering():
    """A stateless layer that mixes examples: each output depends on the whole batch."""
    return L.Lambda(lambda t: t - tf.reduce_mean(t, axis=0, keepdims=True))


def sync_batch_norm():
    return L.experimental.SyncBatchNormalization()


def nested_batch_norm():
    inner = tf.keras.Sequential([tf.keras.Input((16,)), L.BatchNormalization()], name="block")
    return inner


REFUSED = {
    "BatchNormalization": (L.BatchNormalization, "batch statistics"),
    "SyncBatchNormalization": (sync_batch_norm, "batch statistics"),
    "BatchNormalization in a nested model": (nested_batch_norm, "batch statistics"),
    "state updated from data": (RunningMax, "non-trainable state changed"),
    "examples mixed in the forward pass": (batch_mean_centering, "mixes examples"),
    "activity regularizer": (lambda: L.Dense(16, activity_regularizer="l2"),
                             "activity regularizer"),
}  # fmt: skip


def mlp(middle):
    return tf.keras.Sequential(
        [tf.keras.Input((64,)), L.Dense(16, activation="relu"), middle, L.Dense(10)]
    )


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    with open_ledger(f"sqlite:///{tmp_path_factory.mktemp('layers') / 'ledger.db'}") as opened:
        opened.create_budget("models", 50.0, 1e-2)
        yield opened


@pytest.mark.parametrize("kind", list(REFUSED))
def test_non_private_layer_is_refused_before_anything_runs(kind, ledger, digits_task) -> None:
    make, words = REFUSED[kind]
    x, y = digits_task(200)
    model = mlp(make())
    before = [w.copy() for w in model.get_weights()]

    def must_not_run(record):
        raise AssertionError("an epoch ran although the model has a non-private layer")

    with pytest.raises(NonPrivateLayerError) as refused:
        train_dp_sgd(model, x, y, budget="models", ledger=ledger, validation_data=(x, y),
                     epochs=1, batch_size=20, noise_multiplier=1.0, on_epoch=must_not_run,
                     progress_bar=False)  # fmt: skip
    message = refused.value.message
    assert words in message and "Nothing was trained or spent" in message
    if kind != "activity regularizer":  # what to use instead
        assert "GroupNormalization" in message and "LayerNormalization" in message
        assert "statistics computed on public data (layer.trainable = False" in message
    assert refused.value.fields["layers"]
    assert ledger.budget("models").release_count == 0  # not even a validation release
    assert all((a == b).all() for a, b in zip(model.get_weights(), before, strict=True))


def test_frozen_batch_norm_with_public_statistics_trains(ledger, digits_task) -> None:
    x, y = digits_task(300)
    frozen = L.BatchNormalization(name="public_stats")
    frozen.trainable = False  # statistics from public data, run in inference mode
    model = mlp(frozen)
    public = np.random.default_rng(0).normal(size=(500, 16)).astype("float32")  # "public" data
    frozen.set_weights([np.ones(16), np.zeros(16), public.mean(axis=0), public.var(axis=0)])
    statistics = [w.copy() for w in frozen.get_weights()]
    result = train_dp_sgd(model, x, y, budget="models", ledger=ledger, epochs=2, batch_size=30,
                          noise_multiplier=1.0, learning_rate=0.5, progress_bar=False)  # fmt: skip
    assert result.path == FAST_CLIPPING  # no trainable weights in the frozen layer
    trained = result.model.get_layer("public_stats").get_weights()
    assert all((a == b).all() for a, b in zip(trained, statistics, strict=True))
    assert result.release.details["fixed_state_layers"] == ["public_stats"]
    assert "public_stats" in result.statement and "assumed public" in result.statement
    assert result.release.details["optimizer_steps"] == 20


@pytest.mark.slow
def test_layer_and_group_normalization_are_allowed(ledger, digits_task) -> None:
    x, y = digits_task(200)
    for layer in (L.LayerNormalization(), L.GroupNormalization(groups=4)):
        with pytest.warns(UserWarning, match="per-example Jacobians"):
            result = train_dp_sgd(mlp(layer), x, y, budget="models", ledger=ledger, epochs=1,
                                  batch_size=20, noise_multiplier=1.0, progress_bar=False)  # fmt: skip
        assert result.release.details["fixed_state_layers"] == []
