"""Read-only summaries of a ledger's spending for dashboards: bounded however long the history is.

A product owner's dashboard needs each budget's cumulative ε over time, who and which notebook
spent it, and a page of releases that can be sorted and filtered. The database does the work
(window sums, GROUP BY, ORDER BY … LIMIT), so a ledger of 100,000 releases answers with a few
hundred timeline points, a dozen groups and one page of rows. Nothing here writes, and no released
value or detail leaves: callers get ε, δ, times, names and origins only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import schema as T
from jupyter_privacy.core.ledger.composition import Usage, composition_rule, dec
from jupyter_privacy.core.ledger.models import Budget, Release
from jupyter_privacy.core.ledger.rows import release_from_row
from jupyter_privacy.core.validation import check_positive_int

RELEASE = "release"
#: Columns a release page may be sorted by (the entry id is the time order and the tie-breaker).
SORT_KEYS = ("id", "created_at", "budget", "epsilon", "delta", "mechanism", "description",
             "actor", "origin")  # fmt: skip
MAX_PAGE = 1000
MAX_POINTS = 2000
#: Raw sums of a budget's releases: ε, δ, ρ and how many.
Sums = tuple[float, float, float, int]


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
) -> tuple[list[TimelinePoint], dict[str, Sums]]:
    """Cumulative spend per budget at about `points` moments each, the newest release always one.

    Each budget's releases are cut into `points` runs of consecutive entry ids and summed per run
    in one GROUP BY (two passes over the releases, no window functions: ~2× faster on SQLite);
    a point is the state after a run's last release. The budget's composition rule turns the
    cumulative (ε, δ, ρ) into the (ε, δ) users see, so a zCDP budget's line ends at its reported
    `epsilon_spent`, not at the plain sum. Also returns each budget's raw sums (ε, δ, ρ, releases),
    from which `activity_update` continues.
    """
    points = check_points(points)
    if not ids:
        return [], {}
    e = T.entries.c
    releases = releases_of(ids)
    span = (
        sa.select(e.budget_id, sa.func.min(e.id).label("lo"), sa.func.max(e.id).label("hi"))
        .where(releases)
        .group_by(e.budget_id)
        .subquery()
    )
    run = ((e.id - span.c.lo) * points // (span.c.hi - span.c.lo + 1)).label("run")
    query = (
        sa.select(
            e.budget_id, run,
            sa.func.sum(e.epsilon).label("eps"), sa.func.sum(e.delta).label("delta"),
            sa.func.sum(sa.func.coalesce(e.rho, 0.0)).label("rho"),
            sa.func.count().label("n"), sa.func.max(e.id).label("last_id"),
            sa.func.max(e.created_at).label("last_at"),
        )
        .select_from(T.entries.join(span, span.c.budget_id == e.budget_id))
        .where(releases)
        .group_by(e.budget_id, run)
        .order_by(e.budget_id, run)
    )  # fmt: skip
    by_name = {b.name: b for b in budgets}
    found: list[TimelinePoint] = []
    sums: dict[str, Sums] = {}
    for row in conn.execute(query):
        budget = by_name[ids[row.budget_id]]
        eps, delta, rho, count = sums.get(budget.name, (0.0, 0.0, 0.0, 0))
        total = (eps + float(row.eps), delta + float(row.delta), rho + float(row.rho),
                 count + int(row.n))  # fmt: skip
        sums[budget.name] = total
        found.append(point_after(budget, int(row.last_id), str(row.last_at), total))
    return found, sums


def point_after(budget: Budget, release_id: int, created_at: str, total: Sums) -> TimelinePoint:
    """The timeline point once `budget`'s releases add up to `total` (raw ε, δ, ρ, count)."""
    if total[3] == budget.release_count:  # the newest point: the budget's exact figures
        eps, delta = budget.epsilon_spent, budget.delta_spent
    else:
        rule = composition_rule(budget.composition)
        usage = Usage(dec(total[0]), dec(total[1]), dec(total[2]))
        eps, delta = rule.spent((budget.epsilon_total, budget.delta_total), usage)
    return TimelinePoint(budget.name, release_id, created_at, eps, delta, total[3])


def check_points(points: int) -> int:
    points = check_positive_int(points, "points")
    if points > MAX_POINTS:
        raise InvalidParameterError(f"points must be at most {MAX_POINTS}, got {points}")
    return points


def spend_by(conn: Connection, column: str, ids: dict[int, str]) -> list[SpendGroup]:
    """Releases grouped by `actor` or by `origin` (its `#cell=…` part dropped), largest ε first."""
    if column not in ("actor", "origin"):
        raise InvalidParameterError(f"group releases by 'actor' or 'origin', not {column!r}")
    if not ids:
        return []
    e = T.entries.c
    key = without_cell(e.origin, conn.dialect.name) if column == "origin" else e.actor
    query = (
        sa.select(
            key.label("key"),
            sa.func.sum(e.epsilon).label("eps"),
            sa.func.sum(e.delta).label("delta"),
            sa.func.count().label("n"),
            sa.func.max(e.created_at).label("last"),
        )
        .where(releases_of(ids))
        .group_by(key)
    )
    groups = [SpendGroup(str(r.key), float(r.eps), float(r.delta), int(r.n), str(r.last))
              for r in conn.execute(query)]  # fmt: skip
    return sorted(groups, key=lambda g: (-g.epsilon, g.key))


