"""A ledger's contents going out: row-for-row into another ledger (`Ledger.copy_to`), or as one
JSON-ready document (`Ledger.export`).

Entries, budgets and the chain head are copied unchanged, hashes included, so the copy verifies
exactly when the source does: tampering is carried over, never repaired or hidden.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import chain
from jupyter_privacy.core.ledger import schema as T
from jupyter_privacy.core.ledger.access import copy_access
from jupyter_privacy.core.ledger.models import Budget, LedgerCopy, VerificationReport
from jupyter_privacy.core.ledger.published import published_entry
from jupyter_privacy.core.ledger.rows import entry_dict
from jupyter_privacy.core.ledger.statements import SELECT_HEAD

_CHUNK = 1000


def copy_rows(src: Connection, dst: Connection, *, target: str, overwrite: bool) -> LedgerCopy:
    """Copy from `src` (one read snapshot) into `dst` (a write transaction on the target).

    `dst` is emptied first; a target holding entries is refused unless `overwrite`.
    """
    budgets = [dict(r._mapping) for r in src.execute(sa.select(T.budgets))]
    head = dict(src.execute(sa.select(T.chain_head)).one()._mapping)
    dst.execute(SELECT_HEAD).one()  # the target's write lock: no spend slips in meanwhile
    existing = dst.execute(sa.select(sa.func.count()).select_from(T.entries)).scalar()
    if existing and not overwrite:
        raise InvalidParameterError(
            f"target ledger {target} already holds {existing} entries; "
            "pass --force (overwrite=True) to replace them",
            entries=existing,
        )
    dst.execute(T.entries.delete())
    dst.execute(T.budgets.delete())
    if budgets:
        dst.execute(T.budgets.insert(), budgets)
    copied = 0
    rows = src.execution_options(yield_per=_CHUNK).execute(
        sa.select(T.entries).order_by(T.entries.c.id)
    )
    for chunk in rows.partitions(_CHUNK):
        dst.execute(T.entries.insert(), [dict(r._mapping) for r in chunk])
        copied += len(chunk)
    dst.execute(T.chain_head.update().where(T.chain_head.c.id == 1).values(**head))
    copy_access(src, dst)  # owners, spenders, lane marks: a copy must not open budgets up
    return LedgerCopy(budgets=len(budgets), entries=copied, head_hash=head["head_hash"])


def export_document(
    conn: Connection, entries: sa.Table, budgets: list[Budget], report: VerificationReport,
    ledger: str, schema_version: int, include_digests: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The export is published: data digests and replay keys are left out unless asked for
    (published.py), so exported entries cannot be re-hashed; `verification` is the ledger's own.
    Malformed stored values raise LedgerIntegrityError (rows.py) rather than export garbage."""
    rows = conn.execute(sa.select(entries).order_by(entries.c.id)).fetchall()
    names: dict[Any, Any] = dict(
        conn.execute(sa.select(T.budgets.c.id, T.budgets.c.name)).fetchall()
    )
    return {
        "format": "jupyter-privacy-ledger",
        "schema_version": schema_version,
        "exported_at": chain.utc_now(),
        "ledger": ledger,
        "budgets": [b.to_dict() for b in budgets],
        "entries": [
            published_entry(
                {**entry_dict(r), "budget": names.get(r.budget_id)}, include_digests=include_digests
            )
            for r in rows
        ],
        "data_digests": "keyed digests only" if include_digests else "omitted",
        "verification": report.to_dict(),
    }
