"""Shared fixtures: every test gets its own ledger file and never touches the project's .privacy/."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jupyter_privacy.core.config import LEDGER_ENV
from jupyter_privacy.core.ledger import Ledger, open_ledger
from jupyter_privacy.core.ledger.provenance import current_actor
from jupyter_privacy.testing.postgres import PostgresCluster


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


# -- a throw-away PostgreSQL cluster (real server, loopback only) ------------------------------------


@pytest.fixture(scope="session")
def postgres_cluster() -> PostgresCluster:
    cluster = PostgresCluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    return postgres_cluster.new_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against a SQLite file and a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'backend-ledger.db'}"
    return request.getfixturevalue("postgres_url")


# -- exact figures must not leak ---------------------------------------------------------------------

#: A number written on its own (not the digits inside a hex digest or an identifier).
_NUMBER = re.compile(r"(?<![0-9A-Za-z_.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![0-9A-Za-z_])")


@pytest.fixture(scope="session")
def figures_near() -> Callable[[str, float, float], list[str]]:
    """`figures_near(text, value, tolerance)`: every number written in `text` (any format: 31.2346,
    3.123e+01) within `tolerance` of `value`. For tests that compute a private figure (an exact
    training loss) independently and check that no output carries it."""

    def near(text: str, value: float, tolerance: float) -> list[str]:
        return [n for n in _NUMBER.findall(text) if abs(float(n) - value) <= tolerance]

    return near


@pytest.fixture
def as_user(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Act as another person: the OS user the kit sees comes from LOGNAME (getpass's first
    choice), looked up once per process, so a switch also forgets the cached identity."""

    def switch(name: str) -> None:
        monkeypatch.setenv("LOGNAME", name)
        monkeypatch.setenv("USER", name)
        monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
        current_actor.cache_clear()

    switch("alice")
    yield switch
    monkeypatch.undo()
    current_actor.cache_clear()