def top_and_rest(
    groups: tuple[SpendGroup, ...], top: int
) -> tuple[tuple[SpendGroup, ...], SpendGroup | None]:
    """The `top` groups, and the rest folded into one ("N more"; None when nothing is left)."""
    head, rest = groups[:top], groups[top:]
    if not rest:
        return head, None
    other = SpendGroup(
        key=f"{len(rest)} more", epsilon=sum(g.epsilon for g in rest),
        delta=sum(g.delta for g in rest), releases=sum(g.releases for g in rest),
        last_release_at=max(g.last_release_at for g in rest),
    )  # fmt: skip
    return head, other


def releases_of(ids: dict[int, str], entries: sa.Table = T.entries) -> Any:
    """Release entries of the budgets in `ids`. `ids` holds either one budget or all of them
    (`budget_ids`); for all, no budget filter: a full scan beats 100,000 index lookups."""
    e = entries.c
    if len(ids) == 1:
        return sa.and_(e.kind == RELEASE, e.budget_id == next(iter(ids)))
    return e.kind == RELEASE


def without_cell(origin: Any, dialect: str) -> Any:
    """`notebook:/a.ipynb#cell=3` → `notebook:/a.ipynb` in SQL (grouping by cell would make as
    many groups as cells; folding them in the database keeps the rows read few)."""
    if dialect == "postgresql":
        return sa.func.split_part(origin, "#", 1)
    cut = sa.func.instr(origin, "#")
    return sa.case((cut > 0, sa.func.substr(origin, 1, cut - 1)), else_=origin)


def release_page(
    conn: Connection, ids: dict[int, str], entries: sa.Table, *, search: str | None, sort: str,
    descending: bool, offset: int, limit: int,
) -> ReleasePage:  # fmt: skip
    """One page of releases, sorted by `sort` (then newest first) and filtered by `search`: a
    case-insensitive substring of the description, mechanism, actor, origin or budget name.
    `entries` is the entries table of the ledger's schema version (schema.entries_table)."""
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
    e, b = entries.c, T.budgets.c
    joined = entries.join(T.budgets, b.id == e.budget_id)
    where = [releases_of(ids, entries)]
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
        sa.select(entries, b.name)
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
    """What a dashboard draws, read in one snapshot: budgets, timeline, spenders, the chain head.

    It also keeps what `activity_update.extend` needs to continue it from the next entry on: the
    raw sums per budget, every group, and the scope it was read for.
    """

    budgets: tuple[Budget, ...]
    timeline: tuple[TimelinePoint, ...]
    origins: tuple[SpendGroup, ...]  # every group, largest ε first
    actors: tuple[SpendGroup, ...]
    head_id: int  # the newest entry's id (= entries in the chain) and its hash: what an anchor pins
    head_hash: str
    scope: str | None = None  # the budget it was read for, or None for every budget
    points: int = 200
    top: int = 12
    sums: dict[str, Sums] = field(default_factory=dict)  # raw ε, δ, ρ and releases per budget

    @property
    def by_origin(self) -> tuple[SpendGroup, ...]:
        return top_and_rest(self.origins, self.top)[0]

    @property
    def other_origins(self) -> SpendGroup | None:
        return top_and_rest(self.origins, self.top)[1]

    @property
    def by_actor(self) -> tuple[SpendGroup, ...]:
        return top_and_rest(self.actors, self.top)[0]

    @property
    def other_actors(self) -> SpendGroup | None:
        return top_and_rest(self.actors, self.top)[1]


def read_activity(
    conn: Connection, budgets: list[Budget], name: str | None, *, points: int, top: int
) -> LedgerActivity:
    """The timeline, spenders and chain head of every budget, or of the one named."""
    top = check_positive_int(top, "top")
    ids = budget_ids(conn, name)
    shown = [b for b in budgets if name is None or b.name == name]
    points_found, sums = timeline(conn, shown, ids, points)
    head_id, head_hash = chain_head(conn)
    return LedgerActivity(
        budgets=tuple(shown), timeline=tuple(points_found),
        origins=tuple(spend_by(conn, "origin", ids)), actors=tuple(spend_by(conn, "actor", ids)),
        head_id=head_id, head_hash=head_hash, scope=name, points=points, top=top, sums=sums,
    )  # fmt: skip


def chain_head(conn: Connection) -> tuple[int, str]:
    """(id of the newest entry, its hash): changes with every entry appended (what an anchor pins)."""
    row = conn.execute(sa.select(T.chain_head.c.head_id, T.chain_head.c.head_hash)).one()
    return int(row.head_id), str(row.head_hash)
