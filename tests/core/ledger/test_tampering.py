"""Raw-SQL tampering is reported by verify() and by `jupyter privacy ledger verify` (exit 1)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sqlalchemy as sa

from jupyter_privacy import open_ledger


@pytest.fixture
def ledger_url(backend_url: str) -> str:
    """A ledger with one budget and five releases, on SQLite and on PostgreSQL."""
    with open_ledger(backend_url) as ledger:
        ledger.create_budget("census", 1.0, 1e-6)
        for i in range(5):
            ledger.spend("census", 0.1, value={"i": i}, description=f"release {i}")
        assert ledger.verify().ok
    return backend_url


def _sql(url: str, *statements: str, params: dict | None = None) -> None:
    """Tamper with raw SQL, behind the ledger's back."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement), params or {})
    engine.dispose()


def _verify(url: str) -> dict:
    with open_ledger(url) as ledger:
        return ledger.verify().to_dict()


def _cli_verify(url: str) -> tuple[int, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy.cli", "ledger", "verify", "--json", "--ledger", url],
        capture_output=True, text=True,
    )  # fmt: skip
    return proc.returncode, json.loads(proc.stdout)


def test_clean_ledger_verifies_with_exit_0(ledger_url: str) -> None:
    code, report = _cli_verify(ledger_url)
    assert code == 0 and report["ok"] and report["entries_checked"] == 6


def test_edited_epsilon_is_reported(ledger_url: str) -> None:
    _sql(ledger_url, "update jp_entries set epsilon = 0.01 where id = 3")
    report = _verify(ledger_url)
    assert not report["ok"]
    assert 3 in report["tampered_entry_ids"]
    assert any(p["problem"] == "edited" and p["entry_id"] == 3 for p in report["problems"])
    code, cli_report = _cli_verify(ledger_url)
    assert code == 1 and 3 in cli_report["tampered_entry_ids"]


def test_edited_value_is_reported(ledger_url: str) -> None:
    _sql(ledger_url, """update jp_entries set value_json = '{"i": 99}' where id = 4""")
    assert _verify(ledger_url)["tampered_entry_ids"] == [4]


def test_deleted_entry_is_reported(ledger_url: str) -> None:
    _sql(ledger_url, "delete from jp_entries where id = 3")
    report = _verify(ledger_url)
    assert not report["ok"]
    assert any(p["problem"] == "chain_broken" and p["entry_id"] == 4 for p in report["problems"])
    assert _cli_verify(ledger_url)[0] == 1


def test_deleted_last_entry_is_reported(ledger_url: str) -> None:
    _sql(ledger_url, "delete from jp_entries where id = 6")
    report = _verify(ledger_url)
    assert any(p["problem"] == "head_mismatch" for p in report["problems"])
    assert _cli_verify(ledger_url)[0] == 1


def test_swapped_entries_are_reported(ledger_url: str) -> None:
    columns = "budget_id, kind, epsilon, delta, rho, mechanism, description, actor, origin, " \
              "created_at, value_json, details_json, replay_key, prev_hash, hash"  # fmt: skip
    _sql(
        ledger_url,
        f"create table tmp as select {columns} from jp_entries where id = 3",
        f"update jp_entries set ({columns}) = (select {columns} from jp_entries where id = 4) "
        "where id = 3",
        f"update jp_entries set ({columns}) = (select {columns} from tmp) where id = 4",
        "drop table tmp",
    )
    report = _verify(ledger_url)
    assert {3, 4} <= set(report["tampered_entry_ids"])
    code, _ = _cli_verify(ledger_url)
    assert code == 1


def test_budget_row_edited_behind_the_log(ledger_url: str) -> None:
    _sql(ledger_url, "update jp_budgets set epsilon_total = 100.0, epsilon_spent = '0'")
    report = _verify(ledger_url)
    details = " ".join(p["detail"] for p in report["problems"])
    assert "totals differ" in details and "spent amounts differ" in details


def test_rewritten_chain_still_fails_at_the_head(ledger_url: str) -> None:
    """Recomputing one entry's hash is not enough: the next entry and the head still disagree."""
    from jupyter_privacy.core.ledger.chain import entry_hash

    engine = sa.create_engine(ledger_url)
    with engine.begin() as conn:
        row = dict(conn.execute(sa.text("select * from jp_entries where id = 2")).mappings().one())
        row["epsilon"] = 0.0001
        conn.execute(
            sa.text("update jp_entries set epsilon = :eps, hash = :hash where id = 2"),
            {"eps": row["epsilon"], "hash": entry_hash(row)},
        )
    engine.dispose()
    report = _verify(ledger_url)
    assert any(p["problem"] == "chain_broken" and p["entry_id"] == 3 for p in report["problems"])
