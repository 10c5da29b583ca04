"""The shipped pilot templates, run end to end with papermill on the bundled data (small settings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from jupyter_privacy import open_ledger
from jupyter_privacy.core.templates import list_templates

pytestmark = [pytest.mark.notebook, pytest.mark.slow, pytest.mark.tf]

EXPECTED = [
    "01_threat_model_and_compliance", "02_dp_analytics_pilot", "03_dpsgd_pilot",
    "04_privacy_tests", "05_release_artifacts", "06_community_summary",
]  # fmt: skip
ARTIFACTS = [
    "index.html", "verdict.json", "threat_model.html", "checklist.html", "checklist.json",
    "analytics_releases.json", "tradeoff.html", "training.json", "probe_report.json",
    "model-card.html", "model-card.md", "privacy-budget.json", "privacy_changelog.md",
    "signoff.md", "community_summary.md", "model.keras", "privacy-policy.yaml",
    "attribute_report.json", "inversion_report.json",
]  # fmt: skip
SMALL = ["-p", "epochs", "2", "-p", "probe_members", "2000", "-p", "min_accuracy", "0.55"]


def _pilot(out: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "jupyter_privacy.cli", "pilot", "run", "--out", str(out),
               *SMALL, *extra]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)


def test_templates_ship_with_parameters_cells() -> None:
    templates = list_templates()
    assert [t.name for t in templates][: len(EXPECTED)] == EXPECTED  # other tracks' steps follow
    for template in templates:
        assert template.has_parameters_cell
        names = {p.name for p in template.parameters}
        assert "out_dir" in names
        assert all(p.help for p in template.parameters), f"{template.name}: document each parameter"


@pytest.fixture(scope="module")
def pilot_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], str]:
    import os

    folder = tmp_path_factory.mktemp("pilot")
    env = {**os.environ, "JUPYTER_PRIVACY_LEDGER": f"sqlite:///{folder / 'ledger.db'}"}
    done = _pilot(folder / "out", env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return folder, env, done.stdout + done.stderr


def test_pilot_passes_and_writes_every_artifact(pilot_run) -> None:
    folder, _, output = pilot_run
    out = folder / "out"
    for name in ARTIFACTS:
        assert (out / name).is_file(), f"missing {name}"
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["passed"] and [s["name"] for s in verdict["steps"]] == EXPECTED
    gates = {g["gate"] for g in verdict["gates"]}
    assert {"accounting_check", "no_raw_data", "ledger_integrity", "mia_auc", "policy",
            "attribute_inference_advantage[ethnicity]", "inversion_similarity[wage]"} <= gates  # fmt: skip
    for step in EXPECTED:
        assert f"{step} …" in output and "done in" in output  # progress with per-step times
    card = (out / "model-card.md").read_text()
    assert "epsilon" in card and "rdp" in card.lower()
    assert "## Markets" in card and "| wage_band | allow | allow |" in card  # privacy-policy.yaml
    budget = json.loads((out / "privacy-budget.json").read_text())
    assert budget["releases"] and budget["releases"][0]["accountant"]
    assert budget["anchor"]["entries"] > 0 and "Ledger anchor" in (out / "index.html").read_text()
    changelog = (out / "privacy_changelog.md").read_text()  # each row filled from the ledger
    assert "| budget | budget created: ε" in changelog and "| release | release #" in changelog
    executed = nbformat.read(out / "notebooks" / "03_dpsgd_pilot.ipynb", as_version=4)
    assert any(c.get("metadata", {}).get("tags") == ["injected-parameters"] for c in executed.cells)
    # Step 3 shows and stores no exact training figure: ε and the DP validation accuracy only.
    shown = json.dumps([c.get("outputs", []) for c in executed.cells])
    assert "val_accuracy" in shown and " - loss: " not in shown and "train loss" not in shown
    per_epoch = json.loads((out / "training.json").read_text())["per_epoch"]
    assert per_epoch and all(e["loss"] is None and e["accuracy"] is None for e in per_epoch)


def test_no_artifact_carries_a_data_digest(pilot_run) -> None:
    """#13 item 1: privacy-budget.json, cards, the community summary, the executed notebooks:
    nothing the pilot publishes holds a digest of the data or a replay key built on one."""
    import re

    folder, env, output = pilot_run
    with open_ledger(env["JUPYTER_PRIVACY_LEDGER"]) as ledger:
        stored = {r.details.get("data_fingerprint") for b in ledger.budgets()
                  for r in ledger.history(b.name)} | {r.replay_key for b in ledger.budgets()
                                                       for r in ledger.history(b.name)}  # fmt: skip
    stored.discard(None)
    assert stored
    digest = re.compile(r"(?:hmac-)?sha256:[0-9a-f]{16}|dp(?:q|sgd)\d?:[0-9a-f]{16}")
    for path in [p for p in (folder / "out").rglob("*") if p.is_file()]:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert not digest.search(text), path
        assert not any(value in text for value in stored), path
    assert not digest.search(output)


def test_second_run_spends_nothing(pilot_run) -> None:
    folder, env, _ = pilot_run
    url = env["JUPYTER_PRIVACY_LEDGER"]
    with open_ledger(url) as ledger:
        before = {b.name: (b.epsilon_spent, b.release_count) for b in ledger.budgets()}
    again = _pilot(folder / "again", env)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    with open_ledger(url) as ledger:
        after = {b.name: (b.epsilon_spent, b.release_count) for b in ledger.budgets()}
    assert after == before
    releases = json.loads((folder / "again" / "analytics_releases.json").read_text())["releases"]
    assert all(r["replayed"] for r in releases)
    assert json.loads((folder / "again" / "training.json").read_text())["replayed"] is True


def test_parameters_that_cannot_pass_exit_non_zero(pilot_run) -> None:
    folder, env, _ = pilot_run
    done = _pilot(folder / "strict", env, "-p", "max_epsilon", "0.5")
    assert done.returncode == 1
    assert "FAIL  epsilon[pilot-analytics]" in done.stdout
    assert "pilot FAILED" in done.stdout


def test_unknown_parameter_is_refused(tmp_path: Path, cli_env: dict[str, str]) -> None:
    done = _pilot(tmp_path / "out", cli_env, "-p", "epsilom", "1")
    assert done.returncode == 2
    assert "unknown pilot parameter 'epsilom'" in done.stderr and "max_epsilon" in done.stderr
    assert not (tmp_path / "out").exists()
