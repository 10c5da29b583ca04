"""Shared fixtures: every test gets its own ledger file and never touches the project's .privacy/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jupyter_privacy.core.config import LEDGER_ENV
from jupyter_privacy.core.ledger import Ledger, open_ledger


@pytest.fixture(autouse=True)
def _isolated_ledger_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may write to the developer's real ledger: point the default at a temporary file."""
    monkeypatch.setenv(LEDGER_ENV, f"sqlite:///{tmp_path / 'default-ledger.db'}")


@pytest.fixture
def ledger_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def ledger(ledger_url: str) -> Ledger:
    with open_ledger(ledger_url) as opened:
        yield opened


@pytest.fixture
def cli_env(ledger_url: str) -> dict[str, str]:
    """Environment for running the CLI in a subprocess against the test's ledger."""
    env = dict(os.environ)
    env[LEDGER_ENV] = ledger_url
    return env
