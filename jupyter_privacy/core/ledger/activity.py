"""Read-only summaries of a ledger's spending for dashboards: bounded however long the history is.

A product owner's dashboard needs each budget's cumulative ε over time, who and which notebook
spent it, and a page of releases that can be sorted and filtered. The database does the work
(window sums, GROUP BY, ORDER BY … LIMIT), so a ledger of 100,000 releases answers with a few
hundred timeline points, a dozen groups and one page of rows. Nothing here writes, and no released
value or detail leaves: callers get ε, δ, times, names and origins only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import schema as T
from jupyter_privacy.core.ledger.composition import Usage, composition_rule, dec
from jupyter_privacy.core.ledger.models import Budget, Release, release_from_row
from jupyter_privacy.core.validation import check_positive_int

RELEASE = "release"
#: Columns a release page may be sorted by (the entry id is the time order and the tie-breaker).
SORT_KEYS = ("id", "created_at", "budget", "epsilon", "delta", "mechanism", "description",
             "actor", "origin")  # fmt: skip
MAX_PAGE = 1000
MAX_POINTS = 2000


@dataclass(frozen=True)
class TimelinePoint:
    """ε (and δ) spent by `budget` right after release `release_id`, by the budget's own rule."""

    budget: str
    release_id: int
    created_at: str
    epsilon_spent: float
    delta_spent: float
    releases: int  # how many releases the budget had by then

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SpendGroup:
    """Releases grouped by who made them or where from: their summed ε and δ, count, newest time.

    The sum is the ε the releases were charged one by one; a zCDP budget composes them tighter,
    so its `epsilon_spent` can be less than the sum of its groups.
    """

    key: str
    epsilon: float
    delta: float
    releases: int
    last_release_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReleasePage:
    releases: tuple[Release, ...]
    total: int
    offset: int
    limit: int


def budget_ids(conn: Connection, name: str | None) -> dict[int, str]:
    """Budget id → name, of every budget or of the one named (which must exist; checked by caller)."""
    query = sa.select(T.budgets.c.id, T.budgets.c.name)
    if name is not None:
        query = query.where(T.budgets.c.name == name)
    return {int(row.id): str(row.name) for row in conn.execute(query)}


