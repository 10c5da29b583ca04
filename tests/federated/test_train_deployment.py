"""train_federated on Flower's deployment engine: a SuperLink and one SuperNode per client as
separate processes talking gRPC over 127.0.0.1, bounded in time and always cleaned up."""

from __future__ import annotations

import tempfile

import pytest

from jupyter_privacy.core.federated.simulation import FederatedRunError

from .conftest import SENTINEL, leftover_processes, make_clients, tiny_model

pytestmark = [pytest.mark.federated, pytest.mark.tf, pytest.mark.slow]
pytest.importorskip("flwr")


def test_local_dp_over_real_grpc_processes(ledger, federation_budget, tmp_path, capfd) -> None:
    from jupyter_privacy.federated import train_federated

    before = set(_federation_folders())
    result = train_federated(
        tiny_model, make_clients(2), budget=federation_budget, ledger=ledger, rounds=2,
        noise_multiplier=2.0, mode="local", engine="deployment", learning_rate=0.5,
        validation_data=make_clients(1, seed=9)[0], model_store=str(tmp_path / "models"),
    )  # fmt: skip
    details = result.release.details
    assert details["engine"] == "deployment" and details["mode"] == "local"
    assert details["kind"] == "federated"
    assert "LocalDpMod" in result.release.mechanism
    assert [r.epoch for r in result.records] == [1, 2]
    assert result.release.epsilon == pytest.approx(result.plan.planned.epsilon)
    # The model and one DP validation accuracy per round (released on this side, before shown).
    assert [r.details["round"] for r in result.validation_releases] == [1, 2]
    assert ledger.budget(federation_budget).release_count == 3
    assert all(r.val_loss is None and r.val_accuracy is not None for r in result.records)
    assert leftover_processes("jp-federation-") == []
    assert set(_federation_folders()) == before  # the clients' data files are gone
    out, err = capfd.readouterr()
    assert "987654" not in out + err and str(SENTINEL) not in out + err


def test_a_federation_that_cannot_start_is_stopped_and_cleaned_up() -> None:
    import numpy as np

    from jupyter_privacy.core.federated.clients import LocalTraining, check_client_datasets
    from jupyter_privacy.core.federated.deployment import deploy_locally
    from jupyter_privacy.core.federated.plan import plan_federated
    from jupyter_privacy.core.federated.settings import RunSettings

    before = set(_federation_folders())
    plan = plan_federated(clients=2, rounds=1, clipping_norm=1.0, noise_multiplier=2.0)
    training = LocalTraining(tiny_model().to_json(), "sparse_categorical_crossentropy", True, 1,
                             8, 0.1)  # fmt: skip
    settings = RunSettings.from_plan(plan, training, round_timeout=0.1)
    with pytest.raises(FederatedRunError, match=r"did not start in time|stopped"):
        deploy_locally(settings, [np.zeros((4, 2)), np.zeros(2)],
                       check_client_datasets(make_clients(2)), lambda *_: None,
                       startup_seconds=0.2)  # fmt: skip
    assert leftover_processes("jp-federation-") == []
    assert set(_federation_folders()) == before


def _federation_folders() -> list[str]:
    from pathlib import Path

    return sorted(p.name for p in Path(tempfile.gettempdir()).glob("jp-federation-*"))
