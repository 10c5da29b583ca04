"""Recompute the hash chain, every budget's running totals and its cached row; report each
discrepancy by entry id, one problem per line, and never crash on a malformed stored value.

What is detected: an edited entry (its hash no longer matches its fields, or a field holds a value
the kit never writes), a deleted or reordered entry (the next entry's `prev_hash` no longer
matches), entries removed from the end (the chain head disagrees), chained totals that differ from
the sum of the releases before them, and budget rows edited behind the log's back. A rewrite of the
whole chain is consistent by construction: only an anchor kept elsewhere shows it (anchor.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.ledger import chain, schema
from jupyter_privacy.core.ledger.anchor import Anchor, anchor_problems
from jupyter_privacy.core.ledger.composition import dec
from jupyter_privacy.core.ledger.events import EVENT_KIND, LEDGER_WIDE
from jupyter_privacy.core.ledger.models import Problem, VerificationReport
from jupyter_privacy.core.ledger.rows import BUDGET_CHECKS, ENTRY_CHECKS, malformed_fields
from jupyter_privacy.core.ledger.totals import Totals, parse_totals

T = schema
#: Fields an entry must hold well-formed for its amounts to be added up.
_AMOUNT_FIELDS = {"budget_id", "kind", "epsilon", "delta", "rho", "details_json"}


@dataclass
class _Running:
    """A budget's totals recomputed from all its entries so far (`raw`), and the totals its
    newest entry carrying them chained (`chained`)."""

    created: dict[str, Any] | None = None
    raw: Totals | None = None
    chained: Totals | None = None
    seen_chained: bool = False  # an entry of this budget carried totals: every later one must


def _apply(totals: Totals | None, row: Any, created: dict[str, Any] | None) -> Totals | None:
    """`totals` after the entry `row` (the same arithmetic as a spend)."""
    if row.kind == "create":
        composition = str((created or {}).get("composition", ""))
        return Totals(composition=composition, epsilon_total=row.epsilon, delta_total=row.delta)
    if totals is None:
        return None
    if row.kind == "raise":
        return totals.raised(row.epsilon, row.delta)
    if row.kind == "release":
        return totals.after_release(row.epsilon, row.delta, row.rho)
    return totals


def _differences(stated: Totals, expected: Totals) -> list[str]:
    checks = [
        ("composition", stated.composition == expected.composition),
        ("epsilon_total", stated.epsilon_total == expected.epsilon_total),
        ("delta_total", stated.delta_total == expected.delta_total),
        ("epsilon_spent", dec(stated.epsilon_spent) == dec(expected.epsilon_spent)),
        ("delta_spent", dec(stated.delta_spent) == dec(expected.delta_spent)),
        ("rho_spent", dec(stated.rho_spent) == dec(expected.rho_spent)),
        ("release_count", stated.release_count == expected.release_count),
    ]
    return [name for name, same in checks if not same]


def verify_ledger(
    conn: Connection, entries: sa.Table = T.entries, anchor: Anchor | None = None
) -> VerificationReport:
    problems: list[Problem] = []
    expected_prev = T.GENESIS_HASH
    last_id = 0
    running: dict[Any, _Running] = {}
    count = 0
    anchored_hash: Any = None
    for row in conn.execute(sa.select(entries).order_by(entries.c.id)):
        count += 1
        fields = row._asdict()
        bad = malformed_fields(fields, ENTRY_CHECKS)
        if bad or not chain.hash_matches(fields):
            malformed = f"; malformed {', '.join(bad)}" if bad else ""
            problems.append(
                Problem(row.id, "edited", f"fields do not match the entry's hash{malformed}")
            )
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
        if not _AMOUNT_FIELDS.intersection(bad):
            _accumulate(running, row, fields.get("totals_json"), problems)
        if anchor is not None and row.id == anchor.entries:
            anchored_hash = row.hash
        expected_prev, last_id = row.hash, row.id
    head = conn.execute(sa.select(T.chain_head).where(T.chain_head.c.id == 1)).first()
    if head is None or head.head_id != last_id or head.head_hash != expected_prev:
        head_id = head.head_id if head is not None and isinstance(head.head_id, int) else None
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
        problems.extend(_check_budget(budget, running.pop(budget.id, None)))
    running.pop(LEDGER_WIDE, None)
    for orphan_id in running:
        problems.append(
            Problem(None, "budget_missing", f"entries refer to budget id {orphan_id!r}, now gone")
        )
    if anchor is not None:
        problems.extend(anchor_problems(anchor, anchored_hash, last_id))
    return VerificationReport(
        ok=not problems,
        entries_checked=count,
        budgets_checked=len(budget_rows),
        problems=tuple(problems),
        anchor=anchor.to_dict() if anchor is not None else None,
    )


def _accumulate(
    running: dict[Any, _Running], row: Any, totals_json: Any, problems: list[Problem]
) -> None:
    """Add the entry to its budget's recomputed totals and check the totals it carries: the first
    chained entry against the recomputation, each later one against the previous chained totals
    plus this entry, so an edit is reported where it happened rather than on every later entry."""
    if row.kind not in ("create", "raise", "release", EVENT_KIND):
        problems.append(Problem(row.id, "unknown_kind", f"unknown entry kind {row.kind!r}"))
        return
    state = running.setdefault(row.budget_id, _Running())
    if row.kind == "create":
        state.created = chain.loads(row.details_json)
    state.raw = _apply(state.raw, row, state.created)
    if row.budget_id == LEDGER_WIDE:
        return
    if totals_json is None:
        if state.seen_chained:
            problems.append(
                Problem(row.id, "totals_missing", "this budget's entries carry chained totals "
                        "but this one does not (written by an older kit, or edited)")
            )  # fmt: skip
        return
    stated = parse_totals(totals_json)
    expected = _apply(state.chained, row, state.created) if state.seen_chained else state.raw
    state.seen_chained = True
    if stated is None or expected is None:
        differences = ["totals_json"]
    else:
        differences = _differences(stated, expected)
    if differences:
        problems.append(
            Problem(row.id, "totals_mismatch", "the chained totals differ from the budget's "
                    f"totals before it plus this entry ({', '.join(differences)})")
        )  # fmt: skip
    state.chained = stated or expected


def _check_budget(budget: Any, state: _Running | None) -> list[Problem]:
    name = budget.name if isinstance(budget.name, str) else f"id {budget.id!r}"
    bad = malformed_fields(budget, BUDGET_CHECKS)
    found: list[str] = []
    if bad:
        found.append(f"malformed {', '.join(bad)} (edited outside jupyter-privacy)")
    if state is None or state.created is None or state.raw is None:
        return [Problem(None, "budget_unrecorded", f"budget '{name}' has no creation entry")] + [
            Problem(None, "budget_mismatch", f"budget '{name}': {text}") for text in found
        ]
    created, raw = state.created, state.raw
    if created.get("name") != budget.name:
        found.append("name differs from its creation entry")
    for key in ("composition", "privacy_unit", "max_contributions"):
        if key not in bad and created.get(key) != getattr(budget, key):
            found.append(f"{key} differs from its creation entry")
    if {"epsilon_total", "delta_total"}.isdisjoint(bad) and (
        budget.epsilon_total != raw.epsilon_total or budget.delta_total != raw.delta_total
    ):
        found.append("totals differ from its create/raise entries")
    if {"epsilon_spent", "delta_spent", "rho_spent", "release_count"}.isdisjoint(bad) and (
        dec(budget.epsilon_spent) != dec(raw.epsilon_spent)
        or dec(budget.delta_spent) != dec(raw.delta_spent)
        or dec(budget.rho_spent) != dec(raw.rho_spent)
        or budget.release_count != raw.release_count
    ):
        found.append("spent amounts differ from the sum of its releases")
    return [Problem(None, "budget_mismatch", f"budget '{name}': {text}") for text in found]
