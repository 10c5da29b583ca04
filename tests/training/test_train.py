"""Real DP-SGD training (TF Privacy) on scikit-learn's digits, recorded in a real SQLite ledger.

One module-scoped training is shared by most tests to keep the suite fast.
"""

from __future__ import annotations

import os

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
    result = train_dp_sgd(
        original, x, y, budget="models", ledger=module_ledger, validation_data=validation,
        epochs=EPOCHS, batch_size=64, noise_multiplier=1.5, learning_rate=0.5,
        on_epoch=seen.append, progress_bar=False, description="digits MLP",
    )  # fmt: skip
    return result, seen, original, before


def test_training_reaches_stated_accuracy_and_records_its_epsilon(trained, module_ledger, digits):
    result, _, _, _ = trained
    assert result.path == FAST_CLIPPING
    assert result.records[-1].val_accuracy >= MIN_VAL_ACCURACY
    releases = module_ledger.history("models")
    assert [r.id for r in releases] == [result.release.id]
    release = releases[0]
    assert release.epsilon == pytest.approx(result.epsilon.epsilon)
    assert release.delta == 1e-5
    assert release.value["val_accuracy"] == pytest.approx(result.records[-1].val_accuracy)
    assert release.value["epochs_completed"] == EPOCHS
    details = release.details
    assert details["accountant"] == "rdp" and details["sampling"] == "shuffle"
    assert details["training_path"] == FAST_CLIPPING
    assert details["hyper_parameters"]["noise_multiplier"] == 1.5
    assert details["hyper_parameters"]["clip_norm"] == 1.0
    assert details["data_fingerprint"] == data_fingerprint(*digits[0], key=module_ledger.data_key())
    assert details["epsilon_by_accountant"]["rdp/shuffle"] == pytest.approx(release.epsilon)
    assert "Keras fit" in details["pipeline"]


def test_per_epoch_records_and_hook(trained):
    result, seen, _, _ = trained
    assert [r.epoch for r in result.records] == list(range(1, EPOCHS + 1))
    assert seen == result.records
    epsilons = [r.epsilon for r in result.records]
    assert epsilons == sorted(epsilons) and epsilons[-1] == pytest.approx(result.epsilon.epsilon)
    assert all(r.loss is not None and r.val_accuracy is not None for r in result.records)
    assert result.records[0].to_dict()["sampling"] == "shuffle"


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

    with pytest.raises(BudgetExceededError, match="Training was not started"):
        train_dp_sgd(
            mlp(), x, y, budget="tiny", ledger=module_ledger, validation_data=validation,
            epochs=3, noise_multiplier=1.0, on_epoch=must_not_run, progress_bar=False,
        )  # fmt: skip
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


def test_poisson_accounting_is_opt_in_and_warns(digits, module_ledger):
    (x, y), _ = digits
    progress = TrainingProgress()  # reused from an earlier run: only this run's epochs count
    progress.add(EpochRecord(1, 1, 0.5, 0.9, None, None, 1.0, 1e-5, "rdp", "shuffle", 0.1))
    with pytest.warns(UserWarning, match="Poisson sampling, but training uses shuffled"):
        result = train_dp_sgd(
            mlp(), x[:256], y[:256], budget="models", ledger=module_ledger, epochs=1,
            noise_multiplier=2.0, delta=1e-5, sampling="poisson", progress=progress,
            progress_bar=False,
        )  # fmt: skip
    assert len(result.records) == 1 and len(progress.records) == 2
    assert result.release.value["epochs_completed"] == 1
    details = result.release.details
    assert details["sampling"] == "poisson"
    assert result.release.epsilon < details["epsilon_by_accountant"]["rdp/shuffle"]
