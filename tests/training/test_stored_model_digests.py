"""The stored weights and history are tied to their release by SHA-256 digests inside the ledger's
hash chain: a replay refuses swapped weights and spends nothing, and `verify_stored_models` tells an
auditor which stored files still match. One real TF Privacy training, copied for each test."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

pytestmark = pytest.mark.tf

tf = pytest.importorskip("tensorflow")


from jupyter_privacy import open_ledger  # noqa: E402
from jupyter_privacy.core.errors import BudgetExceededError, LedgerIntegrityError  # noqa: E402
from jupyter_privacy.core.training import (  # noqa: E402
    StoredModelModifiedError,
    find_training_replay,
    train_dp_sgd,
    verify_stored_models,
)

SETTINGS = {"epochs": 1, "batch_size": 100, "noise_multiplier": 2.0, "progress_bar": False}


@pytest.fixture(scope="module")
def data(digits_task):
    return digits_task(300, hidden=8)


def _train(ledger, data, **options):
    x, y = data
    return train_dp_sgd(data.model(), x, y, budget="m", ledger=ledger, **{**SETTINGS, **options})


@pytest.fixture(scope="module")
def trained_store(tmp_path_factory, data):
    """A ledger directory holding one recorded training (ledger.db and models/)."""
    directory = tmp_path_factory.mktemp("trained")
    with open_ledger(f"sqlite:///{directory / 'ledger.db'}") as ledger:
        ledger.create_budget("m", 50.0, 1e-3)
        _train(ledger, data)
    return directory


@pytest.fixture
def store(tmp_path, trained_store):
    """A private copy of the trained store, so each test may damage its files."""
    copy = tmp_path / "store"
    shutil.copytree(trained_store, copy)
    return copy


@pytest.fixture
def ledger(store):
    with open_ledger(f"sqlite:///{store / 'ledger.db'}") as opened:
        yield opened


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(store):
    (weights,) = (store / "models").glob("*[0-9a-f].npz")
    (history,) = (store / "models").glob("*.history.json")
    return weights, history


def _perturb_weights(path):
    """Re-save the stored weights with small changes, as someone swapping in another model would."""
    with np.load(path) as archive:
        arrays = [archive[f"arr_{i}"] + 0.01 for i in range(len(archive.files))]
    np.savez(path, *arrays)


def test_digests_of_the_stored_files_are_recorded_in_the_chain(ledger, store) -> None:
    (release,) = ledger.history("m")
    weights, history = _files(store)
    assert release.details["weights_sha256"] == _sha256(weights)
    assert release.details["history_sha256"] == _sha256(history)
    assert sorted(p.name for p in (store / "models").iterdir()) == sorted(
        [weights.name, history.name]
    )  # no staged temporary file left behind
    assert ledger.verify().ok


def test_untouched_files_replay_and_spend_nothing(ledger, data) -> None:
    spent = ledger.budget("m").epsilon_spent
    again = _train(ledger, data)
    assert again.release.replayed and again.release.id == ledger.history("m")[0].id
    assert [r.epoch for r in again.records] == [1]
    assert ledger.budget("m").epsilon_spent == spent


def test_replaced_weights_are_refused_and_nothing_is_spent(ledger, store, data) -> None:
    weights, _ = _files(store)
    original = weights.read_bytes()
    _perturb_weights(weights)
    before = ledger.budget("m")
    with pytest.raises(StoredModelModifiedError) as refused:
        _train(ledger, data)
    message = refused.value.message
    assert str(weights) in message and "Restore the original file" in message
    assert "fresh=True" in message and "nothing was spent" in message
    assert isinstance(refused.value, LedgerIntegrityError)
    assert refused.value.fields["actual_sha256"] == _sha256(weights)
    x, y = data
    with pytest.raises(StoredModelModifiedError):  # asking beforehand says the same
        find_training_replay(data.model(), x, y, budget="m", ledger=ledger, **SETTINGS)
    after = ledger.budget("m")
    assert (after.epsilon_spent, after.release_count) == (before.epsilon_spent, 1)
    weights.write_bytes(original)  # restoring the file makes it replay again
    assert _train(ledger, data).release.replayed


def test_fresh_training_spends_again_and_owns_the_files(ledger, store, data) -> None:
    weights, _ = _files(store)
    _perturb_weights(weights)
    spent = ledger.budget("m").epsilon_spent
    fresh = _train(ledger, data, fresh=True)
    assert not fresh.release.replayed
    assert ledger.budget("m").epsilon_spent == pytest.approx(2 * spent)
    assert fresh.release.details["weights_sha256"] == _sha256(weights)
    again = _train(ledger, data)
    assert again.release.replayed and again.release.id == fresh.release.id
    first, second = verify_stored_models(ledger).checks
    assert (first.weights, first.history) == ("superseded", "superseded")
    assert (second.release_id, second.weights, second.history) == (fresh.release.id, "ok", "ok")


def test_files_move_into_place_only_after_the_spend_commits(ledger, store, data) -> None:
    """Another spender drains the budget while training runs: the release cannot be recorded, so
    the stored files stay those of the recorded release and no staged file is left behind."""
    before = {path.name: path.read_bytes() for path in (store / "models").iterdir()}

    def drain(_record):
        ledger.spend("m", ledger.budget("m").epsilon_remaining, 0.0, value=1)

    with pytest.raises(BudgetExceededError, match="could not be recorded"):
        _train(ledger, data, fresh=True, on_epoch=drain)
    assert {path.name: path.read_bytes() for path in (store / "models").iterdir()} == before
    assert verify_stored_models(ledger).ok


def test_changed_history_replays_without_records_and_warns(ledger, store, data) -> None:
    _, history = _files(store)
    history.write_text(history.read_text().replace('"epoch": 1', '"epoch": 7'))
    with pytest.warns(UserWarning, match="was changed after the training was recorded"):
        again = _train(ledger, data)
    assert again.release.replayed and again.records == []


def test_release_recorded_before_digests_still_replays(tmp_path, ledger, store, data) -> None:
    """An old-style release: the same details without digests, written by the public spend API."""
    (recorded,) = ledger.history("m")
    details = {k: v for k, v in recorded.details.items() if not k.endswith("_sha256")}
    old = tmp_path / "old"
    shutil.copytree(store / "models", old / "models")
    shutil.copy2(store / "secret", old / "secret")  # the ledger's secret moves with it
    with open_ledger(f"sqlite:///{old / 'ledger.db'}") as old_ledger:
        old_ledger.create_budget("m", 50.0, 1e-3)
        old_ledger.spend("m", recorded.epsilon, recorded.delta, value=recorded.value,
                         details=details, replay_key=recorded.replay_key)  # fmt: skip
        spent = old_ledger.budget("m").epsilon_spent
        again = _train(old_ledger, data)
        assert again.release.replayed and again.records
        assert old_ledger.budget("m").epsilon_spent == spent
        (check,) = verify_stored_models(old_ledger).checks
        assert (check.weights, check.history, check.ok) == ("unverified", "unverified", True)
        _, history = _files(old)
        history.write_text("{not json")  # no digest to compare: a damaged history still warns
        with pytest.warns(UserWarning, match="could not be read"):
            assert _train(old_ledger, data).records == []


def test_verify_stored_models_reports_ok_missing_and_modified(ledger, store) -> None:
    (release,) = ledger.history("m")
    report = verify_stored_models(ledger)
    assert report.ok and report.store == str(store / "models")
    (check,) = report.checks
    assert (check.release_id, check.budget, check.weights, check.history) == (
        release.id, "m", "ok", "ok",
    )  # fmt: skip
    weights, history = _files(store)
    history.unlink()  # display only: reported, but the weights still carry their claim
    (check,) = verify_stored_models(ledger).checks
    assert (check.weights, check.history, check.ok) == ("ok", "missing", True)
    _perturb_weights(weights)
    report = verify_stored_models(ledger)
    assert not report.ok and report.to_dict()["problem_release_ids"] == [release.id]
    assert report.checks[0].weights == "modified"
    weights.unlink()
    assert verify_stored_models(ledger).checks[0].weights == "missing"
    assert ledger.budget("m").release_count == 1


def test_cli_models_verify_exits_1_on_swapped_weights(ledger, store, capsys) -> None:
    from jupyter_privacy.cli import main

    url = f"sqlite:///{store / 'ledger.db'}"
    assert main(["models", "verify", "--ledger", url]) == 0
    assert "stored models OK: 1 training(s) checked" in capsys.readouterr().out
    _perturb_weights(_files(store)[0])
    assert main(["models", "verify", "--ledger", url]) == 1
    out = capsys.readouterr().out
    assert "PROBLEMS in 1 release(s)" in out and "weights modified" in out
    assert main(["models", "verify", "--ledger", url, "--json"]) == 1
    assert '"problem_release_ids": [' in capsys.readouterr().out
