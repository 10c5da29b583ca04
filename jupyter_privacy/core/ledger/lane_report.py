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
    """Releases made while their budget was high-risk, with their audit records, newest first; one
    without a record (inserted around the kit) shows `approved: False`. Releases from before the
    mark, or from while it was lifted, are not in the lane and are not listed."""
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
            # A mark without its event (an access row written around the kit): all of it counts.
            spans = marked_spans(events_of(conn, bid, HIGH_RISK)) or [(0, None)]
            rows = conn.execute(sa.select(entries_table).where(
                entries_table.c.budget_id == bid, entries_table.c.kind == "release",
                entries_table.c.id > spans[0][0]).order_by(entries_table.c.id.desc())).fetchall()  # fmt: skip
            for r in (r for r in rows if _inside(spans, r.id)):
                audit = details_of(r).get(AUDIT_KEY)
                out.append({"release_id": r.id, "budget": names[bid], "epsilon": r.epsilon,
                            "delta": r.delta, "actor": r.actor, "at": r.created_at,
                            "approved": bool(audit and audit.get("approval")),
                            "audit": audit})  # fmt: skip
    return sorted(out, key=lambda a: -int(a["release_id"]))


def marked_spans(marks: list[Any]) -> list[tuple[int, int | None]]:
    """The entry-id ranges (start, end; None: still open) over which the lane was high-risk, from
    its `access.high_risk` events (a budget mark or dataset marks, each set or cleared)."""
    spans: list[tuple[int, int | None]] = []
    active: set[str] = set()
    start = 0
    for event in marks:  # oldest first
        details = details_of(event)
        mark = f"dataset:{details['dataset']}" if details.get("dataset") else "budget"
        was = bool(active)
        if details.get("high_risk", True):
            active.add(mark)
        else:
            active.discard(mark)
        if active and not was:
            start = int(event.id)
        elif was and not active:
            spans.append((start, int(event.id)))
    if active:
        spans.append((start, None))
    return spans


def _inside(spans: list[tuple[int, int | None]], entry_id: int) -> bool:
    return any(start < entry_id and (end is None or entry_id < end) for start, end in spans)


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
