"""Statements prepared once (bound parameters hit SQLAlchemy's compiled cache on every spend)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from jupyter_privacy.core.ledger import schema

T = schema

UPDATE_HEAD = (
    T.chain_head.update()
    .where(T.chain_head.c.id == 1)
    .values(
        head_id=sa.bindparam("new_head_id"),
        head_hash=sa.bindparam("new_head_hash"),
        next_budget_id=sa.bindparam("new_next_budget_id"),
    )
)
UPDATE_SPENT = (
    T.budgets.update()
    .where(T.budgets.c.id == sa.bindparam("budget_id"))
    .values(
        epsilon_spent=sa.bindparam("new_epsilon_spent"),
        delta_spent=sa.bindparam("new_delta_spent"),
        rho_spent=sa.bindparam("new_rho_spent"),
        release_count=sa.bindparam("new_release_count"),
        last_release_at=sa.bindparam("new_last_release_at"),
    )
)
INSERT_ENTRY = T.entries.insert()
NOTEBOOK_PREFIX = "notebook:"
SELECT_HEAD = sa.select(T.chain_head).where(T.chain_head.c.id == 1).with_for_update()
SELECT_BUDGET = sa.select(T.budgets).where(T.budgets.c.name == sa.bindparam("budget_name"))


def _budget_with_its_head() -> sa.Select[Any]:
    """A budget row, the newest entry of its chain (columns `head_*`) and the `prev_hash` of the
    entry after that one (`next_prev_hash`): all a write needs to check the chained totals, in one
    indexed query."""
    head = T.entries.alias("budget_head")
    after = T.entries.alias("after_head")
    # One backward step in ix_jp_entries_budget_head, whatever the planner estimates. Asked as
    # `budget_id = x ORDER BY id DESC`, PostgreSQL may walk the primary key back from the chain's
    # end through every newer entry of other budgets to reach a quiet budget's head. A range of one
    # value is no equality that makes the budget_id order redundant, so only that index has it.
    entry = T.entries.c
    newest = (
        sa.select(entry.id)
        .where(entry.budget_id >= T.budgets.c.id, entry.budget_id <= T.budgets.c.id)
        .order_by(entry.budget_id.desc(), entry.id.desc())
        .limit(1)
        .correlate(T.budgets)
        .scalar_subquery()
    )
    return (
        sa.select(
            T.budgets,
            *(column.label(f"head_{column.name}") for column in head.c),
            after.c.prev_hash.label("next_prev_hash"),
        )
        .select_from(
            T.budgets.outerjoin(head, head.c.id == newest).outerjoin(
                after, after.c.id == head.c.id + 1
            )
        )
        .where(T.budgets.c.name == sa.bindparam("budget_name"))
    )


SELECT_BUDGET_FOR_WRITE = _budget_with_its_head()


def newest_notebook_release(paths: list[str], dialect: str, entries: sa.Table) -> sa.Select[Any]:
    """The newest release (with its budget's name) whose origin is the notebook's, by one of `paths`."""
    entry = entries.c
    newest = (
        sa.select(sa.func.max(entry.id))
        .where(entry.kind == "release", notebook_origins(paths, dialect, entries))
        .scalar_subquery()
    )
    return (
        sa.select(entries, T.budgets.c.name)
        .join(T.budgets, T.budgets.c.id == entry.budget_id)
        .where(entry.id == newest)
    )


def notebook_origins(paths: list[str], dialect: str, entries: sa.Table) -> sa.ColumnElement[bool]:
    """Origins of the notebook at any of `paths`: `notebook:<path>` or `notebook:<path>#<cell>`.

    The `#<cell>` form is the range ["…#", "…$") ('$' follows '#'): exact and case-sensitive (SQLite's
    LIKE is not), with no wildcards to escape, and served by the origin index. PostgreSQL compares
    with the bytewise operators its text_pattern_ops index serves, whatever the collation.
    """
    greater_equal, less = ("~>=~", "~<~") if dialect == "postgresql" else (">=", "<")
    origin = entries.c.origin
    matches: list[sa.ColumnElement[bool]] = []
    for path in paths:
        base = NOTEBOOK_PREFIX + path
        matches.append(origin == base)
        matches.append(sa.and_(origin.op(greater_equal)(base + "#"), origin.op(less)(base + "$")))
    return sa.or_(*matches)
