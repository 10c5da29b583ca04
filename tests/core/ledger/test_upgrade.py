"""Schema 1 → 2: a v1 ledger still reads; it is upgraded only on request, after it verifies, by
appending checkpoint entries (history and its hashes are never rewritten)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from jupyter_privacy import open_ledger
from jupyter_privacy.cli import main
from jupyter_privacy.core.errors import LedgerIntegrityError, LedgerSchemaError
from jupyter_privacy.core.ledger.schema import SCHEMA_VERSION

V1_FIXTURE = Path(__file__).parent / "data" / "ledger-v1.json"


def _v1_hashes() -> list[tuple[int, str]]:
    return [(row["id"], row["hash"]) for row in json.loads(V1_FIXTURE.read_text())["jp_entries"]]


def _version(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("select value from jp_meta where key = 'schema_version'"))
        version = str(found.scalar_one())
    engine.dispose()
    return version


def test_schema_version_is_two() -> None:
    assert SCHEMA_VERSION == 2


def test_a_v1_ledger_still_reads(v1_ledger_url: str) -> None:
    with open_ledger(v1_ledger_url) as ledger:
        assert [b.name for b in ledger.budgets()] == ["census", "zc"]
        census = ledger.budget("census")
        assert census.epsilon_spent == pytest.approx(0.4) and census.release_count == 3
        assert [r.description for r in ledger.history("census")] == ["mean wage", "count", "small"]
        assert ledger.find_replay("census", "k-mean") is not None
        assert ledger.verify().ok
        assert ledger.export()["schema_version"] == 1
        assert ledger.anchor().entries == 9
        assert [e.event for e in ledger.event_log()] == ["policy.checked", "request.submitted"]
    assert _version(v1_ledger_url) == "1"


def test_a_v1_ledger_refuses_writes_until_upgraded(v1_ledger_url: str, snapshot) -> None:
    with open_ledger(v1_ledger_url) as ledger:
        before = snapshot(ledger)
        for write in (
            lambda: ledger.spend("census", 0.1, value=1),
            lambda: ledger.create_budget("new", 1.0),
            lambda: ledger.raise_budget("census", epsilon=3.0, reason="r"),
            lambda: ledger.record_event("request.submitted"),
        ):
            with pytest.raises(LedgerSchemaError, match="jupyter privacy ledger upgrade"):
                write()
        assert snapshot(ledger) == before


def test_upgrade_checkpoints_the_verified_totals(v1_ledger_url: str, capsys) -> None:
    assert main(["ledger", "upgrade", "--ledger", v1_ledger_url]) == 0
    out = capsys.readouterr().out
    assert "schema 1 to 2" in out and "2 budgets" in out
    assert _version(v1_ledger_url) == "2"
    with open_ledger(v1_ledger_url) as ledger:
        report = ledger.verify()
        assert report.ok, report.problems
        entries = ledger.export()["entries"]
        assert [(e["id"], e["hash"]) for e in entries[:9]] == _v1_hashes()  # history untouched
        assert all(e["totals"] is None for e in entries[:9])
        checkpoints = [e for e in entries[9:] if e["mechanism"] == "ledger.checkpoint"]
        census = next(e for e in checkpoints if e["budget"] == "census")["totals"]
        assert census == {
            "composition": "basic", "epsilon_total": 2.0, "delta_total": 1e-6,
            "epsilon_spent": "0.40", "delta_spent": "0.0", "rho_spent": "0.0", "release_count": 3,
        }  # fmt: skip
        assert ledger.event_log("ledger")[0].event == "ledger.upgraded"
        # spending works again, replays of old keys still replay, totals stay exact
        assert ledger.spend("census", 0.5, value=0, replay_key="k-mean").replayed
        ledger.spend("census", 0.5, value=0, description="after the upgrade")
        assert ledger.budget("census").epsilon_spent == pytest.approx(0.9)
        ledger.spend("zc", 0.1, value=0, rho=0.001)
        assert ledger.verify().ok


def test_upgrading_twice_is_a_no_op(v1_ledger_url: str, capsys) -> None:
    assert main(["ledger", "upgrade", "--ledger", v1_ledger_url]) == 0
    with open_ledger(v1_ledger_url) as ledger:
        count = ledger.anchor().entries
    capsys.readouterr()
    assert main(["ledger", "upgrade", "--ledger", v1_ledger_url]) == 0
    assert "already at schema 2" in capsys.readouterr().out
    with open_ledger(v1_ledger_url) as ledger:
        assert ledger.anchor().entries == count


def test_a_tampered_v1_ledger_is_not_upgraded(v1_ledger_url: str, capsys) -> None:
    engine = sa.create_engine(v1_ledger_url)
    with engine.begin() as conn:
        conn.execute(sa.text("update jp_budgets set epsilon_spent = '0' where name = 'census'"))
    engine.dispose()
    with open_ledger(v1_ledger_url) as ledger, pytest.raises(LedgerIntegrityError, match="verify"):
        ledger.upgrade()
    assert main(["ledger", "upgrade", "--ledger", v1_ledger_url]) == 2
    assert "does not verify" in capsys.readouterr().err
    assert _version(v1_ledger_url) == "1"
    with open_ledger(v1_ledger_url) as ledger:
        assert ledger.anchor().entries == 9


def test_an_upgraded_ledger_resists_the_counter_reset(v1_ledger_url: str) -> None:
    with open_ledger(v1_ledger_url) as ledger:
        ledger.upgrade()
    engine = sa.create_engine(v1_ledger_url)
    with engine.begin() as conn:
        conn.execute(sa.text("update jp_budgets set epsilon_spent = '0' where name = 'census'"))
    engine.dispose()
    with (
        open_ledger(v1_ledger_url) as ledger,
        pytest.raises(LedgerIntegrityError, match="tampered"),
    ):
        ledger.spend("census", 1.0, value=1)


def test_a_v1_ledger_is_not_copied_before_its_upgrade(v1_ledger_url: str, tmp_path) -> None:
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    with open_ledger(v1_ledger_url) as ledger, pytest.raises(LedgerSchemaError, match="upgrade"):
        ledger.copy_to(open_ledger(target))
