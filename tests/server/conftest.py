"""pytest-jupyter's server fixtures, with our extension enabled on a temporary ledger and templates."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403 (jp_fetch, jp_serverapp, tornasync hooks)

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.server.testing import write_template


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
