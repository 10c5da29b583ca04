"""Continue a dashboard summary from the entries appended since it was read.

A dashboard follows a live ledger: after each spend it needs the summary again. Reading 100,000
releases again for one new one takes seconds under load; continuing the previous summary reads
only the new releases (by entry id, the primary key). The result equals a fresh read in its
totals, groups and newest points; older points are kept (thinned to about twice `points`).
A summary is continued only when the chain still holds its head entry and no budget it shows
changed its totals or rule (a raise changes a zCDP budget's every point): otherwise read afresh.
"""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.ledger import schema as T
from jupyter_privacy.core.ledger.activity import (
    LedgerActivity,
    SpendGroup,
    Sums,
    TimelinePoint,
    budget_ids,
    chain_head,
    point_after,
    releases_of,
    without_cell,
)
from jupyter_privacy.core.ledger.models import Budget


def can_extend(
    conn: Connection, previous: LedgerActivity, budgets: list[Budget], name: str | None,
    points: int, top: int,
) -> bool:  # fmt: skip
    if (previous.scope, previous.points, previous.top) != (name, points, top):
        return False
    if previous.head_id:
        stored = conn.execute(
            sa.select(T.entries.c.hash).where(T.entries.c.id == previous.head_id)
        ).scalar()
        if stored != previous.head_hash:  # another ledger, or history rewritten
            return False
    now = {b.name: b for b in budgets}
    return all(
        b.name in now
        and (now[b.name].epsilon_total, now[b.name].delta_total, now[b.name].composition)
        == (b.epsilon_total, b.delta_total, b.composition)
        for b in previous.budgets
    )


def extend(
    conn: Connection, previous: LedgerActivity, budgets: list[Budget], name: str | None
) -> LedgerActivity:
    """`previous` plus the releases after its head entry (check `can_extend` first)."""
    head_id, head_hash = chain_head(conn)
    shown = [b for b in budgets if name is None or b.name == name]
    if head_id == previous.head_id:
        return replace(previous, budgets=tuple(shown))
    ids = budget_ids(conn, name)
    e = T.entries.c
    rows = conn.execute(
        sa.select(e.budget_id, e.id, e.created_at, e.epsilon, e.delta, e.rho, e.actor,
                  without_cell(e.origin, conn.dialect.name).label("where"))
        .where(releases_of(ids), e.id > previous.head_id)
        .order_by(e.id)
    )  # fmt: skip
    by_name = {b.name: b for b in shown}
    sums: dict[str, Sums] = dict(previous.sums)
    lines: dict[str, list[TimelinePoint]] = {b.name: [] for b in shown}
    for point in previous.timeline:
        lines.setdefault(point.budget, []).append(point)
    origins = {g.key: g for g in previous.origins}
    actors = {g.key: g for g in previous.actors}
    for row in rows:
        budget = by_name[ids[row.budget_id]]
        eps, delta, rho, count = sums.get(budget.name, (0.0, 0.0, 0.0, 0))
        total = (eps + row.epsilon, delta + row.delta, rho + (row.rho or 0.0), count + 1)
        sums[budget.name] = total
        lines[budget.name].append(point_after(budget, int(row.id), str(row.created_at), total))
        for groups, key in ((origins, str(row.where)), (actors, str(row.actor))):
            groups[key] = _added(groups.get(key), key, row.epsilon, row.delta, str(row.created_at))
    timeline = [p for b in shown for p in _thinned(lines.get(b.name, []), previous.points)]
    return replace(
        previous, budgets=tuple(shown), timeline=tuple(timeline),
        origins=_largest_first(origins), actors=_largest_first(actors),
        head_id=head_id, head_hash=head_hash, sums=sums,
    )  # fmt: skip


def _added(group: SpendGroup | None, key: str, eps: float, delta: float, at: str) -> SpendGroup:
    if group is None:
        return SpendGroup(key, eps, delta, 1, at)
    return SpendGroup(key, group.epsilon + eps, group.delta + delta, group.releases + 1,
                      max(group.last_release_at, at))  # fmt: skip


def _largest_first(groups: dict[str, SpendGroup]) -> tuple[SpendGroup, ...]:
    return tuple(sorted(groups.values(), key=lambda g: (-g.epsilon, g.key)))


def _thinned(line: list[TimelinePoint], points: int) -> list[TimelinePoint]:
    """At most about 2 × `points`: drop every other point (never the newest) when it grows past."""
    while len(line) > 2 * points:
        line = line[:-1][::2] + line[-1:]
    return line
