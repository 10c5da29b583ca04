"""`jupyter privacy policy check`: the policy against the checklists, the ε budget and the ledger.

Fails (a gate) when the policy enables what a *binding* checklist item prohibits in a market, allows
a conditioned category or practice without recording how the condition is met, cites an item the
checklist does not have, sets an ε or δ cap above its own privacy budget, keeps records shorter
than a binding minimum, leaves a use case its data or features imply undeclared, allows a high-risk
practice without its own lane budget, or governs a ledger budget whose total exceeds a market cap.
The same findings from unconfirmed (M/U) or non-binding items are warnings: never presented as law.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from jupyter_privacy.core.policy import catalog
from jupyter_privacy.core.policy.document import PolicyDocument
from jupyter_privacy.core.policy.draft import citation, implied_use_cases
from jupyter_privacy.core.reports import compliance
from jupyter_privacy.core.reports.use_cases import USE_CASES
from jupyter_privacy.core.reports.verdict import GateResult

FAIL, WARN = "fail", "warn"


@dataclass(frozen=True)
class Finding:
    level: str  # fail | warn
    market: str | None
    subject: str
    message: str
    items: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "items": list(self.items)}

    def line(self) -> str:
        where = f"{self.market}: " if self.market else ""
        cited = f" [{', '.join(self.items)}]" if self.items else ""
        return f"{self.level.upper()}  {where}{self.subject}: {self.message}{cited}"


def check_policy(
    policy: PolicyDocument, *, ledger: Any = None, budgets: Sequence[str] = ()
) -> list[Finding]:
    """Every contradiction between the policy, the checklists, its caps and (optionally) the ledger:
    its `budgets` and any given here must keep their totals within every market's cap."""
    findings = _vocabulary(policy)
    for code, section in policy.markets.items():
        findings += _MarketCheck(policy, code, section).run()
    if ledger is not None:
        governed = list(dict.fromkeys([*policy.data.get("budgets", []), *budgets]))
        findings += _ledger_findings(policy, ledger, governed)
    return findings


def policy_gate(findings: list[Finding]) -> GateResult:
    failures = [f for f in findings if f.level == FAIL]
    warnings = len(findings) - len(failures)
    if not failures:
        note = f"; {warnings} warning(s) from non-binding items" if warnings else ""
        return GateResult("policy", True, 0, 0,
                          f"the policy agrees with the checklists and its ε caps{note}")  # fmt: skip
    first = failures[0]
    return GateResult(
        "policy", False, len(failures), 0,
        f"{len(failures)} contradiction(s) between the policy and the checklists or budgets, "
        f"first: {first.line()[6:]}; run  jupyter privacy policy check  for all",
    )  # fmt: skip


def _vocabulary(policy: PolicyDocument) -> list[Finding]:
    findings = []
    for name, category in policy.fields.items():
        if category not in catalog.categories():
            findings.append(Finding(FAIL, None, f"field {name!r}", f"unknown category "
                                    f"{category!r}; known: {', '.join(catalog.categories())}"))  # fmt: skip
    features = {name: spec["practices"] for name, spec in policy.features.items()}
    for name, practices in features.items():
        for practice in practices:
            if practice not in catalog.practices():
                findings.append(Finding(FAIL, None, f"feature {name!r}", f"unknown practice "
                                        f"{practice!r}; known: {', '.join(catalog.practices())}"))  # fmt: skip
    for use in implied_use_cases(policy.fields, features):
        if use not in policy.use_cases:
            findings.append(Finding(
                FAIL, None, f"use case {use!r}", "implied by the policy's fields or features but "
                "not declared, so its checklist items were not considered: add it to use_cases "
                "(policy init adds it)",
            ))  # fmt: skip
    unknown_uses = set(policy.use_cases) - set(USE_CASES)
    if unknown_uses:
        findings.append(Finding(FAIL, None, "use_cases", f"unknown use case(s) "
                                f"{sorted(unknown_uses)}; known: {', '.join(USE_CASES)}"))  # fmt: skip
    return findings


