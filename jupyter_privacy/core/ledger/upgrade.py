"""Upgrade a schema-1 ledger to schema 2 (chained totals), explicitly and without rewriting history.

In one write transaction: verify the whole v1 chain (a ledger that does not verify is refused:
checkpointing its totals would launder the tampering), add the `totals_json` column, append one
`ledger.checkpoint` event per budget carrying its verified totals, append a ledger-wide
`ledger.upgraded` event, and set the schema version. Every existing entry and hash stays as it was
(schema-1 entries hash exactly as before), so anchors taken before the upgrade still hold.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from jupyter_privacy.core.errors import LedgerIntegrityError
from jupyter_privacy.core.ledger import chain, schema
from jupyter_privacy.core.ledger.base import LedgerBase
from jupyter_privacy.core.ledger.events import EVENT_KIND, LEDGER_WIDE
from jupyter_privacy.core.ledger.provenance import current_actor
from jupyter_privacy.core.ledger.statements import SELECT_HEAD
from jupyter_privacy.core.ledger.totals import Totals
from jupyter_privacy.core.ledger.verify import verify_ledger

T = schema


@dataclass(frozen=True)
class UpgradeReport:
    ledger: str
    from_version: int
    to_version: int
    budgets: int
    entries_verified: int
    upgraded: bool  # False when the ledger was already at the current version

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def upgrade_ledger(ledger: LedgerBase) -> UpgradeReport:
    """Bring `ledger` to the current schema version (a no-op when it is there already)."""
    ledger._write_allowed()
    with ledger._errors(), ledger._connect_for_write() as conn:
        ledger._lock_head(conn)
        version = T.check_version(conn, ledger.display_url)
        if version >= T.SCHEMA_VERSION:
            ledger._use_version(version)
            return UpgradeReport(ledger.display_url, version, version, 0, 0, upgraded=False)
        report = verify_ledger(conn, T.entries_v1)
        if not report.ok:
            raise LedgerIntegrityError(
                f"ledger {ledger.display_url} does not verify ({len(report.problems)} "
                "problem(s)); upgrading would checkpoint totals that may have been tampered "
                "with. Run `jupyter privacy ledger verify`, restore a backup, then upgrade",
                problems=[asdict(p) for p in report.problems],
            )
        conn.execute(sa.text(f"ALTER TABLE {T.entries.name} ADD COLUMN totals_json TEXT"))
        budgets = conn.execute(sa.select(T.budgets).order_by(T.budgets.c.id)).fetchall()
        actor, now = current_actor(), chain.utc_now()
        for row in budgets:
            totals = Totals.of_budget_row(row)
            ledger._append(
                conn, conn.execute(SELECT_HEAD).one(), budget_id=row.id, kind=EVENT_KIND,
                epsilon=0.0, delta=0.0, mechanism="ledger.checkpoint", actor=actor,
                description=f"schema {version} → {T.SCHEMA_VERSION}: totals checkpointed from "
                "the verified chain", created_at=now, origin="upgrade", totals=totals,
            )  # fmt: skip
        head = conn.execute(SELECT_HEAD).one()
        ledger._append(
            conn, head, budget_id=LEDGER_WIDE, kind=EVENT_KIND, epsilon=0.0, delta=0.0,
            mechanism="ledger.upgraded", actor=actor, created_at=now, origin="upgrade",
            description=f"schema {version} → {T.SCHEMA_VERSION} (chained budget totals)",
            details={"from_version": version, "to_version": T.SCHEMA_VERSION,
                     "entries_verified": report.entries_checked,
                     "verified_head_hash": head.head_hash},
            totals=None,
        )  # fmt: skip
        conn.execute(
            T.meta.update()
            .where(T.meta.c.key == "schema_version")
            .values(value=str(T.SCHEMA_VERSION))
        )
    ledger._use_version(T.SCHEMA_VERSION)
    return UpgradeReport(
        ledger.display_url, version, T.SCHEMA_VERSION, len(budgets), report.entries_checked,
        upgraded=True,
    )  # fmt: skip
