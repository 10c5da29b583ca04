"""binder/ works: installing from its files into a fresh venv enables both extensions and stages the
pilot notebooks (what repo2docker does, minus the container)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_privacy.core.templates import list_templates

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_binder_files_install_a_working_lab(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    installed = subprocess.run([*pip, "-r", "binder/requirements.txt"], cwd=ROOT,
                               capture_output=True, text=True, timeout=1500)  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(home)}
    env.pop("JUPYTER_PATH", None)
    post = subprocess.run(["bash", str(ROOT / "binder" / "postBuild")], cwd=home, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert post.returncode == 0, post.stdout[-2000:] + post.stderr[-2000:]
    staged = sorted(p.name for p in (home / "pilot").glob("*.ipynb"))
    assert staged[0].startswith("01_") and len(staged) == len(list_templates())
    check = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "check"],
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0, check.stdout
