"""A budget's running totals, chained into its entries so spending never rests on a mutable counter.

Every entry of a budget (schema 2) stores, in `totals_json`, what the budget allows and has spent
after that entry: composition, ε/δ totals, ε/δ/ρ spent (exact decimal text) and the release count.
The entry's hash covers it. A write reads the head of the budget's chain (its newest entry), checks
that entry's hash and its place in the chain, and refuses with "ledger tampered" when the cached
`jp_budgets` row disagrees with it. `verify()` recomputes every total from the releases.
"""

from __future__ import annotations

import json
import math
from typing import Any, NamedTuple

from jupyter_privacy.core.errors import LedgerIntegrityError
from jupyter_privacy.core.ledger import chain, schema
from jupyter_privacy.core.ledger.composition import add, dec

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False)


class Totals(NamedTuple):
    """What a budget allows and has spent; the spent amounts are exact decimal text.

    A NamedTuple rather than a frozen dataclass: two are built on every spend.
    """

    composition: str
    epsilon_total: float
    delta_total: float
    epsilon_spent: str = "0"
    delta_spent: str = "0"
    rho_spent: str = "0"
    release_count: int = 0

    @classmethod
    def of_budget_row(cls, row: Any) -> Totals:
        """The totals a cached `jp_budgets` row claims (unchecked: see `well_formed`)."""
        return cls(
            row.composition, row.epsilon_total, row.delta_total, row.epsilon_spent,
            row.delta_spent, row.rho_spent, row.release_count,
        )  # fmt: skip

    def to_json(self) -> str:
        return _ENCODER.encode(self._asdict())

    def after_release(self, epsilon: float, delta: float, rho: float | None) -> Totals:
        """The totals once a release of (ε, δ, ρ) is added: the same sums `verify()` replays."""
        return self._replace(
            epsilon_spent=str(add(dec(self.epsilon_spent), dec(epsilon))),
            delta_spent=str(add(dec(self.delta_spent), dec(delta))),
            rho_spent=str(add(dec(self.rho_spent), dec(rho or 0.0))),
            release_count=self.release_count + 1,
        )

    def raised(self, epsilon_total: float, delta_total: float) -> Totals:
        return self._replace(epsilon_total=epsilon_total, delta_total=delta_total)

    def well_formed(self) -> bool:
        """Whether every field has the type and shape the kit writes (finite amounts)."""
        try:
            spent = (dec(self.epsilon_spent), dec(self.delta_spent), dec(self.rho_spent))
        except (TypeError, ValueError, ArithmeticError):
            return False
        eps, delta, count = self.epsilon_total, self.delta_total, self.release_count
        return (
            type(self.composition) is str
            and type(eps) is float
            and type(delta) is float
            and math.isfinite(eps)
            and math.isfinite(delta)
            and type(count) is int
            and spent[0].is_finite()
            and spent[1].is_finite()
            and spent[2].is_finite()
        )

    def spent_columns(self) -> dict[str, Any]:
        """The cached `jp_budgets` columns these totals set."""
        return {
            "epsilon_spent": self.epsilon_spent,
            "delta_spent": self.delta_spent,
            "rho_spent": self.rho_spent,
            "release_count": self.release_count,
        }


def _encoded(totals: Totals) -> str | None:
    """`totals` encoded like an entry's, or None when a value cannot be (bytes, NaN)."""
    try:
        return totals.to_json()
    except (TypeError, ValueError):
        return None


def parse_totals(text: Any) -> Totals | None:
    """An entry's `totals_json` read back, or None when it is missing or malformed."""
    if not isinstance(text, str):
        return None
    try:
        totals = Totals(**json.loads(text))
    except (TypeError, ValueError):
        return None
    return totals if totals.well_formed() else None


#: The labels under which a budget's newest entry is selected (statements.SELECT_BUDGET_FOR_WRITE).
_HEAD_COLUMNS = [(f"head_{name}", name) for name in schema.entries.c.keys()]  # noqa: SIM118


def head_totals(row: Any, chain_head: Any, display_url: str) -> Totals:
    """The totals at the head of the budget's chain, after checking the cached row agrees.

    `row` is a budgets row joined with its newest entry (columns `head_*`) and the `prev_hash`
    of the entry after it (`next_prev_hash`, None when the budget's head is the chain's head).
    Raises LedgerIntegrityError ("ledger tampered") on any disagreement; nothing is spent then.
    """
    mapping = row._mapping
    head = {name: mapping[label] for label, name in _HEAD_COLUMNS}
    name = row.name
    if head.get("id") is None:
        raise _tampered(
            display_url, name, "it has no entries in the chain (its creation was deleted)"
        )
    if head.get("totals_json") is None:
        raise _tampered(
            display_url, name,
            f"its newest entry ({head['id']}) carries no chained totals: it was written by an "
            "older jupyter-privacy after the upgrade (upgrade every kernel) or edited",
        )  # fmt: skip
    if not chain.hash_matches(head):
        raise _tampered(display_url, name, f"its newest entry ({head['id']}) was edited")
    follows = (
        chain_head.head_hash == head["hash"]
        if chain_head.head_id == head["id"]
        else row.next_prev_hash == head["hash"]
    )
    if not follows:
        raise _tampered(
            display_url, name, f"its newest entry ({head['id']}) no longer fits in the chain"
        )
    totals = Totals.of_budget_row(row)
    if _encoded(totals) != head["totals_json"]:
        raise _tampered(
            display_url, name,
            "its cached totals in jp_budgets (ε/δ/ρ spent, release count, totals allowed or "
            f"composition) differ from the totals chained in entry {head['id']}",
        )  # fmt: skip
    if not totals.well_formed():
        raise _tampered(display_url, name, f"entry {head['id']} chains malformed totals")
    return totals


def _tampered(display_url: str, budget: str, why: str) -> LedgerIntegrityError:
    return LedgerIntegrityError(
        f"ledger tampered: budget '{budget}' in {display_url} does not match its hash chain "
        f"({why}). Nothing was spent. Run `jupyter privacy ledger verify` to list every problem, "
        "then restore the ledger from a backup",
        budget=budget,
    )
