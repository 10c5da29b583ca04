"""The shipped templates pass `pytest --nbmake`, run in name order in a team's copy of them (what
teams expect for "every notebook runs"): they share a ledger and the files in `pilot-output/`, so
they must run in order (no `-n`). Defaults only: nbmake injects no parameters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_privacy.cli import main
from jupyter_privacy.core.ledger import open_ledger

pytestmark = [pytest.mark.notebook, pytest.mark.slow, pytest.mark.tf]


def test_a_copy_of_the_templates_passes_nbmake_in_order(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "pilot"
    assert main(["pilot", "templates", "--copy", str(folder)]) == 0
    assert f"pytest --nbmake {folder}" in capsys.readouterr().out
    ledger_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    env = {**os.environ, "JUPYTER_PRIVACY_LEDGER": ledger_url, "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [sys.executable, "-m", "pytest", "--nbmake", "--nbmake-timeout=900", "-q",
               "-p", "no:cacheprovider", str(folder)]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=1800)  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:]
    assert "6 passed" in done.stdout
    out = folder / "pilot-output"  # each notebook's default out_dir, beside the notebooks
    for artifact in ("checklist.json", "analytics_releases.json", "training.json",
                     "probe_report.json", "model-card.md", "community_summary.md"):  # fmt: skip
        assert (out / artifact).is_file(), artifact
    with open_ledger(ledger_url) as ledger:
        assert {b.name for b in ledger.budgets()} >= {"pilot-analytics", "pilot-model"}
        assert ledger.budget("pilot-analytics").epsilon_spent == pytest.approx(1.0)


def test_copy_refuses_to_overwrite(tmp_path: Path, capsys) -> None:
    assert main(["pilot", "templates", "--copy", str(tmp_path)]) == 0
    assert main(["pilot", "templates", "--copy", str(tmp_path)]) == 2
    assert "copy into an empty folder" in capsys.readouterr().err
