"""Probe gates: fail when the attack does better than the threat model allows.

Three checks: TPR at a chosen FPR, AUC, and (when the model claims (ε, δ)) that the empirical ε lower
bound stays under the claim. An FPR too small to measure with the non-members at hand fails with a
message saying how many are needed, rather than passing on a figure read at FPR 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.probes.report import ProbeReport, fpr_key
from jupyter_privacy.core.reports.verdict import GateResult


@dataclass(frozen=True)
class ProbeLimit:
    """A measurable threshold: `metric` ∈ {tpr_at_fpr, auc}; `fpr` for TPR limits."""

    metric: str
    maximum: float
    fpr: float | None = None

    def __post_init__(self) -> None:
        if self.metric not in ("tpr_at_fpr", "auc", "advantage"):
            raise InvalidParameterError(
                f"unknown probe metric {self.metric!r}; use tpr_at_fpr, auc or advantage"
            )
        if not 0 <= self.maximum <= 1 or math.isnan(self.maximum):
            raise InvalidParameterError(
                f"{self.metric} limit must be in [0, 1], got {self.maximum}"
            )
        if self.metric == "tpr_at_fpr" and (self.fpr is None or not 0 < self.fpr < 1):
            raise InvalidParameterError(f"a TPR limit needs an FPR in (0, 1), got {self.fpr}")


_TPR_AT_FPR = re.compile(r"^\s*([0-9.]+)(%?)\s*@\s*([0-9.]+)(%?)\s*$")


def parse_tpr_at_fpr(text: str) -> ProbeLimit:
    """'0.01@0.001' or '1%@0.1%' → TPR ≤ 1% at FPR 0.1%."""
    match = _TPR_AT_FPR.match(text)
    if not match:
        raise InvalidParameterError(
            f"cannot read {text!r}; write the limit as TPR@FPR, e.g. 0.01@0.001 or 1%@0.1%"
        )
    try:
        tpr = float(match[1]) / (100 if match[2] else 1)
        fpr = float(match[3]) / (100 if match[4] else 1)
    except ValueError:
        raise InvalidParameterError(f"cannot read numbers in {text!r}") from None
    return ProbeLimit("tpr_at_fpr", tpr, fpr)


def probe_gate(report: ProbeReport, limits: Iterable[ProbeLimit]) -> list[GateResult]:
    """One verdict per limit, plus the ε-claim check when the report carries a claim."""
    results = []
    for limit in limits:
        if limit.metric == "auc":
            results.append(_auc_result(report, limit.maximum))
        elif limit.metric == "advantage":
            results.append(_advantage_result(report, limit.maximum))
        else:
            assert limit.fpr is not None
            results.append(_tpr_result(report, limit.fpr, limit.maximum))
    if report.ceiling is not None:
        results.append(_claim_result(report))
    return results


def _auc_result(report: ProbeReport, maximum: float) -> GateResult:
    passed = report.auc <= maximum
    verb = "within" if passed else "above"
    return GateResult(
        "mia_auc", passed, round(report.auc, 4), maximum,
        f"attack AUC {report.auc:.3f} is {verb} the limit {maximum:g} ({report.attack})",
    )  # fmt: skip


def _advantage_result(report: ProbeReport, maximum: float) -> GateResult:
    passed = report.advantage <= maximum
    verb = "within" if passed else "above"
    return GateResult(
        "mia_advantage", passed, round(report.advantage, 4), maximum,
        f"attacker advantage {report.advantage:.3f} is {verb} the limit {maximum:g} ({report.attack})",
    )  # fmt: skip


def _tpr_result(report: ProbeReport, fpr: float, maximum: float) -> GateResult:
    name = f"mia_tpr_at_fpr@{fpr_key(fpr)}"
    needed = math.ceil(1 / fpr)
    if report.n_non_members < needed:
        return GateResult(
            name, False, None, maximum,
            f"cannot measure TPR at FPR {fpr_key(fpr)} with {report.n_non_members} non-members; "
            f"probe with at least {needed} non-members or gate at a larger FPR",
        )  # fmt: skip
    entry = report.tpr_at(fpr)
    passed = entry.tpr <= maximum
    verb = "within" if passed else "above"
    return GateResult(
        name, passed, round(entry.tpr, 6), maximum,
        f"TPR {entry.tpr:.4f} at FPR {fpr_key(fpr)} is {verb} the limit {maximum:g} "
        f"({report.attack}, {report.n_members} members / {report.n_non_members} non-members)",
    )  # fmt: skip


def _claim_result(report: ProbeReport) -> GateResult:
    assert report.ceiling is not None
    claimed = report.ceiling["epsilon"]
    bound = report.empirical_epsilon
    passed = bound["lower"] <= claimed
    if passed:
        reason = (f"empirical ε lower bound {bound['lower']:.4g} ({bound['confidence']:.0%} "
                  f"confidence) is consistent with the claimed ε {claimed:g}")  # fmt: skip
    else:
        reason = (f"empirical ε lower bound {bound['lower']:.4g} exceeds the claimed ε {claimed:g}: "
                  "the DP guarantee or its accounting is wrong; do not release")  # fmt: skip
    return GateResult("dp_claim_consistent", passed, round(bound["lower"], 4), claimed, reason)
