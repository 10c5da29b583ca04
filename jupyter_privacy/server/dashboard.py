"""REST handlers of the budget dashboard: its charts (Vega-Lite built by `charts.dashboard`) and a
sortable, filterable page of releases. Both are bounded however long the ledger's history is."""

from __future__ import annotations

from typing import Any

from tornado import web

from jupyter_privacy.core.errors import InvalidParameterError, UnknownBudgetError
from jupyter_privacy.core.ledger.activity import MAX_POINTS, SORT_KEYS
from jupyter_privacy.core.ledger.provenance import notebook_of, origin_label
from jupyter_privacy.core.validation import check_positive_int
from jupyter_privacy.server import permissions
from jupyter_privacy.server.base import PrivacyAPIHandler
from jupyter_privacy.server.handlers import read_paging
from jupyter_privacy.server.state import CREATE_HINT
from jupyter_privacy.server.views import budget_json, release_json

DEFAULT_POINTS = 120  # timeline points per budget, at most …
TOTAL_POINTS = 720  # … and about this many for all budgets together (the reply stays ~100 KiB)
TOP_GROUPS = 12


def no_such_budget(name: str) -> UnknownBudgetError:
    """The 404 for a budget asked of a ledger that does not exist yet (which we must not create)."""
    return UnknownBudgetError(f"no budget named '{name}': there is no ledger yet", budget=name)


class DashboardHandler(PrivacyAPIHandler):
    """GET `dashboard?budget=<name>&points=<n>`: every budget, the four charts, the chain head."""

    @web.authenticated
    async def get(self) -> None:
        state = self.privacy
        budget = self.get_argument("budget", "").strip() or None
        points = check_positive_int(self.get_argument("points", str(DEFAULT_POINTS)), "points")
        if points > MAX_POINTS:
            raise InvalidParameterError(
                f"points must be at most {MAX_POINTS}, got {points}", parameter="points"
            )
        reply: dict[str, Any] = {
            "ledger": {"url": state.display_url, "exists": state.ledger_exists()},
            "budget": budget,
            "permissions": await permissions.permissions(self),
        }
        if not reply["ledger"]["exists"]:
            if budget is not None:
                raise no_such_budget(budget)
            self.write_json({**reply, "budgets": [], "head": None, "charts": {},
                             "spend_by": {"notebook": [], "person": []}, "hint": CREATE_HINT})  # fmt: skip
            return
        self.write_json({**reply, **await self.off_loop(self._read, budget, points)})

    def _read(self, budget: str | None, points: int) -> dict[str, Any]:
        """The reply, computed once per chain head: an unchanged ledger answers from memory."""
        state = self.privacy
        ledger = state.ledger()
        head = ledger.anchor()  # one row; any append changes it
        key = ("dashboard", state.identity, budget, points, head.entries, head.head_hash)
        return state.remember(key, lambda: self._compute(ledger, budget, points))

    def _compute(self, ledger: Any, budget: str | None, points: int) -> dict[str, Any]:
        from jupyter_privacy.charts.dashboard import dashboard_specs  # Altair loads on first use

        state = self.privacy
        everyone = ledger.budgets()
        shown = 1 if budget is not None else max(len(everyone), 1)
        points = min(points, max(20, TOTAL_POINTS // shown))
        # Continue the summary of this scope from the last answer (reads only new releases),
        # unless the last integrity check failed: then read everything afresh.
        scope = (state.identity, budget, points)
        trusted = state.last_verify is None or state.last_verify[1].get("ok", False)
        previous = state.activities.get(scope) if trusted else None
        activity = ledger.activity(budget, points=points, top=TOP_GROUPS, previous=previous)
        state.activities[scope] = activity
        where = lambda origin: origin_label(origin, state.root)  # noqa: E731
        groups = {
            "notebook": [
                {**g.to_dict(), "label": where(g.key), "notebook": notebook_of(g.key, state.root)}
                for g in activity.by_origin
            ],
            "person": [{**g.to_dict(), "label": g.key} for g in activity.by_actor],
        }
        return {
            "budgets": [budget_json(b) for b in everyone],
            "head": {"entries": activity.head_id, "hash": activity.head_hash},
            "charts": dashboard_specs(activity, where=where, width="container"),
            "spend_by": groups,
            "hint": None if everyone else CREATE_HINT,
        }


class ReleasesHandler(PrivacyAPIHandler):
    """GET `releases?budget=&q=&sort=&order=desc&offset=0&limit=50`: one page of the table."""

    @web.authenticated
    async def get(self) -> None:
        state = self.privacy
        offset, limit = read_paging(self)
        budget = self.get_argument("budget", "").strip() or None
        search = self.get_argument("q", "").strip() or None
        sort = self.get_argument("sort", "id")
        order = self.get_argument("order", "desc")
        if sort not in SORT_KEYS:
            raise InvalidParameterError(
                f"sort must be one of {', '.join(SORT_KEYS)}, got {sort!r}", parameter="sort"
            )
        if order not in ("asc", "desc"):
            raise InvalidParameterError(
                f"order must be asc or desc, got {order!r}", parameter="order"
            )
        paging = {"offset": offset, "limit": limit, "total": 0}
        if not state.ledger_exists():
            if budget is not None:
                raise no_such_budget(budget)
            self.write_json({"releases": [], "paging": paging, "sort": sort, "order": order})
            return

        def read() -> dict[str, Any]:
            page = state.ledger().find_releases(
                budget, search=search, sort=sort, descending=order == "desc", offset=offset,
                limit=limit,
            )  # fmt: skip
            return {
                "releases": [release_json(r, state.root) for r in page.releases],
                "paging": {**paging, "total": page.total},
                "sort": sort,
                "order": order,
            }

        self.write_json(await self.off_loop(read))
