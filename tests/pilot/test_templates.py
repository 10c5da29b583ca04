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
    "signoff.md", "community_summary.md", "model.keras", "attribute_report.json",
    "inversion_report.json",
]  # fmt: skip
SMALL = ["-p", "epochs", "2", "-p", "probe_members", "2000", "-p", "min_accuracy", "0.55"]


def _pilot(out: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "jupyter_privacy.cli", "pilot", "run", "--out", str(out),
               *SMALL, *extra]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)


def test_templates_ship_with_parameters_cells() -> None:
    templates = list_templates()
    assert [t.name for t in templates] == EXPECTED
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
    assert {"accounting_check", "no_raw_data", "ledger_integrity", "mia_auc",
            "attribute_inference_advantage[ethnicity]", "inversion_similarity[wage]"} <= gates
    for step in EXPECTED:
        assert f"{step} …" in output and "done in" in output  # progress with per-step times
    card = (out / "model-card.md").read_text()
    assert "epsilon" in card and "rdp" in card.lower()
    budget = json.loads((out / "privacy-budget.json").read_text())
    assert budget["releases"] and budget["releases"][0]["accountant"]
    executed = nbformat.read(out / "notebooks" / "03_dpsgd_pilot.ipynb", as_version=4)
    assert any(c.get("metadata", {}).get("tags") == ["injected-parameters"] for c in executed.cells)


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