def timeline(
    conn: Connection, budgets: list[Budget], ids: dict[int, str], points: int
) -> list[TimelinePoint]:
    """Cumulative spend per budget at about `points` releases each (always the first and last).

    Window sums in SQL keep the rows read to the sampled ones. The budget's composition rule turns
    the cumulative (ε, δ, ρ) into the (ε, δ) users see, so a zCDP budget's line ends at its
    reported `epsilon_spent`, not at the plain sum.
    """
    points = check_positive_int(points, "points")
    if points > MAX_POINTS:
        raise InvalidParameterError(f"points must be at most {MAX_POINTS}, got {points}")
    if not ids:
        return []
    e = T.entries.c
    inner = (
        sa.select(
            e.budget_id, e.id, e.created_at,
            sa.func.sum(e.epsilon).over(partition_by=e.budget_id, order_by=e.id).label("eps"),
            sa.func.sum(e.delta).over(partition_by=e.budget_id, order_by=e.id).label("delta"),
            sa.func.sum(sa.func.coalesce(e.rho, 0.0))
            .over(partition_by=e.budget_id, order_by=e.id).label("rho"),
            sa.func.row_number().over(partition_by=e.budget_id, order_by=e.id).label("n"),
            sa.func.count().over(partition_by=e.budget_id).label("total"),
        )
        .where(e.kind == RELEASE, e.budget_id.in_(list(ids)))
        .subquery()
    )  # fmt: skip
    n, total = inner.c.n, inner.c.total
    # Keep a row when it starts a new bucket of size total/points (integer division in both SQLite
    # and PostgreSQL), plus each budget's first and newest release.
    keep = sa.or_(n == 1, n == total, (n * points) // total > ((n - 1) * points) // total)
    rows = conn.execute(sa.select(inner).where(keep).order_by(inner.c.budget_id, inner.c.id))
    by_name = {b.name: b for b in budgets}
    found: list[TimelinePoint] = []
    for row in rows:
        budget = by_name[ids[row.budget_id]]
        rule = composition_rule(budget.composition)
        usage = Usage(dec(float(row.eps)), dec(float(row.delta)), dec(float(row.rho)))
        eps, delta = rule.spent((budget.epsilon_total, budget.delta_total), usage)
        if row.n == row.total:  # the newest point is the budget's exact reported figure
            eps, delta = budget.epsilon_spent, budget.delta_spent
        found.append(TimelinePoint(budget.name, int(row.id), str(row.created_at), eps, delta,
                                   int(row.n)))  # fmt: skip
    return found


def spend_by(
    conn: Connection, column: str, ids: dict[int, str], top: int
) -> tuple[list[SpendGroup], SpendGroup | None]:
    """Releases grouped by `actor` or by `origin` (its `#cell=…` part dropped): the `top` groups by
    ε, and the rest folded into one group (None when nothing is left over)."""
    if column not in ("actor", "origin"):
        raise InvalidParameterError(f"group releases by 'actor' or 'origin', not {column!r}")
    if not ids:
        return [], None
    e = T.entries.c
    query = (
        sa.select(
            getattr(e, column).label("key"),
            sa.func.sum(e.epsilon).label("eps"),
            sa.func.sum(e.delta).label("delta"),
            sa.func.count().label("n"),
            sa.func.max(e.created_at).label("last"),
        )
        .where(e.kind == RELEASE, e.budget_id.in_(list(ids)))
        .group_by(getattr(e, column))
    )
    merged: dict[str, list[Any]] = {}
    for row in conn.execute(query):
        key = str(row.key).split("#", 1)[0] if column == "origin" else str(row.key)
        group = merged.setdefault(key, [0.0, 0.0, 0, ""])
        group[0] += float(row.eps)
        group[1] += float(row.delta)
        group[2] += int(row.n)
        group[3] = max(group[3], str(row.last))
    groups = sorted(
        (SpendGroup(k, v[0], v[1], v[2], v[3]) for k, v in merged.items()),
        key=lambda g: (-g.epsilon, g.key),
    )
    head, rest = groups[:top], groups[top:]
    if not rest:
        return head, None
    other = SpendGroup(
        key=f"{len(rest)} more", epsilon=sum(g.epsilon for g in rest),
        delta=sum(g.delta for g in rest), releases=sum(g.releases for g in rest),
        last_release_at=max(g.last_release_at for g in rest),
    )  # fmt: skip
    return head, other


def release_page(
    conn: Connection, ids: dict[int, str], *, search: str | None, sort: str, descending: bool,
    offset: int, limit: int,
) -> ReleasePage:  # fmt: skip
    """One page of releases, sorted by `sort` (then newest first) and filtered by `search`: a
    case-insensitive substring of the description, mechanism, actor, origin or budget name."""
    if sort not in SORT_KEYS:
        raise InvalidParameterError(
            f"cannot sort releases by {sort!r}; use one of {', '.join(SORT_KEYS)}", parameter="sort"
        )
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidParameterError(
            f"offset must be a whole number ≥ 0, got {offset!r}", parameter="offset"
        )
    limit = check_positive_int(limit, "limit")
    if limit > MAX_PAGE:
        raise InvalidParameterError(
            f"limit must be at most {MAX_PAGE}, got {limit}; page with offset", parameter="limit"
        )
    if not ids:
        return ReleasePage((), 0, offset, limit)
    e, b = T.entries.c, T.budgets.c
    joined = T.entries.join(T.budgets, b.id == e.budget_id)
    where = [e.kind == RELEASE, e.budget_id.in_(list(ids))]
    text = (search or "").strip().lower()
    if text:
        columns = (e.description, e.mechanism, e.actor, e.origin, b.name)
        where.append(sa.or_(*(sa.func.lower(c).contains(text, autoescape=True) for c in columns)))
    total = conn.execute(sa.select(sa.func.count()).select_from(joined).where(*where)).scalar_one()
    key = b.name if sort == "budget" else getattr(e, sort)
    order = [key.desc() if descending else key.asc()]
    if sort != "id":
        order.append(e.id.desc())
    query = (
        sa.select(T.entries, b.name)
        .select_from(joined)
        .where(*where)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    releases = tuple(release_from_row(row, row.name) for row in conn.execute(query))
    return ReleasePage(releases, int(total), offset, limit)


@dataclass(frozen=True)
class LedgerActivity:
    """What a dashboard draws, read in one snapshot: budgets, timeline, spenders, the chain head."""

    budgets: tuple[Budget, ...]
    timeline: tuple[TimelinePoint, ...]
    by_origin: tuple[SpendGroup, ...]
    other_origins: SpendGroup | None
    by_actor: tuple[SpendGroup, ...]
    other_actors: SpendGroup | None
    head_id: int  # the newest entry's id (= entries in the chain) and its hash: what an anchor pins
    head_hash: str


def read_activity(
    conn: Connection, budgets: list[Budget], name: str | None, *, points: int, top: int
) -> LedgerActivity:
    """The timeline, spenders and chain head of every budget, or of the one named."""
    top = check_positive_int(top, "top")
    ids = budget_ids(conn, name)
    shown = [b for b in budgets if name is None or b.name == name]
    origins, other_origins = spend_by(conn, "origin", ids, top)
    actors, other_actors = spend_by(conn, "actor", ids, top)
    head = conn.execute(sa.select(T.chain_head.c.head_id, T.chain_head.c.head_hash)).one()
    return LedgerActivity(
        budgets=tuple(shown), timeline=tuple(timeline(conn, shown, ids, points)),
        by_origin=tuple(origins), other_origins=other_origins, by_actor=tuple(actors),
        other_actors=other_actors, head_id=int(head.head_id), head_hash=str(head.head_hash),
    )  # fmt: skip
