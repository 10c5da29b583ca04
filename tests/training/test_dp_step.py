"""The DP-SGD step itself, against an independent per-example computation: with σ = 0 an update is
the sum of clipped per-example gradients divided by the expected batch size; masked padding adds
exactly nothing; the noise has standard deviation σ·C/B; and the ε charged equals dp-accounting's
`PoissonSampledDpEvent(q, GaussianDpEvent(σ))` composed over the steps actually run."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
pytestmark = pytest.mark.tf
tf = pytest.importorskip("tensorflow")

import dp_accounting  # noqa: E402

from jupyter_privacy.core.ledger import open_ledger  # noqa: E402
from jupyter_privacy.core.training import FAST_CLIPPING, VECTORIZED_OPTIMIZER, train_dp_sgd  # noqa: E402
from jupyter_privacy.core.training.engine import DpSgdEngine  # noqa: E402
from jupyter_privacy.core.training.models import prepare_model  # noqa: E402
from jupyter_privacy.core.training.sampling import EpochBatches  # noqa: E402

CLIP = 0.5
CHUNK = 8
EXPECTED_BATCH = 6


@pytest.fixture(scope="module")
def data(digits_task):
    return digits_task(64)


def build(data, *, fast: bool, middle=(), noise: float = 0.0):
    model = tf.keras.Sequential(
        [tf.keras.Input((64,)), tf.keras.layers.Dense(8, activation="relu"), *middle,
         tf.keras.layers.Dense(10)]
    )  # fmt: skip
    prepared = prepare_model(model, learning_rate=1.0, loss="sparse_categorical_crossentropy",
                             from_logits=True, prefer_fast_clipping=fast)  # fmt: skip
    engine = DpSgdEngine(
        prepared, data.x, data.y, loss="sparse_categorical_crossentropy", from_logits=True,
        clip_norm=CLIP, noise_multiplier=noise, expected_batch_size=EXPECTED_BATCH,
        physical_batch=CHUNK,
    )  # fmt: skip
    return prepared, engine


def clipped_reference(model, x, y, rows):
    """Each example's gradient on its own (a batch of one), clipped by its global norm, summed."""
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    total = [np.zeros(v.shape, np.float32) for v in model.trainable_variables]
    for row in rows:
        with tf.GradientTape() as tape:
            value = loss(y[row : row + 1], model(x[row : row + 1], training=True))
        grads = tape.gradient(value, model.trainable_variables)
        norm = float(tf.linalg.global_norm(grads))
        for index, grad in enumerate(grads):
            total[index] += grad.numpy() * min(1.0, CLIP / norm)
    return total


def one_step(indices, mask):
    return EpochBatches(
        indices=np.array([indices], np.int32), mask=np.array([mask], np.float32),
        step_ends=np.array([True]), batch_sizes=np.array([int(sum(mask))]),
    )  # fmt: skip


@pytest.mark.parametrize("fast", [True, False], ids=["fast-clipping", "per-example-jacobians"])
def test_sigma_zero_step_is_the_clipped_sum_over_the_expected_batch_size(data, fast) -> None:
    prepared, engine = build(data, fast=fast)
    assert prepared.path == (FAST_CLIPPING if fast else VECTORIZED_OPTIMIZER)
    model = prepared.model
    real = [3, 17, 5, 40, 22]
    # Three padding rows point at example 9 and are masked: they must add exactly nothing.
    indices, mask = [*real, 9, 9, 9], [1.0] * 5 + [0.0] * 3
    before = [v.numpy().copy() for v in model.trainable_variables]
    expected = clipped_reference(model, data.x, data.y, real)
    assert max(float(np.abs(g).max()) for g in expected) > 0
    engine.run_epoch(one_step(indices, mask))
    assert engine.optimizer_steps == 1
    for old, new, grad in zip(before, model.trainable_variables, expected, strict=True):
        np.testing.assert_allclose(old - new.numpy(), grad / EXPECTED_BATCH, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("fast", [True, False], ids=["fast-clipping", "per-example-jacobians"])
def test_masked_rows_contribute_exactly_zero(data, fast) -> None:
    _, engine = build(data, fast=fast)
    padded = engine.clipped_sum(np.array([3, 9, 9, 9, 9, 9, 9, 9]), np.array([1.0] + [0.0] * 7))
    alone = engine.clipped_sum(np.array([3, 0, 0, 0, 0, 0, 0, 0]), np.array([1.0] + [0.0] * 7))
    nothing = engine.clipped_sum(np.full(8, 9), np.zeros(8))
    for a, b, zero in zip(padded, alone, nothing, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert not np.any(zero.numpy())


def test_noise_has_standard_deviation_sigma_clip_over_expected_batch(data) -> None:
    sigma = 3.0
    prepared, engine = build(data, fast=True, noise=sigma)
    before = np.concatenate([v.numpy().ravel() for v in prepared.model.trainable_variables])
    steps = 20
    empty = EpochBatches(  # noise-only steps (Poisson can draw nobody): the update is pure noise
        indices=np.zeros((steps, CHUNK), np.int32), mask=np.zeros((steps, CHUNK), np.float32),
        step_ends=np.ones(steps, bool), batch_sizes=np.zeros(steps, np.int64),
    )  # fmt: skip
    engine.run_epoch(empty)
    after = np.concatenate([v.numpy().ravel() for v in prepared.model.trainable_variables])
    moved = (after - before) / np.sqrt(steps)  # sum of 20 independent steps
    stddev, count = sigma * CLIP / EXPECTED_BATCH, len(moved)
    # Four standard errors: the sample std of `count` normal values, and their mean.
    assert np.std(moved) == pytest.approx(stddev, rel=4 / np.sqrt(2 * count))
    assert abs(np.mean(moved)) < 4 * stddev / np.sqrt(count)
    # Dividing by the realised batch (0 here) or by the physical chunk (8) would fail this.


def test_dropout_models_clip_each_example_to_the_clip_norm(data) -> None:
    prepared, engine = build(data, fast=True, middle=[tf.keras.layers.Dropout(0.5)])
    assert prepared.path == VECTORIZED_OPTIMIZER and "Dropout" in prepared.reason
    for row in range(12):
        grads = engine.clipped_sum(np.array([row] + [0] * 7), np.array([1.0] + [0.0] * 7))
        assert float(tf.linalg.global_norm(grads)) <= CLIP * (1 + 1e-5)


@pytest.mark.parametrize("accountant", ["rdp", "pld"])
def test_charged_epsilon_is_dp_accountings_over_the_steps_run(tmp_path, data, accountant) -> None:
    x, y = data
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.create_budget("m", 50.0, 1e-2)
        result = train_dp_sgd(
            tf.keras.Sequential([tf.keras.Input((64,)), tf.keras.layers.Dense(10)]), x, y,
            budget="m", ledger=ledger, epochs=3, batch_size=10, noise_multiplier=1.3, delta=1e-3,
            accountant=accountant, progress_bar=False,
        )  # fmt: skip
    details = result.release.details
    steps = details["optimizer_steps"]
    assert steps == int(result.model.optimizer.iterations.numpy()) == 20  # ⌈3·64/10⌉
    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(10 / 64, dp_accounting.GaussianDpEvent(1.3)), steps
    )
    reference = (dp_accounting.rdp.RdpAccountant() if accountant == "rdp"
                 else dp_accounting.pld.PLDAccountant())  # fmt: skip
    reference.compose(event)
    assert result.release.epsilon == pytest.approx(reference.get_epsilon(1e-3), rel=1e-9)
    assert details["sampling_probability"] == 10 / 64
    assert details["inclusion_probability"] <= 10 / 64
