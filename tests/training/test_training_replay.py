"""Re-running the same training returns the stored model, release and per-epoch history, and
spends nothing; `find_training_replay` says so beforehand without training or spending."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

pytestmark = pytest.mark.tf

tf = pytest.importorskip("tensorflow")


from jupyter_privacy import open_ledger  # noqa: E402
from jupyter_privacy.core.errors import InvalidParameterError  # noqa: E402
from jupyter_privacy.core.training import (  # noqa: E402
    TrainingProgress,
    find_training_replay,
    train_dp_sgd,
)


@pytest.fixture(scope="module")
def data(digits_task):
    return digits_task(600)


SETTINGS = {"epochs": 2, "batch_size": 100, "noise_multiplier": 2.0}


def _train(ledger, data, **options):
    x, y = data
    return train_dp_sgd(data.model(), x, y, budget="m", ledger=ledger, progress_bar=False,
                        validation_data=(x[:100], y[:100]), **{**SETTINGS, **options})  # fmt: skip


def _would_replay(ledger, data, **options):
    x, y = data
    return find_training_replay(data.model(), x, y, budget="m", ledger=ledger,
                                validation_data=(x[:100], y[:100]), **{**SETTINGS, **options})  # fmt: skip


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
        assert list((tmp_path / "models").glob("*.history.json"))
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


def test_replay_returns_the_stored_per_epoch_history(tmp_path, data) -> None:
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.create_budget("m", 50.0, 1e-3)
        first = _train(ledger, data)
        assert [r.epoch for r in first.records] == [1, 2]
        assert not any(r.replayed for r in first.records)
        progress, seen = TrainingProgress(), []
        again = _train(ledger, data, progress=progress, on_epoch=seen.append)
        assert again.release.replayed
        assert all(r.replayed for r in again.records)
        assert [replace(r, replayed=False) for r in again.records] == first.records
        assert progress.records == again.records == seen  # live charts get the same curve


def test_find_training_replay_asks_without_spending(tmp_path, data) -> None:
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.create_budget("m", 50.0, 1e-3)
        assert _would_replay(ledger, data) is None
        assert ledger.budget("m").release_count == 0
        first = _train(ledger, data)
        stored = _would_replay(ledger, data)
        assert stored is not None and stored.replayed and stored.id == first.release.id
        assert _would_replay(ledger, data, fresh=True) is None
        assert _would_replay(ledger, data, learning_rate=0.3) is None
        assert _would_replay(ledger, data, noise_multiplier=3.0) is None
        assert ledger.budget("m").release_count == 1 + SETTINGS["epochs"]  # + DP validation counts
        for path in (tmp_path / "models").glob("*.npz"):
            path.unlink()
        with pytest.raises(InvalidParameterError, match=r"weights file .* is missing"):
            _would_replay(ledger, data)


def test_store_without_history_still_replays(tmp_path, data) -> None:
    """Stores written before per-epoch histories were kept hold only the weights."""
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.create_budget("m", 50.0, 1e-3)
        first = _train(ledger, data)
        spent = ledger.budget("m").epsilon_spent
        (history,) = (tmp_path / "models").glob("*.history.json")
        history.unlink()
        progress = TrainingProgress()
        again = _train(ledger, data, progress=progress)
        assert again.release.replayed and again.release.id == first.release.id
        assert again.records == [] and progress.records == []
        assert again.release.value["val_accuracy"] == first.release.value["val_accuracy"]
        history.write_text("{not json")
        with pytest.warns(UserWarning, match="was changed after the training was recorded"):
            damaged = _train(ledger, data)
        assert damaged.release.replayed and damaged.records == []
        assert ledger.budget("m").epsilon_spent == spent
