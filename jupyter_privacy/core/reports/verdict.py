"""One gate's verdict, shared by probe gates, budget gates and checklist gates (and the CLI's check)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: Probe figures (AUC, TPR, advantages, similarities) are computed exactly on private rows: the audit
#: needs them, and no DP mechanism produced them. Every report and card that shows them says so.
AUDIT_EXCEPTION = (
    "probe figures are exact statistics on the private training members and non-members, released "
    "as an audit exception: no DP mechanism produced them and the (ε, δ) guarantee does not cover them"
)


@dataclass(frozen=True)
class GateResult:
    gate: str  # e.g. "mia_tpr_at_fpr@0.1%"
    passed: bool
    observed: Any
    threshold: Any
    reason: str  # a sentence a reviewer can act on, for passes as well as failures

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.gate}: {self.reason}"
