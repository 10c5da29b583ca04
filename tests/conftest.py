"""Shared fixtures: every test gets its own ledger file and never touches the project's .privacy/."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
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


# -- a throw-away PostgreSQL cluster (real server, loopback only) ------------------------------------


class PostgresCluster:
    """initdb + pg_ctl in a temporary folder on a free loopback port; stopped when the session ends.

    PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user that
    Debian's package creates.
    """

    def __init__(self) -> None:
        import glob
        import socket
        import tempfile

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            subprocess.run(["bash", "scripts/ensure-system-deps.sh"], check=True,
                           cwd=Path(__file__).resolve().parents[1])  # fmt: skip
            found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
        self.bin = Path(found[-1]).parent
        self.folder = Path(tempfile.mkdtemp(prefix="jp-postgres-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.folder / "data"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "jp", "--no-sync", "-E", "UTF8")
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "start",
            "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=100",
        )  # fmt: skip
        self._databases = itertools.count()

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True,
                       capture_output=True, text=True)  # fmt: skip

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        auth = f"jp:{password}" if password else "jp"
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = f"ledger_{next(self._databases)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=jp dbname=postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


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
