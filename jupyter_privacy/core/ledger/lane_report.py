"""Reading the high-risk lane: which budgets are marked, their releases with the audit records
(`access audit`), and every budget's access rows with the lane apart (the dashboard's
`GET /jupyter-privacy/api/access`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from jupyter_privacy.core.ledger import access
from jupyter_privacy.core.ledger.highrisk import (
    AUDIT_KEY,
    HIGH_RISK,
    details_of,
    entries_table,
    events_of,
    lane_from,
    lane_of,
)
from jupyter_privacy.core.ledger.storage import translated_errors

if TYPE_CHECKING:
    from jupyter_privacy.core.ledger.ledger import Ledger


def is_high_risk(ledger: Ledger, budget: str) -> bool:
    with translated_errors(ledger.url), ledger._engine.connect() as conn:
        row = ledger._require_budget(conn, budget)
        return lane_of(conn, row.id, row.name).high_risk


def high_risk_audit(ledger: Ledger, budget: str | None = None) -> list[dict[str, Any]]:
    """Releases of high-risk budgets with their audit records, newest first; a release without
    one (inserted around the kit, or spent before the mark) shows `approved: False`."""
    out = []
    with translated_errors(ledger.url), ledger._engine.connect() as conn:
        names: dict[int, str] = dict(
            conn.execute(sa.text("SELECT id, name FROM jp_budgets")).fetchall()
        )
        lanes = {bid: lane_of(conn, bid, name) for bid, name in names.items()}
        marked = {bid: lane for bid, lane in lanes.items() if lane.high_risk}
        if budget is not None:
            wanted = ledger._require_budget(conn, budget).id
            marked = {bid: lane for bid, lane in marked.items() if bid == wanted}
        for bid in marked:
            marks = [r.id for r in events_of(conn, bid, HIGH_RISK)]
            rows = conn.execute(sa.select(entries_table).where(
                entries_table.c.budget_id == bid, entries_table.c.kind == "release",
                entries_table.c.id > min(marks)).order_by(entries_table.c.id.desc())).fetchall()  # fmt: skip
            for r in rows:
                audit = details_of(r).get(AUDIT_KEY)
                out.append({"release_id": r.id, "budget": names[bid], "epsilon": r.epsilon,
                            "delta": r.delta, "actor": r.actor, "at": r.created_at,
                            "approved": bool(audit and audit.get("approval")),
                            "audit": audit})  # fmt: skip
    return sorted(out, key=lambda a: -int(a["release_id"]))


def access_summary(ledger: Ledger, *, audit_limit: int = 50) -> dict[str, Any]:
    """Every budget's owners, spenders and high-risk state, and the newest high-risk releases with
    their audit records: what the dashboard shows apart (REST `GET /jupyter-privacy/api/access`)."""
    postgres = ledger.url.startswith("postgresql")
    with translated_errors(ledger.url), ledger._engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, name FROM jp_budgets ORDER BY id")).fetchall()
        budgets = []
        for budget_id, name in ((int(r.id), str(r.name)) for r in rows):
            found = access.budget_access(conn, budget_id, name)
            lane = lane_from(found)
            reasons = [
                details_of(e).get("reason", "") for e in events_of(conn, budget_id, HIGH_RISK)
            ]
            budgets.append({**found.to_dict(), "high_risk": lane.high_risk,
                            "datasets": list(lane.datasets),
                            "high_risk_reason": reasons[-1] if lane.high_risk and reasons else ""})  # fmt: skip
    return {
        "backend": "postgresql" if postgres else "sqlite",
        "enforced_by": "PostgreSQL row-level security (roles)" if postgres
        else "the kit, in the client: the ledger file's permissions are the boundary",
        "budgets": budgets,
        "high_risk_audit": high_risk_audit(ledger)[:audit_limit],
    }  # fmt: skip
