"""Fixtures for the ledger tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jupyter_privacy.core.ledger import Ledger, schema


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
#: The tables of schema 1: `jp_entries` without `totals_json`; the others have not changed since.
_V1_TABLES = [schema.meta, schema.budgets, schema.entries_v1, schema.chain_head]


def write_v1_ledger(url: str) -> str:
    """Load rows written by the schema-1 code (kept as JSON) into the v1 tables at `url`."""
    rows = json.loads(V1_FIXTURE.read_text())
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in _V1_TABLES:
            table.create(conn)
            conn.execute(table.insert(), rows[table.name])
    engine.dispose()
    return url


@pytest.fixture
def v1_ledger_url(backend_url: str) -> str:
    """A schema-1 ledger (two budgets, releases, a raise, events) on SQLite and PostgreSQL."""
    return write_v1_ledger(backend_url)
