"""What the ledger-forgery tests share: an attacker with write access rewriting the chain."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from jupyter_privacy.core.ledger.chain import entry_hash
from jupyter_privacy.core.ledger.schema import GENESIS_HASH

Edit = Callable[[dict[str, Any], dict[str, Any]], None]


def rehash_whole_chain(url: str, edit: Edit) -> list[dict[str, Any]]:
    """Apply `edit(row, totals)` to every entry in order, then recompute every hash and the head,
    so the forged chain is consistent again (what `verify` alone cannot tell from the real one)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        rows = [
            dict(r)
            for r in conn.execute(sa.text("select * from jp_entries order by id")).mappings()
        ]
        previous = GENESIS_HASH
        for row in rows:
            if row["totals_json"] is not None:  # ledger-wide events chain no totals
                totals = json.loads(row["totals_json"])
                edit(row, totals)
                row["totals_json"] = json.dumps(totals, sort_keys=True, separators=(",", ":"))
            row["prev_hash"] = previous
            row["hash"] = previous = entry_hash(row)
            conn.execute(
                sa.text("update jp_entries set epsilon = :epsilon, totals_json = :totals_json, "
                        "prev_hash = :prev_hash, hash = :hash where id = :id"),
                row,
            )  # fmt: skip
        conn.execute(
            sa.text("update jp_chain_head set head_id = :i, head_hash = :h"),
            {"i": rows[-1]["id"], "h": previous},
        )
    engine.dispose()
    return rows


@pytest.fixture
def rehash_chain() -> Callable[[str, Edit], list[dict[str, Any]]]:
    return rehash_whole_chain
