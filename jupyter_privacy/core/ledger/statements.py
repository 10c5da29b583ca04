"""Statements prepared once (bound parameters hit SQLAlchemy's compiled cache on every spend) and
row helpers shared by the ledger and its migration."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from jupyter_privacy.core.ledger import schema
from jupyter_privacy.core.ledger.composition import ZERO, Usage, composition_rule, dec
from jupyter_privacy.core.ledger.models import Budget

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
NOTEBOOK_PREFIX = "notebook:"
SELECT_HEAD = sa.select(T.chain_head).where(T.chain_head.c.id == 1).with_for_update()
SELECT_BUDGET = sa.select(T.budgets).where(T.budgets.c.name == sa.bindparam("budget_name"))


def newest_notebook_release(paths: list[str], dialect: str) -> sa.Select[Any]:
    """The newest release (with its budget's name) whose origin is the notebook's, by one of `paths`."""
    entry = T.entries.c
    newest = (
        sa.select(sa.func.max(entry.id))
        .where(entry.kind == "release", notebook_origins(paths, dialect))
        .scalar_subquery()
    )
    return (
        sa.select(T.entries, T.budgets.c.name)
        .join(T.budgets, T.budgets.c.id == entry.budget_id)
        .where(entry.id == newest)
    )


def notebook_origins(paths: list[str], dialect: str) -> sa.ColumnElement[bool]:
    """Origins of the notebook at any of `paths`: `notebook:<path>` or `notebook:<path>#<cell>`.

    The `#<cell>` form is the range ["…#", "…$") ('$' follows '#'): exact and case-sensitive (SQLite's
    LIKE is not), with no wildcards to escape, and served by the origin index. PostgreSQL compares
    with the bytewise operators its text_pattern_ops index serves, whatever the collation.
    """
    greater_equal, less = ("~>=~", "~<~") if dialect == "postgresql" else (">=", "<")
    origin = T.entries.c.origin
    matches: list[sa.ColumnElement[bool]] = []
    for path in paths:
        base = NOTEBOOK_PREFIX + path
        matches.append(origin == base)
        matches.append(sa.and_(origin.op(greater_equal)(base + "#"), origin.op(less)(base + "$")))
    return sa.or_(*matches)


def usage_of(row: Any) -> Usage:
    return Usage(
        epsilon=dec(row.epsilon_spent) if row.epsilon_spent else ZERO,
        delta=dec(row.delta_spent) if row.delta_spent else ZERO,
        rho=dec(row.rho_spent) if row.rho_spent else ZERO,
    )


def entry_dict(row: Any) -> dict[str, Any]:
    data = {c: getattr(row, c) for c in T.entries.c.keys()}  # noqa: SIM118
    data["value"] = json.loads(data.pop("value_json"))
    data["details"] = json.loads(data.pop("details_json"))
    return data


def budget_from_row(row: Any) -> Budget:
    """A budgets row with its spent ε/δ worked out by the budget's composition rule."""
    rule = composition_rule(row.composition)
    eps_spent, delta_spent = rule.spent((row.epsilon_total, row.delta_total), usage_of(row))
    return Budget(
        name=row.name, epsilon_total=row.epsilon_total, delta_total=row.delta_total,
        composition=row.composition, privacy_unit=row.privacy_unit,
        max_contributions=row.max_contributions, notes=row.notes, created_at=row.created_at,
        created_by=row.created_by, epsilon_spent=eps_spent, delta_spent=delta_spent,
        rho_spent=float(dec(row.rho_spent)), release_count=row.release_count,
        last_release_at=row.last_release_at,
    )  # fmt: skip