class _MarketCheck:
    def __init__(self, policy: PolicyDocument, code: str, section: dict[str, Any]) -> None:
        self.policy, self.code, self.section = policy, code, section
        self.market = compliance.load_market(code)
        self.all_items = {item["id"]: item for item in self.market["items"]}
        uses = [u for u in policy.use_cases if u in USE_CASES] or list(USE_CASES)
        applying = compliance.build_checklist([code], uses).items
        self.applying = {item["id"]: item for item in applying}
        self.findings: list[Finding] = []

    def add(self, binding: bool, subject: str, message: str, items: Any = ()) -> None:
        level = FAIL if binding else WARN
        if not binding:
            message += " (the cited items are not binding: unconfirmed, pending or guidance)"
        self.findings.append(Finding(level, self.code, subject, message, tuple(items)))

    def binding(self, ids: Any) -> bool:
        return any(i in self.applying and compliance.is_binding(self.applying[i]) for i in ids)

    def run(self) -> list[Finding]:
        self._as_of()
        self._cites()
        self._terms("category", catalog.categories(), self.section["collect"]["categories"])
        self._terms("practice", catalog.practices(), self.section["serve"]["practices"])
        self._caps()
        self._retention()
        return self.findings

    def _as_of(self) -> None:
        current = str(self.market["as_of"])
        if self.section.get("checklist_as_of") not in (None, current):
            self.findings.append(Finding(
                WARN, self.code, "checklist_as_of", f"the policy was written from the checklist "
                f"as of {self.section['checklist_as_of']}; it is now as of {current}: regenerate "
                "or review the rules",
            ))  # fmt: skip

    def _rules(self) -> list[tuple[str, dict[str, Any]]]:
        collect, serve = self.section["collect"], self.section["serve"]
        return ([(f"category {n!r}", r) for n, r in collect["categories"].items()]
                + [(f"practice {n!r}", r) for n, r in serve["practices"].items()]
                + [(f"feature {n!r}", r) for n, r in (serve.get("features") or {}).items()]
                + [(f"retention {e['what']!r}", e) for e in self.section["retention"]]
                + [(f"audit telemetry {e['what']!r}", e) for e in self.section["audit_telemetry"]]
                + [("pets", self.section["pets"])])  # fmt: skip

    def _cites(self) -> None:
        citations = self.section.get("citations") or {}
        for subject, rule in self._rules():
            for item_id in rule.get("cites", ()):
                if item_id not in self.all_items:
                    self.findings.append(Finding(FAIL, self.code, subject, f"cites {item_id!r}, "
                                                 f"which the {self.code} checklist does not have",
                                                 (item_id,)))  # fmt: skip
                    continue
                stored = citations.get(item_id)
                current = citation({**self.all_items[item_id], "as_of": self.market["as_of"]})
                if stored is not None and (stored.get("binding"), stored.get("confidence"),
                                           stored.get("status")) != (current["binding"],
                                           current["confidence"], current["status"]):  # fmt: skip
                    self.findings.append(Finding(
                        WARN, self.code, subject, f"the checklist now tags {item_id} "
                        f"{current['confidence']}, {current['status']} (the policy says "
                        f"{stored.get('confidence')}, {stored.get('status')}): review the rule",
                        (item_id,),
                    ))  # fmt: skip

    def _terms(self, kind: str, terms: dict[str, catalog.Term], rules: dict[str, Any]) -> None:
        for name, term in terms.items():
            expected = term.rules.get(self.code)
            found = expected.applying(set(self.applying)) if expected is not None else None
            subject = f"{kind} {name!r}"
            rule = rules.get(name)
            undeclared = [u for u in term.implies if u not in self.policy.use_cases]
            if (kind == "practice" and expected is not None and found is None and rule
                    and rule["decision"] == "allow"):  # fmt: skip
                if undeclared:
                    self.findings.append(Finding(
                        FAIL, self.code, subject, f"allowed, but the checklist restricts it under "
                        f"use case(s) {', '.join(undeclared)}, which the policy does not declare: "
                        "add them and review the rule", expected.cites,
                    ))  # fmt: skip
                continue
            if found is None:
                continue
            if rule is None:
                self.findings.append(Finding(WARN, self.code, subject, "no rule: it is denied by "
                                             "default; state the decision", found.cites))  # fmt: skip
                continue
            if rule["decision"] != "allow":
                continue
            binding = self.binding(found.cites)
            if found.decision == "prohibited":
                self.add(binding, subject, "allowed, but the checklist prohibits it in this market",
                         found.cites)  # fmt: skip
            elif not str(rule.get("basis", "")).strip():
                self.add(binding, subject, f"allowed without a basis: record how {found.need} is "
                         "met (basis), or deny it", found.cites)  # fmt: skip
            if kind == "practice" and found.high_risk and not rule.get("lane_budget"):
                self.findings.append(Finding(
                    FAIL, self.code, subject, "a high-risk practice is allowed without its own lane: "
                    "name a high_risk ledger budget in lane_budget (jupyter privacy access "
                    "high-risk BUDGET)", found.cites,
                ))  # fmt: skip

    def _caps(self) -> None:
        pets, budget = self.section["pets"], self.policy.data["privacy_budget"]
        if pets["epsilon_cap"] > budget["epsilon"]:
            self.findings.append(Finding(
                FAIL, self.code, "pets.epsilon_cap", f"ε cap {pets['epsilon_cap']:g} is above the "
                f"policy's privacy budget ε {budget['epsilon']:g}: a market cap cannot allow more "
                "than the budget",
            ))  # fmt: skip
        if "delta_cap" in pets and "delta" in budget and pets["delta_cap"] > budget["delta"]:
            self.findings.append(Finding(
                FAIL, self.code, "pets.delta_cap", f"δ cap {pets['delta_cap']:g} is above the "
                f"policy's privacy budget δ {budget['delta']:g}",
            ))  # fmt: skip

    def _retention(self) -> None:
        entries = self.section["retention"] + self.section["audit_telemetry"]
        for item_id, spec in catalog.load_catalog()["retention"].items():
            if item_id not in self.applying or catalog.item_market(item_id) != self.code:
                continue
            kept = [e for e in entries if item_id in e.get("cites", ())]
            binding = self.binding([item_id])
            subject = f"retention of {spec['what']}"
            if not kept:
                self.add(binding, subject, f"not kept: the checklist asks {spec['period']} "
                         f"({spec['min_days']} days)", [item_id])  # fmt: skip
            for entry in kept:
                days = entry.get("keep_days")
                if days is None or days < spec["min_days"]:
                    shown = "no period" if days is None else f"{days} days"
                    self.add(binding, subject, f"kept {shown}, below {spec['period']} "
                             f"({spec['min_days']} days)", [item_id])  # fmt: skip


