"""What the ledger hands back: plain frozen records that serialise to JSON for the CLI and REST API."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Budget:
    name: str
    epsilon_total: float
    delta_total: float
    composition: str
    privacy_unit: str
    max_contributions: int
    notes: str
    created_at: str
    created_by: str
    epsilon_spent: float
    delta_spent: float
    rho_spent: float
    release_count: int
    last_release_at: str | None

    @property
    def epsilon_remaining(self) -> float:
        return max(self.epsilon_total - self.epsilon_spent, 0.0)

    @property
    def delta_remaining(self) -> float:
        return max(self.delta_total - self.delta_spent, 0.0)

    @property
    def fraction_spent(self) -> float:
        return min(self.epsilon_spent / self.epsilon_total, 1.0) if self.epsilon_total else 1.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            epsilon_remaining=self.epsilon_remaining,
            delta_remaining=self.delta_remaining,
            fraction_spent=self.fraction_spent,
        )
        return data


@dataclass(frozen=True)
class Release:
    """One recorded spend. `replayed` is True when a stored release was returned instead of a new one."""

    id: int
    budget: str
    epsilon: float
    delta: float
    rho: float | None
    mechanism: str
    description: str
    actor: str
    origin: str
    created_at: str
    value: Any
    details: dict[str, Any] = field(default_factory=dict)
    replay_key: str | None = None
    replayed: bool = False

    def as_replayed(self) -> Release:
        return replace(self, replayed=True)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Problem:
    entry_id: int | None
    problem: str
    detail: str


@dataclass(frozen=True)
class VerificationReport:
    ok: bool
    entries_checked: int
    budgets_checked: int
    problems: tuple[Problem, ...]
    #: The anchor the ledger was checked against (`verify(anchor=…)`), if any.
    anchor: dict[str, Any] | None = None

    @property
    def tampered_ids(self) -> list[int]:
        return sorted({p.entry_id for p in self.problems if p.entry_id is not None})

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries_checked": self.entries_checked,
            "budgets_checked": self.budgets_checked,
            "tampered_entry_ids": self.tampered_ids,
            "problems": [asdict(p) for p in self.problems],
            **({"anchor": self.anchor} if self.anchor is not None else {}),
        }


@dataclass(frozen=True)
class LedgerCopy:
    """What `Ledger.copy_to` wrote into the target."""

    budgets: int
    entries: int
    head_hash: str
