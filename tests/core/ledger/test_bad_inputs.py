"""Bad input: each a clear error that names what to change, and the ledger left exactly as it was."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from jupyter_privacy import open_ledger
from jupyter_privacy.core.errors import (
    BudgetExceededError,
    DuplicateBudgetError,
    InvalidParameterError,
    LedgerCorruptError,
    LedgerLockedError,
    LedgerReadOnlyError,
    LedgerSchemaError,
    LedgerUnavailableError,
    PrivacyError,
    UnknownBudgetError,
)
from jupyter_privacy.core.ledger import Ledger


@pytest.fixture
def seeded(ledger: Ledger) -> Ledger:
    ledger.create_budget("census", 1.0, 1e-6)
    ledger.spend("census", 0.25, value=1.0)
    return ledger


BAD_CREATES = [
    pytest.param({"name": "x", "epsilon": 0}, "epsilon must be > 0", id="epsilon-zero"),
    pytest.param({"name": "x", "epsilon": -1}, "epsilon must be > 0", id="epsilon-negative"),
    pytest.param({"name": "x", "epsilon": math.nan}, "finite", id="epsilon-nan"),
    pytest.param({"name": "x", "epsilon": math.inf}, "finite", id="epsilon-inf"),
    pytest.param({"name": "x", "epsilon": "lots"}, "must be a number", id="epsilon-text"),
    pytest.param({"name": "x", "epsilon": None}, "must be a number", id="epsilon-none"),
    pytest.param(
        {"name": "x", "epsilon": 1, "delta": -1e-9}, "delta must be in [0, 1)", id="delta-negative"
    ),
    pytest.param(
        {"name": "x", "epsilon": 1, "delta": 1.0}, "delta must be in [0, 1)", id="delta-one"
    ),
    pytest.param({"name": "x", "epsilon": 1, "delta": math.nan}, "finite", id="delta-nan"),
    pytest.param({"name": "", "epsilon": 1}, "non-empty", id="name-empty"),
    pytest.param({"name": "   ", "epsilon": 1}, "non-empty", id="name-blank"),
    pytest.param({"name": "has space", "epsilon": 1}, "letters, digits", id="name-space"),
    pytest.param(
        {"name": "x", "epsilon": 1, "composition": "advanced"},
        "basic, zcdp",
        id="composition-unknown",
    ),
    pytest.param(
        {"name": "x", "epsilon": 1, "max_contributions": 0}, "whole number", id="contributions-zero"
    ),
    pytest.param(
        {"name": "x", "epsilon": 1, "composition": "zcdp"}, "δ > 0", id="zcdp-without-delta"
    ),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD_CREATES)
def test_bad_budget_parameters(seeded: Ledger, kwargs: dict, message: str, snapshot) -> None:
    before = snapshot(seeded)
    with pytest.raises(
        InvalidParameterError, match=message.replace("[", r"\[").replace(")", r"\)")
    ):
        seeded.create_budget(**kwargs)
    assert snapshot(seeded) == before


BAD_SPENDS = [
    pytest.param({"budget": "census", "epsilon": 0}, InvalidParameterError, id="spend-eps-zero"),
    pytest.param({"budget": "census", "epsilon": -0.1}, InvalidParameterError, id="spend-eps-neg"),
    pytest.param({"budget": "census", "epsilon": math.nan}, InvalidParameterError, id="spend-nan"),
    pytest.param(
        {"budget": "census", "epsilon": 0.1, "delta": 1.5},
        InvalidParameterError,
        id="spend-delta-big",
    ),
    pytest.param({"budget": "census", "epsilon": 0.9}, BudgetExceededError, id="overspend"),
    pytest.param(
        {"budget": "census", "epsilon": 0.1, "delta": 1e-5},
        BudgetExceededError,
        id="delta-overspend",
    ),
    pytest.param({"budget": "nope", "epsilon": 0.1}, UnknownBudgetError, id="unknown-budget"),
    pytest.param({"budget": "", "epsilon": 0.1}, InvalidParameterError, id="empty-budget"),
    pytest.param(
        {"budget": "census", "epsilon": 0.1, "replay_key": ""},
        InvalidParameterError,
        id="empty-replay-key",
    ),
]


@pytest.mark.parametrize(("kwargs", "error"), BAD_SPENDS)
def test_bad_spends(seeded: Ledger, kwargs: dict, error: type[PrivacyError], snapshot) -> None:
    before = snapshot(seeded)
    with pytest.raises(error) as info:
        seeded.spend(**kwargs, value=1)
    assert info.value.message  # says what happened and what to change
    assert snapshot(seeded) == before


def test_duplicate_budget(seeded: Ledger, snapshot) -> None:
    before = snapshot(seeded)
    with pytest.raises(DuplicateBudgetError, match="already exists"):
        seeded.create_budget("census", 2.0)
    assert snapshot(seeded) == before


def test_unknown_budget_lists_known_ones(seeded: Ledger) -> None:
    with pytest.raises(UnknownBudgetError, match="known budgets: census") as info:
        seeded.budget("cesnus")
    assert info.value.message.endswith("budget create cesnus --epsilon <total>")


@pytest.mark.parametrize("name", ["my budget", "-x", "a/b", "x" * 200])
def test_unknown_budget_never_suggests_a_name_that_would_be_refused(seeded: Ledger, name) -> None:
    with pytest.raises(UnknownBudgetError) as info:
        seeded.budget(name)
    message = info.value.message
    assert f"budget create {name}" not in message
    assert "budget names use 1-128 letters" in message and "budget create NAME" in message
    with pytest.raises(InvalidParameterError):  # the name really would be refused
        seeded.create_budget(name, 1.0)


def test_corrupt_database_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerCorruptError, match="restore a backup"):
        open_ledger(f"sqlite:///{path}")
    assert path.read_bytes() == b"this is not a database" * 100


def test_unreachable_server_hides_password() -> None:
    url = "postgresql+psycopg://alice:s3cret@127.0.0.1:1/ledger"
    with pytest.raises(LedgerUnavailableError) as info:
        open_ledger(url)
    assert "s3cret" not in str(info.value) and "***" in str(info.value)
    assert "server is running" in str(info.value)


def test_not_a_url() -> None:
    with pytest.raises(LedgerUnavailableError, match="not a database URL"):
        open_ledger("::nonsense::")


def test_schema_newer_than_code(ledger_url: str, tmp_path: Path) -> None:
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("b", 1.0)
    with sqlite3.connect(tmp_path / "ledger.db") as raw:
        raw.execute("update jp_meta set value='99' where key='schema_version'")
    with pytest.raises(LedgerSchemaError, match="schema version 99, newer"):
        open_ledger(ledger_url)


def test_foreign_sqlite_file_is_not_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as raw:
        raw.execute("create table jp_meta (key text, value text)")
    with pytest.raises(LedgerSchemaError, match="not a jupyter-privacy ledger"):
        open_ledger(f"sqlite:///{path}")


def test_read_only_database(seeded: Ledger, tmp_path: Path, snapshot) -> None:
    seeded.close()
    path = tmp_path / "ledger.db"
    read_only = open_ledger(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert read_only.budget("census").epsilon_spent == pytest.approx(0.25)  # reads still work
    before = snapshot(read_only)
    with pytest.raises(LedgerReadOnlyError, match="cannot be written"):
        read_only.spend("census", 0.1, value=1)
    assert snapshot(read_only) == before


def test_locked_ledger_times_out_cleanly(ledger_url: str, tmp_path: Path) -> None:
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("b", 1.0)
    holder = sqlite3.connect(tmp_path / "ledger.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with (
            open_ledger(ledger_url, lock_timeout=0.2) as ledger,
            pytest.raises(LedgerLockedError, match="locked by another process"),
        ):
            ledger.spend("b", 0.1, value=1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with open_ledger(ledger_url) as ledger:
        assert ledger.budget("b").epsilon_spent == 0.0


def test_unwritable_ledger_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(LedgerUnavailableError, match="cannot create the ledger folder"):
        open_ledger(f"sqlite:///{blocker}/sub/ledger.db")
