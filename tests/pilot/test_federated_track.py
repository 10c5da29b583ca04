"""The federated pilot track: steps 01, 07, 04, 05, 06 run end to end with papermill on the bundled
data (Flower's simulation engine), test and publish the federated model, and replay on a re-run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_privacy import open_ledger
from jupyter_privacy.core.templates import list_templates
from jupyter_privacy.pilot import merge_parameters
from jupyter_privacy.pilot.tracks import TRACKS, templates_for_track, track_parameters

STEPS = ["01_threat_model_and_compliance", "07_federated_pilot", "04_privacy_tests",
         "05_release_artifacts", "06_community_summary"]  # fmt: skip


def test_the_federated_track_tests_and_publishes_the_federated_model() -> None:
    assert [t.name for t in templates_for_track(list_templates(), "federated")] == STEPS
    assert "Flower" in TRACKS["federated"][1]
    defaults = track_parameters("federated")
    assert defaults == {"pilot_kind": "federated", "require_utility": False}
    assert track_parameters("central") == {} and track_parameters(None) == {}
    templates = templates_for_track(list_templates(), "federated")
    chosen = merge_parameters(templates, defaults, {"require_utility": True})
    assert chosen == {"pilot_kind": "federated", "require_utility": True}  # the user's value wins


def _pilot(out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "jupyter_privacy.cli", "pilot", "run", "--out", str(out),
               "--track", "federated", "-p", "probe_members", "2000"]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=1500)


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.federated
@pytest.mark.tf
def test_federated_track_passes_end_to_end_and_replays(tmp_path: Path) -> None:
    pytest.importorskip("flwr")
    env = {**os.environ, "JUPYTER_PRIVACY_LEDGER": f"sqlite:///{tmp_path / 'ledger.db'}"}
    done = _pilot(tmp_path / "out", env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = tmp_path / "out"
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["passed"] and [s["name"] for s in verdict["steps"]] == STEPS
    gates = {g["gate"]: g for g in verdict["gates"]}
    assert gates["accounting_check"]["passed"] and gates["no_raw_data"]["passed"]
    assert {"mia_auc", "epsilon[pilot-federated]", "ledger_integrity"} <= set(gates)
    assert any(name.startswith("utility[accuracy]") for name in gates)
    training = json.loads((out / "training.json").read_text())
    assert training["kind"] == "federated" and training["clients"] == [
        "northeast", "midwest", "south & west"]  # fmt: skip
    assert len(training["per_epoch"]) == 3 and training["replayed"] is False
    # Each round's held-out accuracy is a DP release; no exact held-out loss is kept.
    assert all(e["val_loss"] is None and e["validation_epsilon"] > 0 for e in training["per_epoch"])
    executed = (out / "notebooks" / "07_federated_pilot.ipynb").read_text()
    assert "DP validation accuracy" in executed
    card = (out / "model-card.md").read_text()
    assert (
        "one client's whole dataset" in card
        and "DifferentialPrivacyServerSideFixedClipping" in card
    )
    assert "DP federated model" in (out / "community_summary.md").read_text()
    assert (out / "federated_rounds.svg").is_file() and (out / "model.keras").is_file()
    assert "07_federated_pilot …" in done.stderr + done.stdout

    with open_ledger(env["JUPYTER_PRIVACY_LEDGER"]) as ledger:
        before = ledger.budget("pilot-federated")
    again = _pilot(tmp_path / "again", env)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    with open_ledger(env["JUPYTER_PRIVACY_LEDGER"]) as ledger:
        after = ledger.budget("pilot-federated")
    # The model and its three per-round DP validation accuracies, nothing more on the re-run.
    assert (after.epsilon_spent, after.release_count) == (before.epsilon_spent, 4)
    assert json.loads((tmp_path / "again" / "training.json").read_text())["replayed"] is True


def test_clients_are_split_along_a_public_column_only() -> None:
    import numpy as np

    from jupyter_privacy.core.errors import InvalidParameterError
    from jupyter_privacy.pilot.federated import client_rows
    from jupyter_privacy.pilot.steps import pilot_dataset

    dataset = pilot_dataset()
    rows = np.arange(len(dataset.frame))
    groups = {"east": ["northeast"], "rest": ["midwest", "south", "west"]}
    clients = client_rows(dataset, rows, "region", groups)
    assert list(clients) == ["east", "rest"]
    assert sorted(np.concatenate(list(clients.values()))) == list(rows)  # each row once
    bad = [
        ("wage", groups, "no public keys"),
        ("region", {"only": ["northeast", "midwest", "south", "west"]}, "at least two"),
        ("region", {**groups, "also": ["west"]}, "given to both"),
        ("region", {"east": ["northeast"], "rest": ["midwest", "south"]}, "no client holds"),
        ("region", {"east": ["atlantis"], "rest": ["midwest"]}, "not a public value"),
    ]
    for column, chosen, message in bad:
        with pytest.raises(InvalidParameterError, match=message):
            client_rows(dataset, rows, column, chosen)
