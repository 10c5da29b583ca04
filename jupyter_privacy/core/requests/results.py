"""What the scientist receives from a request: the DP releases its run made, read back from the
ledger by id, and nothing else (no return value, no printed output, no files, no error text).

Query releases are also shown as the kit shows them in a notebook (values with (1 − α) intervals,
noise and ε per statistic): the same post-processing `PrivateTable` applies, computed from the
stored noisy rows and the dataset's public declarations (on the mock table, so no private data is
touched and nothing is drawn again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jupyter_privacy.core.errors import PrivacyError
from jupyter_privacy.core.ledger import Ledger, Release
from jupyter_privacy.core.requests.datasets import Dataset, get_dataset
from jupyter_privacy.core.requests.plan import Query, canonical_query
from jupyter_privacy.core.requests.records import RequestRecord, get_request

WAITING = {
    "pending": "waiting for the data owner's approval",
    "approved": "approved; waiting for the data owner to run it",
    "running": "running on the data owner's side",
}


@dataclass(frozen=True)
class RequestResults:
    """The run's DP releases; `queries` maps a query release's id to its values with intervals."""

    record: RequestRecord
    releases: tuple[Release, ...] = ()
    queries: dict[int, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.record.status

    def to_dict(self) -> dict[str, Any]:
        return {
            "request": self.record.id, "status": self.status,
            "releases": [{"id": r.id, "budget": r.budget, "epsilon": r.epsilon, "delta": r.delta,
                          "mechanism": r.mechanism, "description": r.description,
                          "value": r.value, "created_at": r.created_at} for r in self.releases],
        }  # fmt: skip

    def text(self) -> str:
        r = self.record
        head = f"request {r.id} ({r.title}): {self.status}"
        if not self.releases:
            denied = (
                f"denied: {r.decision.reason}" if r.decision and not r.decision.approved else ""
            )
            why = WAITING.get(self.status) or denied or (
                "no DP release was made; the code's own output is withheld")  # fmt: skip
            return f"{head}; {why}"
        lines = [f"{head}; {len(self.releases)} DP release(s) (the code's own output is withheld)"]
        for release in self.releases:
            lines.append(f"\nrelease {release.id}: {release.description or release.mechanism}")
            shown = self.queries.get(release.id)
            lines.append(str(shown) if shown is not None else
                         f"value {release.value} (ε {release.epsilon:g}, δ {release.delta:g}; "
                         f"{release.mechanism})")  # fmt: skip
        return "\n".join(lines)


def query_release(dataset: Dataset, release: Release, sql: str, ledger: Ledger) -> Any:
    """A stored release of query `sql` as a `QueryRelease` (values, ±, intervals)."""
    from jupyter_privacy.core.queries.release import QueryRelease
    from jupyter_privacy.core.queries.sql import parse_sql
    from jupyter_privacy.core.queries.values import released_values

    table = dataset.mock_table(ledger)
    spec = parse_sql(sql).spec
    shares = [
        float(release.details.get("epsilon_split", {}).get(a.name, 0.0)) for a in spec.aggregates
    ]
    split = None if len(set(shares)) <= 1 else tuple(s / sum(shares) for s in shares)
    calibrated = table._calibrate(spec, release.epsilon, release.delta, split=split)
    alpha = float(release.details.get("alpha", 0.05))
    preview = table._preview(calibrated, alpha)
    fields = {name: getattr(preview, name) for name in preview.__dataclass_fields__}
    fields["budget_epsilon_remaining"] = None
    values = released_values(calibrated, release.value.get("rows", []), alpha, table.bounds)
    return QueryRelease(**fields, values=values, entry_id=release.id)


def request_results(ledger: Ledger, request_id: Any) -> RequestResults:
    record = get_request(ledger, request_id)
    if record.run is None or not record.run.releases:
        return RequestResults(record)
    wanted = set(record.run.releases)
    found = {r.id: r for r in ledger.history(record.budget) if r.id in wanted}
    releases = tuple(found[i] for i in record.run.releases if i in found)
    planned = {canonical_query(i.query): i.query for i in record.plan.items if isinstance(i, Query)}
    queries: dict[int, Any] = {}
    dataset = get_dataset(ledger, record.dataset)
    for release in releases:
        sql = planned.get(release.description)
        if sql is None or "kind" in release.details or not isinstance(release.value, dict):
            continue
        try:
            shown = query_release(dataset, release, sql, ledger)
        except PrivacyError:  # e.g. the dataset was registered again with other declarations
            shown = None
        if shown is not None:
            queries[release.id] = shown
    return RequestResults(record, releases, queries)
