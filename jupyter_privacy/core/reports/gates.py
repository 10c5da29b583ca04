"""Release gates beyond the probe: ε within target, ledger untampered, checklist answered.

`collect_gates` is what `jupyter privacy check` and the pilot run: every gate gives a verdict with
a reason, and the caller fails the build when any verdict fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jupyter_privacy.core.ledger import Budget, Ledger
from jupyter_privacy.core.probes.gate import ProbeLimit, probe_gate
from jupyter_privacy.core.probes.leakage import LeakageReport, leakage_gate, unmeasured_gate
from jupyter_privacy.core.probes.report import ProbeReport
from jupyter_privacy.core.reports.threat_model import ThreatModel
from jupyter_privacy.core.reports.verdict import GateResult


def epsilon_gate(budget: Budget, maximum: float) -> GateResult:
    spent = budget.epsilon_spent
    passed = spent <= maximum
    verb = "within" if passed else "above"
    return GateResult(
        f"epsilon[{budget.name}]", passed, spent, maximum,
        f"budget '{budget.name}' has spent ε {spent:.4g}, {verb} the target {maximum:g} "
        f"({budget.composition} composition over {budget.release_count} releases; privacy unit: "
        f"{budget.privacy_unit})",
    )  # fmt: skip


def ledger_gate(ledger: Ledger) -> GateResult:
    report = ledger.verify()
    if report.ok:
        return GateResult("ledger_integrity", True, report.entries_checked, "untampered",
                          f"hash chain verified over {report.entries_checked} entries")  # fmt: skip
    first = report.problems[0]
    return GateResult(
        "ledger_integrity", False, len(report.problems), "untampered",
        f"ledger tampered: {len(report.problems)} problem(s), first: {first.problem} "
        f"({first.detail}); run  jupyter privacy ledger verify  for the full list",
    )  # fmt: skip


def checklist_gate(status: dict[str, Any]) -> GateResult:
    open_items = status["summary"]["open_binding"]
    markets = ", ".join(m["code"] for m in status["markets"])
    if not open_items:
        return GateResult("checklist", True, 0, 0,
                          f"every binding checklist item for {markets} is answered")  # fmt: skip
    shown = ", ".join(open_items[:5]) + (" …" if len(open_items) > 5 else "")
    return GateResult(
        "checklist", False, len(open_items), 0,
        f"{len(open_items)} binding checklist item(s) for {markets} still open: {shown}; mark them "
        "done or n/a in the answers file",
    )  # fmt: skip


def utility_gate(name: str, minimum: float, measured: dict[str, float]) -> GateResult:
    if name not in measured:
        return GateResult(
            f"utility[{name}]", False, None, minimum,
            f"no measured value for '{name}': pass it (CLI: --metric '{name}=VALUE'; card: a "
            f"metric of type '{name}') so the threat model's utility criterion can be checked",
        )  # fmt: skip
    value = measured[name]
    passed = value >= minimum
    verb = "meets" if passed else "is below"
    return GateResult(f"utility[{name}]", passed, value, minimum,
                      f"{name} {value:g} {verb} the minimum {minimum:g}")  # fmt: skip


def collect_gates(
    *,
    ledger: Ledger | None = None,
    budgets: Sequence[str] = (),
    max_epsilon: float | None = None,
    probe_reports: Sequence[ProbeReport | LeakageReport] = (),
    probe_limits: Sequence[ProbeLimit] = (),
    threat_model: ThreatModel | None = None,
    checklist_status: dict[str, Any] | None = None,
    metrics: dict[str, float] | None = None,
    leakage_limits: Mapping[str, float] | None = None,
) -> list[GateResult]:
    """Every applicable gate; thresholds from the threat model add to those given directly.

    `probe_reports` may mix membership reports and attribute-inference / inversion reports
    (`leakage_limits` by metric). A threat-model limit on attribute inference or inversion with no
    report to read fails as unmeasured; limits given directly gate only the reports there are.
    """
    limits = list(probe_limits)
    results: list[GateResult] = []
    if threat_model is not None:
        limits += threat_model.probe_limits()
        tm_max = threat_model.max_epsilon()
        if tm_max is not None:
            max_epsilon = tm_max if max_epsilon is None else min(max_epsilon, tm_max)
    if ledger is not None:
        results.append(ledger_gate(ledger))
        if max_epsilon is not None:
            chosen = [ledger.budget(n) for n in budgets] if budgets else ledger.budgets()
            results += [epsilon_gate(b, max_epsilon) for b in chosen]
            if not chosen:
                results.append(GateResult("epsilon", False, None, max_epsilon,
                                          "the ledger has no budgets to check against the ε target"))  # fmt: skip
    leakage = [r for r in probe_reports if isinstance(r, LeakageReport)]
    for report in probe_reports:
        if not isinstance(report, LeakageReport):
            results += probe_gate(report, limits)
    results += _leakage_gates(leakage, leakage_limits or {}, threat_model)
    if threat_model is not None:
        measured = metrics or {}
        results += [utility_gate(name, minimum, measured)
                    for name, minimum in threat_model.utility_minimums().items()]  # fmt: skip
    if checklist_status is not None:
        results.append(checklist_gate(checklist_status))
    return results


def _leakage_gates(
    reports: Sequence[LeakageReport], given: Mapping[str, float], threat_model: ThreatModel | None
) -> list[GateResult]:
    required = threat_model.leakage_limits() if threat_model is not None else {}
    limits = dict(given)
    for metric, maximum in required.items():
        limits[metric] = min(maximum, limits.get(metric, maximum))
    results = [leakage_gate(r, limits[r.metric]) for r in reports if r.metric in limits]
    measured = {r.metric for r in reports}
    results += [unmeasured_gate(metric, maximum) for metric, maximum in required.items()
                if metric not in measured]  # fmt: skip
    return results
