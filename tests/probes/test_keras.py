"""Keras adapter on real TensorFlow: exact per-example losses, and a DP-SGD model (TF Privacy) at
small ε passes the gate with its empirical lower bound under the claimed ε."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits

from jupyter_privacy.core.probes import ProbeLimit, parse_tpr_at_fpr, probe_gate, probe_model

pytestmark = pytest.mark.tf

SIGMA, BATCH, EPOCHS, DELTA = 2.0, 50, 5, 1e-5


@pytest.fixture(scope="module")
def digits() -> tuple[Any, Any, Any, Any]:
    x, y = load_digits(return_X_y=True)
    x = (x / 16).astype("float32")
    order = np.random.default_rng(0).permutation(len(y))
    return x, y, order[:500], order[500:1000]


def _mlp(tf: Any) -> Any:
    return tf.keras.Sequential(
        [tf.keras.Input((64,)), tf.keras.layers.Dense(256, activation="relu"),
         tf.keras.layers.Dense(10)]
    )  # fmt: skip


def _claimed_epsilon(n: int) -> float:
    """RDP ε of the run (Poisson sampling assumed, as DP-SGD analyses do), via dp-accounting."""
    import dp_accounting

    steps = EPOCHS * n // BATCH
    accountant = dp_accounting.rdp.RdpAccountant()
    event = dp_accounting.PoissonSampledDpEvent(BATCH / n, dp_accounting.GaussianDpEvent(SIGMA))
    accountant.compose(dp_accounting.SelfComposedDpEvent(event, steps))
    return float(accountant.get_epsilon(DELTA))


def test_keras_losses_are_exact_and_a_dp_model_passes(digits: tuple[Any, Any, Any, Any]) -> None:
    import tensorflow as tf
    import tensorflow_privacy as tfp

    from jupyter_privacy.core.probes.keras import keras_losses

    x, y, members, non_members = digits
    tf.keras.utils.set_random_seed(0)
    plain = _mlp(tf)
    plain.compile(tf.keras.optimizers.Adam(0.01),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    plain.fit(x[members], y[members], epochs=60, batch_size=BATCH, verbose=0)
    losses = keras_losses(plain)(x[:5], y[:5])
    logits = plain.predict(x[:5], verbose=0).astype(np.float64)
    expected = np.log(np.exp(logits).sum(axis=1)) - logits[np.arange(5), y[:5]]
    np.testing.assert_allclose(losses, expected, rtol=1e-4, atol=1e-5)

    private = _mlp(tf)
    private.compile(
        tfp.DPKerasSGDOptimizer(l2_norm_clip=1.0, noise_multiplier=SIGMA,
                                num_microbatches=BATCH, learning_rate=0.5),
        tf.keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction=tf.keras.losses.Reduction.NONE),
    )  # fmt: skip
    private.fit(x[members], y[members], epochs=EPOCHS, batch_size=BATCH, verbose=0)
    epsilon = _claimed_epsilon(len(members))
    assert epsilon < 3

    sets = ((x[members], y[members]), (x[non_members], y[non_members]))
    leaky = probe_model(keras_losses(plain), *sets, delta=DELTA)
    report = probe_model(keras_losses(private), *sets, epsilon=epsilon, delta=DELTA)
    results = probe_gate(report, [ProbeLimit("auc", 0.6), parse_tpr_at_fpr("5%@1%")])
    assert all(r.passed for r in results), [r.line() for r in results]
    assert report.empirical_epsilon["lower"] <= epsilon
    assert leaky.empirical_epsilon["lower"] > report.empirical_epsilon["lower"] + 1.0
