"""Dashboard reads (see activity.py): bounded summaries and release pages, whatever the history's
length, each read in one consistent snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from jupyter_privacy.core.ledger import schema
from jupyter_privacy.core.ledger.base import LedgerBase
from jupyter_privacy.core.ledger.rows import budget_from_row
from jupyter_privacy.core.ledger.storage import snapshot

if TYPE_CHECKING:  # read by the dashboard only: loaded on first use, not by every CLI command
    from jupyter_privacy.core.ledger.activity import LedgerActivity, ReleasePage

T = schema


class DashboardsMixin(LedgerBase):
    def activity(
        self, budget: str | None = None, *, points: int = 200, top: int = 12,
        previous: LedgerActivity | None = None,
    ) -> LedgerActivity:  # fmt: skip
        """Cumulative ε over time (≈`points` per budget), the `top` notebooks/scripts and people by
        ε, and the chain head; of every budget or of `budget`. One consistent snapshot. Given the
        `previous` summary of the same scope, reads only the releases appended since (see
        activity_update.py), or afresh when it cannot be continued."""
        from jupyter_privacy.core.ledger.activity import read_activity
        from jupyter_privacy.core.ledger.activity_update import can_extend, extend

        with self._errors(), snapshot(self._engine) as conn:
            name = self._require_budget(conn, budget).name if budget is not None else None
            rows = conn.execute(sa.select(T.budgets).order_by(T.budgets.c.id)).fetchall()
            budgets = [budget_from_row(row) for row in rows]
            if previous is not None and can_extend(conn, previous, budgets, name, points, top):
                return extend(conn, previous, budgets, name)
            return read_activity(conn, budgets, name, points=points, top=top)

    def find_releases(
        self, budget: str | None = None, *, search: str | None = None, sort: str = "id",
        descending: bool = True, offset: int = 0, limit: int = 50,
    ) -> ReleasePage:  # fmt: skip
        """A page of releases (of every budget or one), sorted and filtered by a search text."""
        from jupyter_privacy.core.ledger.activity import budget_ids, release_page

        with self._errors(), snapshot(self._engine) as conn:
            name = self._require_budget(conn, budget).name if budget is not None else None
            return release_page(
                conn, budget_ids(conn, name), self._entries, search=search, sort=sort,
                descending=descending, offset=offset, limit=limit,
            )  # fmt: skip
