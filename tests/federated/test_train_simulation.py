"""train_federated on Flower's real simulation engine (Ray): three clients, central DP, ε and a
DP-released validation accuracy per round streamed to listeners (each accuracy in the ledger before
it is shown), one replayable model release; refused before round 1 when the budget is short; no raw
value and no exact held-out figure in any output."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jupyter_privacy.core.errors import BudgetExceededError
from jupyter_privacy.core.training import TrainingProgress, verify_stored_models
from jupyter_privacy.core.training.replay import file_sha256, weights_path

from .conftest import SENTINEL, make_clients, tiny_model

pytestmark = [pytest.mark.federated, pytest.mark.tf]
pytest.importorskip("flwr")


@pytest.mark.slow
def test_three_clients_central_dp_records_one_replayable_release(
    ledger, federation_budget, tmp_path, capfd, figures_near
) -> None:
    from jupyter_privacy.federated import train_federated

    clients = make_clients(3)
    validation = make_clients(1, seed=9)[0]  # private held-out rows (with the sentinel)
    progress, seen, recorded = TrainingProgress(), [], []

    def listen(record):  # what the ledger held when the round was shown
        seen.append(record)
        recorded.append([r for r in ledger.history(federation_budget)
                         if r.details.get("kind") == "federated-validation"])  # fmt: skip

    options = dict(
        budget=federation_budget, ledger=ledger, rounds=3, noise_multiplier=2.0,
        clipping_norm=1.0, learning_rate=0.5, validation_data=validation,
        model_store=str(tmp_path / "models"),
    )  # fmt: skip
    result = train_federated(tiny_model, clients, progress=progress, on_round=listen, **options)

    plan = result.plan
    assert [r.epoch for r in seen] == [1, 2, 3] and progress.records == seen
    assert [r.epsilon for r in seen] == pytest.approx(
        [plan.epsilon_after(n).epsilon for n in (1, 2, 3)])  # fmt: skip
    assert all(r.val_accuracy is not None and r.loss is None for r in seen)  # no client metrics
    assert all(r.val_loss is None for r in seen)  # DP validation releases accuracy only
    for record, validation_releases in zip(seen, recorded, strict=True):
        assert len(validation_releases) == record.epoch  # recorded before it was shown
        assert validation_releases[-1].value["val_accuracy"] == record.val_accuracy
    release = result.release
    assert not release.replayed and release.epsilon == pytest.approx(plan.planned.epsilon)
    details = release.details
    assert details["kind"] == "federated" and details["engine"] == "simulation"
    assert details["mode"] == "central" and details["sampling"] == "all-clients"
    assert "one client's whole dataset" in details["privacy_unit"]
    assert details["rounds_aggregated"] == [1, 2, 3]
    assert details["hyper_parameters"]["clients"] == 3
    assert release.value["rounds_completed"] == 3
    assert release.value["val_loss"] is None
    assert release.value["val_accuracy"] == recorded[-1][-1].value["val_accuracy"]
    assert details["validation"]["mode"] == "dp"
    assert details["validation"]["release_ids"] == [r.id for r in result.validation_releases]
    assert len(result.validation_releases) == 3 and plan.validation_epsilon == 0.25
    stored = weights_path(tmp_path / "models", release.replay_key)
    assert details["weights_sha256"] == file_sha256(stored)
    with np.load(stored) as archive:
        assert all(np.array_equal(archive[f"arr_{i}"], w)
                   for i, w in enumerate(result.model.get_weights()))  # fmt: skip
    assert ledger.budget(federation_budget).epsilon_spent == pytest.approx(result.total_epsilon)
    assert result.total_epsilon == pytest.approx(release.epsilon + 0.25)
    assert ledger.verify().ok
    audit = verify_stored_models(ledger, tmp_path / "models")
    assert [(c.release_id, c.weights, c.history) for c in audit.checks] == [
        (release.id, "ok", "ok")
    ]

    again = train_federated(tiny_model, clients, **options)  # same training: replayed
    assert again.release.replayed and again.release.id == release.id
    assert [r.epsilon for r in again.records] == [r.epsilon for r in seen]
    assert ledger.budget(federation_budget).release_count == 4  # the model + 3 DP accuracies
    assert all(np.array_equal(a, b) for a, b in zip(again.model.get_weights(),
                                                    result.model.get_weights(), strict=True))  # fmt: skip

    out, err = capfd.readouterr()
    assert "DP validation accuracy" in out
    exported = json.dumps(ledger.export(), default=str)
    history = stored.with_name(stored.name.replace(".npz", ".history.json")).read_text()
    for text in (out, err, exported, history):
        assert str(SENTINEL) not in text and "987654" not in text
    # The final model's exact held-out loss, computed here, is in no stored or exported figure.
    exact_loss = float(result.model.evaluate(*validation, verbose=0, return_dict=True)["loss"])
    for text in (exported, history):
        assert not figures_near(text, exact_loss, 1e-6 * max(1.0, abs(exact_loss)))


def test_a_short_budget_refuses_before_round_one(ledger, tmp_path) -> None:
    import ray

    from jupyter_privacy.federated import train_federated

    ledger.create_budget("small", 1.0, 1e-4)
    with pytest.raises(BudgetExceededError, match="No round was started") as caught:
        train_federated(tiny_model, make_clients(3), budget="small", ledger=ledger, rounds=3,
                        noise_multiplier=1.0, model_store=str(tmp_path / "models"))  # fmt: skip
    assert caught.value.fields["requested_epsilon"] > 1.0
    assert not ray.is_initialized()
    state = ledger.budget("small")
    assert state.epsilon_spent == 0 and state.release_count == 0
    assert not (tmp_path / "models").exists()
