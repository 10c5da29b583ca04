"""Fixtures for the ledger tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jupyter_privacy.core.ledger import Ledger


def _snapshot(ledger: Ledger) -> dict[str, Any]:
    data = ledger.export()
    data.pop("exported_at")
    return data


@pytest.fixture
def snapshot() -> Callable[[Ledger], dict[str, Any]]:
    """Everything stored, minus the export time: equal snapshots mean nothing changed."""
    return _snapshot


# -- a ledger written by schema version 1 (before chained totals), on any backend -----------------

V1_FIXTURE = Path(__file__).parent / "data" / "ledger-v1.json"
_v1 = sa.MetaData()
_V1_TABLES = [
    sa.Table("jp_meta", _v1, sa.Column("key", sa.String(64), primary_key=True),
             sa.Column("value", sa.Text, nullable=False)),
    sa.Table(
        "jp_budgets", _v1,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("composition", sa.String(16), nullable=False),
        sa.Column("epsilon_total", sa.Float, nullable=False),
        sa.Column("delta_total", sa.Float, nullable=False),
        sa.Column("privacy_unit", sa.Text, nullable=False),
        sa.Column("max_contributions", sa.Integer, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("epsilon_spent", sa.String(80), nullable=False),
        sa.Column("delta_spent", sa.String(80), nullable=False),
        sa.Column("rho_spent", sa.String(80), nullable=False),
        sa.Column("release_count", sa.Integer, nullable=False),
        sa.Column("last_release_at", sa.String(40), nullable=True),
    ),
    sa.Table(
        "jp_entries", _v1,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("budget_id", sa.Integer, nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("epsilon", sa.Float, nullable=False),
        sa.Column("delta", sa.Float, nullable=False),
        sa.Column("rho", sa.Float, nullable=True),
        sa.Column("mechanism", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("value_json", sa.Text, nullable=False),
        sa.Column("details_json", sa.Text, nullable=False),
        sa.Column("replay_key", sa.String(128), nullable=True, index=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    ),
    sa.Table(
        "jp_chain_head", _v1,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("head_id", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("next_budget_id", sa.Integer, nullable=False),
    ),
]  # fmt: skip


def write_v1_ledger(url: str) -> str:
    """Load rows written by the schema-1 code (kept as JSON) into the v1 tables at `url`."""
    rows = json.loads(V1_FIXTURE.read_text())
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        _v1.create_all(conn)
        for table in _V1_TABLES:
            conn.execute(table.insert(), rows[table.name])
    engine.dispose()
    return url


@pytest.fixture
def v1_ledger_url(backend_url: str) -> str:
    """A schema-1 ledger (two budgets, releases, a raise, events) on SQLite and PostgreSQL."""
    return write_v1_ledger(backend_url)
