"""Recompute the hash chain and every budget's cached totals; report each discrepancy by entry id.

What is detected: an edited entry (its hash no longer matches its fields), a deleted or reordered
entry (the next entry's `prev_hash` no longer matches), entries removed from the end (the chain head
disagrees), and budget rows edited behind the log's back (totals or spent amounts disagree).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.ledger import chain, schema
from jupyter_privacy.core.ledger.composition import ZERO, add, dec
from jupyter_privacy.core.ledger.events import EVENT_KIND, LEDGER_WIDE
from jupyter_privacy.core.ledger.models import Problem, VerificationReport

T = schema


def verify_ledger(conn: Connection) -> VerificationReport:
    problems: list[Problem] = []
    expected_prev = T.GENESIS_HASH
    last_id = 0
    totals: dict[int, dict[str, Any]] = {}
    count = 0
    for row in conn.execute(sa.select(T.entries).order_by(T.entries.c.id)):
        count += 1
        fields = row._asdict()
        if chain.entry_hash(fields) != row.hash:
            problems.append(Problem(row.id, "edited", "fields do not match the entry's hash"))
        if row.prev_hash != expected_prev:
            problems.append(
                Problem(
                    row.id,
                    "chain_broken",
                    f"entry {row.id} does not follow entry {last_id}: an entry before it was "
                    "deleted, inserted or the entries were reordered",
                )
            )
        if row.id != last_id + 1:
            problems.append(
                Problem(row.id, "missing_entries", f"ids {last_id + 1}..{row.id - 1} are missing")
            )
        _accumulate(totals, row, problems)
        expected_prev, last_id = row.hash, row.id
    head = conn.execute(sa.select(T.chain_head).where(T.chain_head.c.id == 1)).first()
    if head is None or head.head_id != last_id or head.head_hash != expected_prev:
        head_id = head.head_id if head is not None else None
        problems.append(
            Problem(
                head_id,
                "head_mismatch",
                f"the chain head records entry {head_id} but the log ends at entry {last_id}: "
                "entries were removed from the end or the head was edited",
            )
        )
    budget_rows = conn.execute(sa.select(T.budgets)).fetchall()
    for budget in budget_rows:
        problems.extend(_check_budget(budget, totals.pop(budget.id, None)))
    totals.pop(LEDGER_WIDE, None)
    for orphan_id in totals:
        problems.append(
            Problem(None, "budget_missing", f"entries refer to budget id {orphan_id}, now gone")
        )
    return VerificationReport(
        ok=not problems,
        entries_checked=count,
        budgets_checked=len(budget_rows),
        problems=tuple(problems),
    )


def _accumulate(totals: dict[int, dict[str, Any]], row: Any, problems: list[Problem]) -> None:
    state = totals.setdefault(
        row.budget_id,
        {"created": None, "epsilon_total": None, "delta_total": None, "eps": ZERO,
         "delta": ZERO, "rho": ZERO, "count": 0},
    )  # fmt: skip
    if row.kind == "create":
        try:
            state["created"] = json.loads(row.details_json)
        except ValueError:
            state["created"] = {}
        state["epsilon_total"], state["delta_total"] = row.epsilon, row.delta
    elif row.kind == "raise":
        state["epsilon_total"], state["delta_total"] = row.epsilon, row.delta
    elif row.kind == EVENT_KIND:
        pass  # audit events change no budget's totals
    elif row.kind == "release":
        state["eps"] = add(state["eps"], dec(row.epsilon))
        state["delta"] = add(state["delta"], dec(row.delta))
        state["rho"] = add(state["rho"], dec(row.rho or 0.0))
        state["count"] += 1
    else:
        problems.append(Problem(row.id, "unknown_kind", f"unknown entry kind {row.kind!r}"))


def _check_budget(budget: Any, state: dict[str, Any] | None) -> list[Problem]:
    name = budget.name
    if state is None or state["created"] is None:
        return [Problem(None, "budget_unrecorded", f"budget '{name}' has no creation entry")]
    found: list[str] = []
    created = state["created"]
    if created.get("name") != name:
        found.append(f"name differs from its creation entry ({created.get('name')!r})")
    for key in ("composition", "privacy_unit", "max_contributions"):
        if created.get(key) != getattr(budget, key):
            found.append(f"{key} differs from its creation entry")
    if budget.epsilon_total != state["epsilon_total"] or budget.delta_total != state["delta_total"]:
        found.append("totals differ from its create/raise entries")
    if (
        dec(budget.epsilon_spent) != state["eps"]
        or dec(budget.delta_spent) != state["delta"]
        or dec(budget.rho_spent) != state["rho"]
        or budget.release_count != state["count"]
    ):
        found.append("spent amounts differ from the sum of its releases")
    return [Problem(None, "budget_mismatch", f"budget '{name}': {text}") for text in found]
