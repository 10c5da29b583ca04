"""Spending: the atomic check-and-spend with replay, and reading releases back.

A spend runs the caller's computation inside the write transaction: if it raises, or the commit
fails, nothing is spent and nothing is returned. The check reads the budget's chained totals (the
head of its chain, see totals.py), never the mutable counter alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import access, chain, highrisk, schema
from jupyter_privacy.core.ledger.base import LedgerBase
from jupyter_privacy.core.ledger.composition import Spend, Usage, composition_rule, dec
from jupyter_privacy.core.ledger.models import Release
from jupyter_privacy.core.ledger.provenance import current_actor, current_origin
from jupyter_privacy.core.ledger.rows import release_from_row
from jupyter_privacy.core.ledger.statements import UPDATE_SPENT, newest_notebook_release
from jupyter_privacy.core.validation import check_delta, check_epsilon, check_rho

T = schema


class SpendingMixin(LedgerBase):
    @access.logs_refusals
    def spend(
        self,
        budget: str,
        epsilon: float,
        delta: float = 0.0,
        *,
        compute: Callable[[], Any] | None = None,
        value: Any = None,
        rho: float | None = None,
        mechanism: str = "",
        description: str = "",
        details: dict[str, Any] | None = None,
        replay_key: str | None = None,
        fresh: bool = False,
        origin: str | None = None,
        actor: str | None = None,
    ) -> Release:
        """Check the budget, run `compute` (or take `value`), record, commit — all or nothing.

        With a `replay_key` already recorded for this budget (and `fresh` False) the stored release
        comes back with `replayed=True`, `compute` is not called, and nothing is spent.
        """
        epsilon = check_epsilon(epsilon)
        delta = check_delta(delta)
        rho = check_rho(rho) if rho is not None else None
        if compute is not None and value is not None:
            raise InvalidParameterError("pass either compute= or value=, not both")
        if replay_key is not None and (not isinstance(replay_key, str) or not replay_key):
            raise InvalidParameterError("replay_key must be a non-empty string")
        plain_details = chain.to_jsonable(details or {})
        details_json = chain.encode(plain_details)
        with self._errors():
            if replay_key and not fresh:
                with self._engine.connect() as conn:
                    stored = self._find_replay(conn, budget, replay_key)
                if stored is not None:
                    return stored
            with self._write() as conn:
                head = self._lock_head(conn)
                row, totals = self._budget_for_write(conn, head, budget)
                if replay_key and not fresh:
                    stored = self._find_replay(conn, row.name, replay_key)
                    if stored is not None:
                        return stored
                audit = highrisk.check_spend(conn, row, epsilon=epsilon, delta=delta, origin=origin,
                                             description=description, details=details)  # fmt: skip
                if audit is not None:
                    plain_details = {**plain_details, highrisk.AUDIT_KEY: chain.to_jsonable(audit)}
                    details_json = chain.encode(plain_details)
                rule = composition_rule(totals.composition)
                spend = Spend(epsilon=epsilon, delta=delta, rho=rho)
                used = Usage(
                    dec(totals.epsilon_spent), dec(totals.delta_spent), dec(totals.rho_spent)
                )
                rule.check(row.name, (totals.epsilon_total, totals.delta_total), used, spend)
                charged_rho = rho
                if totals.composition == "zcdp":
                    charged_rho = rule.charged_rho(spend)  # type: ignore[attr-defined]
                released = compute() if compute is not None else value
                plain_value = chain.to_jsonable(released)  # what is stored is what is returned
                value_json = chain.encode(plain_value)
                now = chain.utc_now()
                entry_actor, entry_origin = actor or current_actor(), origin or current_origin()
                after = totals.after_release(epsilon, delta, charged_rho)
                entry_id = self._append(
                    conn, head, budget_id=row.id, kind="release", epsilon=epsilon, delta=delta,
                    rho=charged_rho, mechanism=mechanism, description=description,
                    actor=entry_actor, origin=entry_origin,
                    created_at=now, value_json=value_json, details_json=details_json,
                    replay_key=replay_key, totals=after,
                )  # fmt: skip
                conn.execute(
                    UPDATE_SPENT,
                    {
                        "budget_id": row.id,
                        "new_epsilon_spent": after.epsilon_spent,
                        "new_delta_spent": after.delta_spent,
                        "new_rho_spent": after.rho_spent,
                        "new_release_count": after.release_count,
                        "new_last_release_at": now,
                    },
                )
                return Release(
                    id=entry_id, budget=row.name, epsilon=epsilon, delta=delta, rho=charged_rho,
                    mechanism=mechanism, description=description, actor=entry_actor,
                    origin=entry_origin, created_at=now, value=plain_value,
                    details=plain_details, replay_key=replay_key,
                )  # fmt: skip

    def find_replay(self, budget: str, replay_key: str) -> Release | None:
        """The newest release of `budget` stored under `replay_key` (marked replayed), if any."""
        with self._errors(), self._engine.connect() as conn:
            return self._find_replay(conn, budget, replay_key)

    def history(
        self, name: str, *, limit: int | None = None, offset: int = 0, newest_first: bool = False
    ) -> list[Release]:
        """The budget's releases (not its create/raise events), oldest first unless asked."""
        with self._errors(), self._engine.connect() as conn:
            row = self._require_budget(conn, name)
            entries = self._entries
            order = entries.c.id.desc() if newest_first else entries.c.id
            query = (
                sa.select(entries)
                .where(entries.c.budget_id == row.id, entries.c.kind == "release")
                .order_by(order)
                .offset(offset)
            )
            if limit is not None:
                query = query.limit(limit)
            return [release_from_row(r, row.name) for r in conn.execute(query)]

    def last_release_from_notebook(self, *paths: str) -> Release | None:
        """The newest release spent from the notebook at any of `paths`, or None if it never spent.

        A release is the notebook's when its origin is `notebook:<path>` or `notebook:<path>#<cell>`.
        Paths compare exactly: give each spelling a kernel may have recorded (relative to the
        server root, absolute). One indexed query, however long the history.
        """
        wanted = [p for p in paths if isinstance(p, str) and p]
        if not wanted or len(wanted) != len(paths):
            raise InvalidParameterError("give the notebook's path, e.g. 'analysis/census.ipynb'")
        with self._errors(), self._engine.connect() as conn:
            query = newest_notebook_release(wanted, conn.dialect.name, self._entries)
            row = conn.execute(query).first()
            return None if row is None else release_from_row(row, row.name)

    def _find_replay(self, conn: Connection, budget: str, key: str) -> Release | None:
        """The newest release stored under `key` for this budget: keys are scoped per budget, so
        one key used on several budgets replays on each."""
        entries = self._entries
        query = (
            sa.select(entries, T.budgets.c.name)
            .join(T.budgets, T.budgets.c.id == entries.c.budget_id)
            .where(
                entries.c.replay_key == key,
                entries.c.kind == "release",
                T.budgets.c.name == self._checked_name(budget),
            )
            .order_by(entries.c.id.desc())
            .limit(1)
        )
        row = conn.execute(query).first()
        return None if row is None else release_from_row(row, row.name).as_replayed()