def _ledger_findings(policy: PolicyDocument, ledger: Any, governed: list[str]) -> list[Finding]:
    from jupyter_privacy.core.errors import UnknownBudgetError

    findings = []
    caps = {m: s["pets"] for m, s in policy.markets.items()}
    lanes = [(m, n, r["lane_budget"]) for m, s in policy.markets.items()
             for n, r in s["serve"]["practices"].items()
             if r["decision"] == "allow" and r.get("lane_budget")]  # fmt: skip
    for name in governed:
        try:
            budget = ledger.budget(name)
        except UnknownBudgetError:
            findings.append(Finding(FAIL, None, f"budget {name!r}", "governed by the policy but "
                                    "not in the ledger"))  # fmt: skip
            continue
        for market, pets in caps.items():
            if budget.epsilon_total > pets["epsilon_cap"]:
                findings.append(Finding(
                    FAIL, market, f"budget {name!r}", f"total ε {budget.epsilon_total:g} is above "
                    f"the market's cap {pets['epsilon_cap']:g}: its releases could spend more "
                    "than the policy allows there",
                ))  # fmt: skip
            if budget.delta_total > pets.get("delta_cap", 1.0):
                findings.append(Finding(
                    FAIL, market, f"budget {name!r}", f"total δ {budget.delta_total:g} is above "
                    f"the market's cap {pets['delta_cap']:g}",
                ))  # fmt: skip
    for market, practice, lane in lanes:
        findings += _lane_findings(ledger, market, practice, lane)
    return findings


def _lane_findings(ledger: Any, market: str, practice: str, lane: str) -> list[Finding]:
    from jupyter_privacy.core.errors import UnknownBudgetError

    try:
        ledger.budget(lane)
    except UnknownBudgetError:
        return [Finding(FAIL, market, f"practice {practice!r}", f"lane budget {lane!r} is not in "
                        "the ledger")]  # fmt: skip
    from jupyter_privacy.core.ledger.lane_report import is_high_risk

    if not is_high_risk(ledger, lane):
        return [Finding(FAIL, market, f"practice {practice!r}", f"lane budget {lane!r} is not "
                        f"marked high-risk: jupyter privacy access high-risk {lane}")]  # fmt: skip
    return []
