"""Budgets: create, raise (an explicit, chained act with its reason) and read."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from jupyter_privacy.core.errors import DuplicateBudgetError, InvalidParameterError
from jupyter_privacy.core.ledger import access, chain, schema
from jupyter_privacy.core.ledger.base import LedgerBase
from jupyter_privacy.core.ledger.composition import composition_rule
from jupyter_privacy.core.ledger.models import Budget
from jupyter_privacy.core.ledger.provenance import current_actor
from jupyter_privacy.core.ledger.rows import budget_from_row, entry_dict
from jupyter_privacy.core.ledger.totals import Totals
from jupyter_privacy.core.validation import (
    check_budget_name,
    check_delta,
    check_epsilon,
    check_positive_int,
)

T = schema


class BudgetsMixin(LedgerBase):
    def create_budget(
        self,
        name: str,
        epsilon: float,
        delta: float = 0.0,
        *,
        composition: str = "basic",
        privacy_unit: str = "one row",
        max_contributions: int = 1,
        notes: str = "",
    ) -> Budget:
        name = check_budget_name(name)
        epsilon = check_epsilon(epsilon)
        delta = check_delta(delta)
        composition_rule(composition)
        max_contributions = check_positive_int(max_contributions, "max_contributions")
        if composition == "zcdp" and delta == 0:
            raise InvalidParameterError("a zcdp budget needs δ > 0 to state its (ε, δ) total")
        actor, now = current_actor(), chain.utc_now()
        with self._errors(), self._write() as conn:
            head = self._lock_head(conn)
            if self._budget_row(conn, name) is not None:
                raise DuplicateBudgetError(
                    f"budget '{name}' already exists; pick another name, or raise it with "
                    f"jupyter privacy budget raise {name} --epsilon <new total>",
                    budget=name,
                )
            budget_id = head.next_budget_id
            totals = Totals(composition=composition, epsilon_total=epsilon, delta_total=delta)
            conn.execute(
                T.budgets.insert().values(
                    id=budget_id, name=name, composition=composition, epsilon_total=epsilon,
                    delta_total=delta, privacy_unit=privacy_unit or "one row",
                    max_contributions=max_contributions, notes=notes or "", created_at=now,
                    created_by=actor, last_release_at=None, **totals.spent_columns(),
                )
            )  # fmt: skip
            access.on_budget_created(conn, budget_id)
            details = {
                "name": name, "composition": composition, "privacy_unit": privacy_unit or "one row",
                "max_contributions": max_contributions, "notes": notes or "",
            }  # fmt: skip
            self._append(
                conn, head, budget_id=budget_id, kind="create", epsilon=epsilon, delta=delta,
                description=f"budget created: {name}", actor=actor, created_at=now, details=details,
                next_budget_id=budget_id + 1, totals=totals,
            )  # fmt: skip
            return budget_from_row(self._budget_row(conn, name))

    @access.logs_refusals
    def raise_budget(
        self, name: str, *, epsilon: float | None = None, delta: float | None = None, reason: str
    ) -> Budget:
        """Raise a budget's totals: an explicit act recorded in the chain with its reason."""
        if not reason or not str(reason).strip():
            raise InvalidParameterError("raising a budget needs a reason (who approved it and why)")
        if epsilon is None and delta is None:
            raise InvalidParameterError("give a new total epsilon and/or delta to raise a budget")
        with self._errors(), self._write() as conn:
            head = self._lock_head(conn)
            row, totals = self._budget_for_write(conn, head, name)
            access.check_raise(conn, row)
            new_eps = check_epsilon(epsilon) if epsilon is not None else totals.epsilon_total
            new_delta = check_delta(delta) if delta is not None else totals.delta_total
            if new_eps < totals.epsilon_total or new_delta < totals.delta_total:
                raise InvalidParameterError(
                    f"a budget can only be raised: '{row.name}' has ε {totals.epsilon_total:g}, "
                    f"δ {totals.delta_total:g}; create a new budget for a smaller allowance"
                )
            conn.execute(
                T.budgets.update()
                .where(T.budgets.c.id == row.id)
                .values(epsilon_total=new_eps, delta_total=new_delta)
            )
            self._append(
                conn, head, budget_id=row.id, kind="raise", epsilon=new_eps, delta=new_delta,
                description=str(reason).strip(), actor=current_actor(), created_at=chain.utc_now(),
                details={"previous_epsilon": totals.epsilon_total,
                         "previous_delta": totals.delta_total},
                totals=totals.raised(new_eps, new_delta),
            )  # fmt: skip
            return budget_from_row(self._require_budget(conn, row.name))

    def budget(self, name: str) -> Budget:
        with self._errors(), self._engine.connect() as conn:
            return budget_from_row(self._require_budget(conn, name))

    def budgets(self) -> list[Budget]:
        with self._errors(), self._engine.connect() as conn:
            rows = conn.execute(sa.select(T.budgets).order_by(T.budgets.c.id)).fetchall()
            return [budget_from_row(row) for row in rows]

    def events(self, name: str) -> list[dict[str, Any]]:
        """Every chained entry of a budget (create, raise, release, event) as plain dicts."""
        with self._errors(), self._engine.connect() as conn:
            row = self._require_budget(conn, name)
            entries = self._entries
            rows = conn.execute(
                sa.select(entries).where(entries.c.budget_id == row.id).order_by(entries.c.id)
            )
            return [entry_dict(r) for r in rows]
