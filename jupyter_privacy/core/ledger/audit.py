"""Audit events in the chain (see events.py): record one, read them back newest first."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from jupyter_privacy.core.ledger import access, chain, highrisk, schema
from jupyter_privacy.core.ledger.base import LedgerBase
from jupyter_privacy.core.ledger.events import (
    EVENT_KIND,
    LEDGER_WIDE,
    Event,
    check_event_details,
    check_event_type,
    event_from_row,
    event_query,
)
from jupyter_privacy.core.ledger.provenance import current_actor, current_origin
from jupyter_privacy.core.validation import check_positive_int

T = schema


class AuditMixin(LedgerBase):
    @access.logs_refusals
    def record_event(
        self, event: str, *, budget: str | None = None, description: str = "",
        details: dict[str, Any] | None = None, actor: str | None = None, origin: str | None = None,
    ) -> Event:  # fmt: skip
        """Append an audit event (spends nothing) to the hash chain; `budget` ties it to one budget.

        An event of a budget carries that budget's chained totals unchanged.
        """
        event = check_event_type(event)
        details_json = chain.dumps(check_event_details(details))
        with self._errors(), self._write() as conn:
            head = self._lock_head(conn)
            budget_id, totals, row = LEDGER_WIDE, None, None
            if budget is not None:
                row, totals = self._budget_for_write(conn, head, budget)
                budget_id = row.id
            highrisk.check_event(conn, row, event, json.loads(details_json))
            entry_id = self._append(
                conn, head, budget_id=budget_id, kind=EVENT_KIND, epsilon=0.0, delta=0.0,
                mechanism=event, description=description, actor=actor or current_actor(),
                origin=origin or current_origin(), created_at=chain.utc_now(),
                details_json=details_json, totals=totals,
            )  # fmt: skip
            row = conn.execute(sa.select(T.entries).where(T.entries.c.id == entry_id)).one()
            return event_from_row(row, budget)

    def event_log(
        self, prefix: str | None = None, *, budget: str | None = None, limit: int | None = None
    ) -> list[Event]:
        """Audit events newest first: all, of one budget, or of types `prefix` / `prefix.*`."""
        with self._errors(), self._engine.connect() as conn:
            budget_id = self._require_budget(conn, budget).id if budget is not None else None
            query = event_query(self._entries, budget_id=budget_id, prefix=prefix)
            if limit is not None:
                query = query.limit(check_positive_int(limit, "limit"))
            names: dict[int, str] = dict(
                conn.execute(sa.select(T.budgets.c.id, T.budgets.c.name)).fetchall()
            )
            return [event_from_row(r, names.get(r.budget_id)) for r in conn.execute(query)]
