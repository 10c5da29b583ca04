"""PostgreSQL-specific behaviour: masked credentials, connection loss mid-spend, migration."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg
import pytest
import sqlalchemy as sa

from jupyter_privacy import open_ledger
from jupyter_privacy.core.errors import (
    InvalidParameterError,
    LedgerIntegrityError,
    LedgerUnavailableError,
)
from jupyter_privacy.core.ledger.migrate import migrate_ledger

pytestmark = pytest.mark.postgres


def _libpq(url: str) -> str:
    parsed = sa.engine.make_url(url)
    return f"host={parsed.host} port={parsed.port} user={parsed.username} dbname={parsed.database}"


def test_credentials_are_masked(postgres_cluster, postgres_url: str) -> None:
    database = sa.engine.make_url(postgres_url).database
    with open_ledger(postgres_cluster.url(database, password="hunter2")) as ledger:
        ledger.create_budget("b", 1.0)
        assert "hunter2" not in ledger.display_url and "***" in ledger.display_url
        assert "hunter2" not in json.dumps(ledger.export())
        assert "hunter2" not in repr(ledger)


def test_connection_lost_during_spend_writes_nothing(postgres_url: str) -> None:
    with open_ledger(postgres_url) as ledger:
        ledger.create_budget("b", 1.0)
        ledger.spend("b", 0.1, value=1)

        def kill_my_connection() -> float:
            with psycopg.connect(_libpq(postgres_url), autocommit=True) as admin:
                admin.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity "
                    "where datname = current_database() and pid <> pg_backend_pid()"
                )
            return 2.0

        with pytest.raises(LedgerUnavailableError, match="connection was lost"):
            ledger.spend("b", 0.5, compute=kill_my_connection)
        budget = ledger.budget("b")  # the pool reconnects
        assert budget.epsilon_spent == pytest.approx(0.1) and budget.release_count == 1
        assert ledger.verify().ok


def test_migrate_sqlite_to_postgres_round_trip(ledger_url: str, postgres_url: str) -> None:
    with open_ledger(ledger_url) as source:
        source.create_budget("census", 1.0, 1e-6, privacy_unit="one person")
        source.create_budget("model", 3.0, 1e-5)
        for i in range(30):
            source.spend("census", 0.01, value={"i": i}, replay_key=f"k{i}")
        source.raise_budget("census", epsilon=2.0, reason="approved")
        report = migrate_ledger(source, postgres_url)
        assert report.verified and report.entries == 33 and report.budgets == 2
        expected = source.export()
    with open_ledger(postgres_url) as target:
        copied = target.export()
        assert copied["entries"] == expected["entries"]
        assert copied["budgets"] == expected["budgets"]
        # replay keys carry over: a re-run against the team ledger spends nothing
        assert target.spend("census", 0.01, replay_key="k3").replayed
        # and the copy keeps working as a ledger
        target.spend("census", 0.01, value="new")
        assert target.verify().ok


def test_migrate_refuses_non_empty_target_unless_forced(ledger_url: str, postgres_url: str) -> None:
    with open_ledger(postgres_url) as target:
        target.create_budget("already-here", 1.0)
    with open_ledger(ledger_url) as source:
        source.create_budget("census", 1.0)
        with pytest.raises(InvalidParameterError, match="--force"):
            migrate_ledger(source, postgres_url)
        report = migrate_ledger(source, postgres_url, overwrite=True)
        assert report.verified
    with open_ledger(postgres_url) as target:
        assert [b.name for b in target.budgets()] == ["census"]


def test_migrate_refuses_tampered_source(ledger_url: str, postgres_url: str, tmp_path) -> None:
    import sqlite3

    with open_ledger(ledger_url) as source:
        source.create_budget("census", 1.0)
        source.spend("census", 0.5, value=1)
    with sqlite3.connect(tmp_path / "ledger.db") as raw:
        raw.execute("update jp_entries set epsilon = 0.05 where id = 2")
    with open_ledger(ledger_url) as source, pytest.raises(LedgerIntegrityError, match="tampered"):
        migrate_ledger(source, postgres_url)


def test_tampering_in_the_server_ledger_is_detected_by_cli(
    ledger_url: str, postgres_url: str
) -> None:
    with open_ledger(ledger_url) as source:
        source.create_budget("census", 1.0)
        source.spend("census", 0.5, value=1)
    cli = [sys.executable, "-m", "jupyter_privacy.cli"]
    out = subprocess.run([*cli, "ledger", "migrate", "--ledger", ledger_url, "--to", postgres_url],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "the copy verifies" in out.stdout
    with psycopg.connect(_libpq(postgres_url), autocommit=True) as admin:
        admin.execute("update jp_entries set epsilon = 0.01 where id = 2")
    verify = subprocess.run([*cli, "ledger", "verify", "--json", "--ledger", postgres_url],
                            capture_output=True, text=True)  # fmt: skip
    assert verify.returncode == 1
    assert json.loads(verify.stdout)["tampered_entry_ids"] == [2]
