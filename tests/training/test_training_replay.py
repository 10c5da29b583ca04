"""Re-running the same training returns the stored model and release and spends nothing."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.tf

tf = pytest.importorskip("tensorflow")

from sklearn.datasets import load_digits  # noqa: E402

from jupyter_privacy import open_ledger  # noqa: E402
from jupyter_privacy.core.errors import InvalidParameterError  # noqa: E402
from jupyter_privacy.core.training import train_dp_sgd  # noqa: E402


def _mlp():
    return tf.keras.Sequential(
        [tf.keras.Input((64,)), tf.keras.layers.Dense(16, activation="relu"),
         tf.keras.layers.Dense(10)]
    )  # fmt: skip


@pytest.fixture(scope="module")
def data():
    x, y = load_digits(return_X_y=True)
    return (x[:600] / 16.0).astype("float32"), y[:600]


def _train(ledger, data, **options):
    x, y = data
    return train_dp_sgd(
        _mlp(), x, y, budget="m", ledger=ledger, epochs=1, batch_size=100,
        noise_multiplier=2.0, progress_bar=False, **options,
    )  # fmt: skip


def test_rerun_replays_model_and_spends_nothing(tmp_path, data) -> None:
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.create_budget("m", 50.0, 1e-3)
        first = _train(ledger, data)
        spent = ledger.budget("m").epsilon_spent
        again = _train(ledger, data)  # a new model object with new layer names: same training
        assert again.release.replayed and again.release.id == first.release.id
        assert "replayed" in again.path_reason
        assert ledger.budget("m").epsilon_spent == spent
        x, _ = data
        np.testing.assert_allclose(again.model.predict(x[:5], verbose=0),
                                   first.model.predict(x[:5], verbose=0), rtol=1e-5, atol=1e-5)  # fmt: skip
        assert list((tmp_path / "models").glob("*.npz"))
        fresh = _train(ledger, data, fresh=True)
        assert not fresh.release.replayed
        assert ledger.budget("m").epsilon_spent == pytest.approx(2 * spent)
        # other hyper-parameters are another training
        other = _train(ledger, data, learning_rate=0.3)
        assert not other.release.replayed


def test_missing_weights_file_is_refused(tmp_path, data) -> None:
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.create_budget("m", 50.0, 1e-3)
        _train(ledger, data)
        for path in (tmp_path / "models").glob("*.npz"):
            path.unlink()
        spent = ledger.budget("m").epsilon_spent
        with pytest.raises(InvalidParameterError, match=r"weights file .* is missing"):
            _train(ledger, data)
        assert ledger.budget("m").epsilon_spent == spent
