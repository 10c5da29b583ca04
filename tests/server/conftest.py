"""pytest-jupyter's server fixtures, with our extension enabled on a temporary ledger and templates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403 (jp_fetch, jp_serverapp, tornasync hooks)

from jupyter_privacy.core.ledger import Ledger, open_ledger


def write_template(folder: Path, name: str, parameters: str, title: str = "Pilot") -> Path:
    """A minimal template notebook: a heading, a `parameters` cell, one more code cell."""
    folder.mkdir(parents=True, exist_ok=True)
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "cells": [
            {"cell_type": "markdown", "id": "intro", "metadata": {},
             "source": [f"# {title}\n", "\n", "Runs one step of the pilot.\n"]},
            {"cell_type": "code", "id": "params", "metadata": {"tags": ["parameters"]},
             "source": parameters, "outputs": [], "execution_count": None},
            {"cell_type": "code", "id": "body", "metadata": {}, "source": "print(epsilon)",
             "outputs": [], "execution_count": None},
        ],
    }  # fmt: skip
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


@pytest.fixture
def templates_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    write_template(folder, "dp-analytics", 'epsilon = 1.0  # total budget\nbudget = "pilot"\n')
    return folder


@pytest.fixture
def jp_server_config(ledger_url: str, templates_folder: Path) -> dict:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_privacy.server": True}},
        "PrivacyServer": {"ledger_url": ledger_url, "templates_dir": str(templates_folder)},
    }


@pytest.fixture
def seeded(ledger: Ledger) -> Ledger:
    """One budget with three releases, two from a notebook in the server root."""
    ledger.create_budget("pilot", 1.0, 1e-5, privacy_unit="one person")
    ledger.spend("pilot", 0.1, value=1, description="count", origin="notebook:a.ipynb#cell=x")
    ledger.spend("pilot", 0.2, value=2, description="mean", origin="script:run.py")
    ledger.spend("pilot", 0.05, value=3, description="sum", origin="notebook:a.ipynb#cell=y")
    return ledger


def reopen(url: str) -> Ledger:
    return open_ledger(url)
