"""Real DP-SGD training (TF Privacy) on scikit-learn's digits, recorded in a real SQLite ledger.

One module-scoped training is shared by most tests to keep the suite fast.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
pytestmark = pytest.mark.tf

tf = pytest.importorskip("tensorflow")

from sklearn.datasets import load_digits  # noqa: E402

from jupyter_privacy.core.errors import BudgetExceededError, InvalidParameterError  # noqa: E402
from jupyter_privacy.core.ledger import open_ledger  # noqa: E402
from jupyter_privacy.core.training import (  # noqa: E402
    FAST_CLIPPING,
    VECTORIZED_OPTIMIZER,
    EpochRecord,
    TrainingProgress,
    data_fingerprint,
    train_dp_sgd,
)

EPOCHS = 8
#: Stated accuracy for this configuration (non-private MLP reaches ~0.95; chance is 0.10).
MIN_VAL_ACCURACY = 0.70
VALIDATION_EPSILON = 2.0  # 0.25 per epoch: Laplace scale 4 on 297 validation rows


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    return (x[:1500], y[:1500]), (x[1500:], y[1500:])


def mlp(*middle):
    return tf.keras.Sequential(
        [tf.keras.Input((64,)), tf.keras.layers.Dense(32, activation="relu"), *middle,
         tf.keras.layers.Dense(10)]
    )  # fmt: skip


@pytest.fixture(scope="module")
def module_ledger(tmp_path_factory):
    with open_ledger(f"sqlite:///{tmp_path_factory.mktemp('train') / 'ledger.db'}") as ledger:
        ledger.create_budget("models", 30.0, 1e-4, privacy_unit="one digit image")
        ledger.create_budget("tiny", 0.5, 1e-4)
        yield ledger


@pytest.fixture(scope="module")
def trained(digits, module_ledger):
    (x, y), validation = digits
    original = mlp()
    before = [w.copy() for w in original.get_weights()]
    seen = []

    def listen(record):  # what the ledger held when the epoch was shown
        releases = module_ledger.history("models")
        seen.append((record, [r.value for r in releases if r.details["kind"] != "dp-sgd"]))

    result = train_dp_sgd(
        original, x, y, budget="models", ledger=module_ledger, validation_data=validation,
        validation_epsilon=VALIDATION_EPSILON, epochs=EPOCHS, batch_size=64,
        noise_multiplier=1.5, learning_rate=0.5, on_epoch=listen, progress_bar=False,
        description="digits MLP",
    )  # fmt: skip
    return result, seen, original, before


def test_training_reaches_stated_accuracy_and_records_its_epsilon(trained, module_ledger, digits):
    result, _, _, _ = trained
    assert result.path == FAST_CLIPPING
    x_val, y_val = digits[1]
    exact = np.mean(np.argmax(result.model.predict(x_val, verbose=0), axis=1) == y_val)
    assert exact >= MIN_VAL_ACCURACY
    assert abs(result.records[-1].val_accuracy - exact) < 0.1  # DP count, Laplace scale 4
    releases = module_ledger.history("models")
    model_release = [r for r in releases if r.details["kind"] == "dp-sgd"]
    assert [r.id for r in model_release] == [result.release.id]
    release = model_release[0]
    assert release.epsilon == pytest.approx(result.epsilon.epsilon)
    assert release.delta == 1e-5
    assert release.value["val_accuracy"] == pytest.approx(result.records[-1].val_accuracy)
    assert release.value["epochs_completed"] == EPOCHS
    assert release.value["val_loss"] is None  # not released under DP validation
    details = release.details
    assert details["accountant"] == "rdp" and details["sampling"] == "poisson"
    assert details["sampling_probability"] == pytest.approx(64 / 1500)
    assert details["training_path"] == FAST_CLIPPING
    assert details["hyper_parameters"]["noise_multiplier"] == 1.5
    assert details["hyper_parameters"]["clip_norm"] == 1.0
    assert details["data_fingerprint"] == data_fingerprint(*digits[0], key=module_ledger.data_key())
    assert details["epsilon_by_accountant"]["rdp/poisson"] == pytest.approx(release.epsilon)
    assert release.epsilon < details["epsilon_by_accountant"]["rdp/shuffle"]
    assert "Poisson subsampling" in details["pipeline"]
    steps = math.ceil(EPOCHS * 1500 / 64)
    assert details["optimizer_steps"] == details["steps_composed"] == steps == result.plan.steps
    assert int(result.model.optimizer.iterations.numpy()) == steps
    assert details["compositions"] == steps


def test_dp_validation_is_charged_to_the_same_budget(trained, module_ledger):
    result, _, _, _ = trained
    validation = result.release.details["validation"]
    assert validation["mode"] == "dp" and validation["epsilon_total"] == VALIDATION_EPSILON
    assert validation["release_ids"] == [r.id for r in result.validation_releases]
    assert len(result.validation_releases) == EPOCHS
    for epoch, release in enumerate(result.validation_releases, start=1):
        assert release.epsilon == pytest.approx(VALIDATION_EPSILON / EPOCHS)
        assert release.delta == 0 and release.budget == "models"
        assert release.value["epoch"] == epoch and "OpenDP" in release.mechanism
        assert release.details["accountant"] and release.details["sampling"]
    spent = module_ledger.budget("models").epsilon_spent
    assert spent == pytest.approx(result.total_epsilon)
    assert result.total_epsilon == pytest.approx(result.epsilon.epsilon + VALIDATION_EPSILON)
    assert "Validation accuracy was released with differential privacy" in result.statement
    assert f"spent ε {result.total_epsilon:.4g} in total" in result.statement


def test_per_epoch_records_and_hook(trained):
    result, seen, _, _ = trained
    assert [r.epoch for r in result.records] == list(range(1, EPOCHS + 1))
    assert [record for record, _ in seen] == result.records
    epsilons = [r.epsilon for r in result.records]
    assert epsilons == sorted(epsilons) and epsilons[-1] == pytest.approx(result.epsilon.epsilon)
    assert all(r.val_accuracy is not None for r in result.records)
    # The exact training loss and accuracy are not shown by default (show_private_metrics=False).
    assert all(r.loss is None and r.accuracy is None for r in result.records)
    assert result.records[0].to_dict()["sampling"] == "poisson"
    assert [r.validation_epsilon for r in result.records] == pytest.approx(
        [VALIDATION_EPSILON * e / EPOCHS for e in range(1, EPOCHS + 1)]
    )
    # Each epoch's DP accuracy was in the ledger before the epoch was shown.
    for record, recorded in seen:
        assert len(recorded) == record.epoch
        assert recorded[-1]["val_accuracy"] == record.val_accuracy


def test_callers_model_is_not_trained_in_place(trained):
    result, _, original, before = trained
    assert all((a == b).all() for a, b in zip(original.get_weights(), before, strict=True))
    assert result.model is not original
    assert "recorded as release" in result.summary()
    assert "Privacy unit" in result.statement


def test_over_budget_training_is_refused_before_it_starts(digits, module_ledger):
    (x, y), validation = digits

    def must_not_run(record):
        raise AssertionError("training started although the budget was exceeded")

    with pytest.raises(BudgetExceededError, match="Training was not started") as refused:
        train_dp_sgd(
            mlp(), x, y, budget="tiny", ledger=module_ledger, validation_data=validation,
            epochs=3, noise_multiplier=1.0, on_epoch=must_not_run, progress_bar=False,
        )  # fmt: skip
    assert "+ DP validation 0.25" in refused.value.message  # the validation share counts too
    assert module_ledger.history("tiny") == []


def test_failed_training_records_nothing(digits, module_ledger):
    (x, y), _ = digits
    before = module_ledger.budget("models").release_count

    def fail(record):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        train_dp_sgd(
            mlp(), x[:256], y[:256], budget="models", ledger=module_ledger, epochs=2,
            noise_multiplier=2.0, delta=1e-5, on_epoch=fail, progress_bar=False,
        )  # fmt: skip
    assert module_ledger.budget("models").release_count == before


def test_unsupported_layer_falls_back_to_vectorized_optimizer_and_says_so(digits, module_ledger):
    (x, y), validation = digits
    progress = TrainingProgress()
    with pytest.warns(UserWarning, match="cannot handle LayerNormalization"):
        result = train_dp_sgd(
            mlp(tf.keras.layers.LayerNormalization()), x[:512], y[:512], budget="models",
            ledger=module_ledger, validation_data=validation, epochs=1, noise_multiplier=2.0,
            delta=1e-5, progress=progress, progress_bar=False,
        )  # fmt: skip
    assert result.path == VECTORIZED_OPTIMIZER
    assert "LayerNormalization" in result.path_reason
    assert result.release.details["training_path"] == VECTORIZED_OPTIMIZER
    assert len(progress.records) == 1


def test_subclassed_model_is_a_clear_error(digits, module_ledger):
    (x, y), _ = digits

    class Custom(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(10)

        def call(self, inputs):
            return self.dense(inputs)

    with pytest.raises(InvalidParameterError, match="Sequential or functional"):
        train_dp_sgd(
            Custom(), x, y, budget="models", ledger=module_ledger, noise_multiplier=1.0,
            progress_bar=False,
        )  # fmt: skip


def test_shuffle_sampling_charges_the_shuffle_bound_and_runs_its_steps(digits, module_ledger):
    (x, y), _ = digits
    progress = TrainingProgress()  # reused from an earlier run: only this run's epochs count
    progress.add(EpochRecord(1, 1, 0.5, 0.9, None, None, 1.0, 1e-5, "rdp", "poisson", 0.1))
    result = train_dp_sgd(
        mlp(), x, y, budget="models", ledger=module_ledger, epochs=2, noise_multiplier=2.0,
        delta=1e-5, sampling="shuffle", progress=progress, progress_bar=False,
    )  # fmt: skip
    assert len(result.records) == 2 and len(progress.records) == 3
    details = result.release.details
    assert details["sampling"] == "shuffle" and "shuffled batches" in details["pipeline"]
    assert details["optimizer_steps"] == 48 == details["steps_composed"]  # 2 · ⌈1500/64⌉
    assert details["compositions"] == 2  # one Gaussian per pass
    assert result.release.epsilon == pytest.approx(details["epsilon_by_accountant"]["rdp/shuffle"])
    assert details["validation"] == {"mode": "none"}


def test_poisson_runs_the_accountants_47_steps_where_keras_ran_48(digits, module_ledger):
    (x, y), _ = digits
    result = train_dp_sgd(
        mlp(), x, y, budget="models", ledger=module_ledger, epochs=2, noise_multiplier=2.0,
        delta=1e-5, progress_bar=False,
    )  # fmt: skip
    assert int(result.model.optimizer.iterations.numpy()) == 47
    assert result.release.details["optimizer_steps"] == 47 == result.epsilon.compositions
