"""`privacy-policy.yaml`: market policy as data, validated against its JSON schema, and the one
place that turns it into decisions (may this field be collected, may this feature be served, in
this market?).

Safe defaults: an unknown market, a field outside the data dictionary, a feature the policy does
not list, or a category or practice without a rule for the market is denied.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.files import read_yaml_file
from jupyter_privacy.core.reports import compliance

POLICY_FORMAT = "jupyter-privacy/policy@1"
FIELD, FEATURE = "field", "feature"


@functools.cache
def policy_schema() -> dict[str, Any]:
    """The JSON Schema of privacy-policy.yaml (shipped beside this module)."""
    text = (resources.files("jupyter_privacy.core.policy") / "policy.schema.json").read_text(
        "utf-8"
    )
    return json.loads(text)  # type: ignore[no-any-return]


def schema_problems(data: Any) -> list[str]:
    """Every schema violation as `where: what`, most specific first; empty when valid."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(policy_schema())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        problems.append(f"{where}: {error.message}")
    return problems


@dataclass(frozen=True)
class Decision:
    """One policy decision about a field (collection) or a feature (inference) in a market."""

    allowed: bool
    market: str
    kind: str  # field | feature
    subject: str
    reason: str
    term: str | None = None  # the field's category or the blocking practice
    items: tuple[str, ...] = ()  # checklist item ids behind it
    high_risk: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "items": list(self.items)}

    def line(self) -> str:
        verdict = "allow" if self.allowed else "deny"
        cited = f" [{', '.join(self.items)}]" if self.items else ""
        return f"{self.market}: {verdict} {self.kind} {self.subject!r}: {self.reason}{cited}"


@dataclass
class PolicyDocument:
    """A validated policy. Enforcement (collect, allows, feature) lives in `Policy` (enforce.py)."""

    data: dict[str, Any]
    path: Path | None = None
    markets: dict[str, dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        problems = schema_problems(self.data)
        where = f"policy {self.path}" if self.path else "policy"
        if problems:
            shown = "; ".join(problems[:3]) + (
                f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            )
            raise InvalidParameterError(f"{where} is invalid: {shown}", problems=problems)
        self.markets = {}
        for code, section in self.data["markets"].items():
            try:
                canonical = compliance.resolve_market(code)
            except InvalidParameterError as error:
                raise InvalidParameterError(f"{where}: markets.{code}: {error.message}") from None
            if canonical in self.markets:
                raise InvalidParameterError(f"{where}: market {canonical!r} appears twice")
            self.markets[canonical] = section

    # -- lookups ---------------------------------------------------------------------------------
    @property
    def fields(self) -> dict[str, str]:
        return dict(self.data["fields"])

    @property
    def features(self) -> dict[str, dict[str, Any]]:
        return dict(self.data["features"])

    @property
    def use_cases(self) -> list[str]:
        return list(self.data["use_cases"])

    def market_code(self, market: Any) -> str | None:
        """The policy's code for `market` (aliases accepted), or None when it has no section."""
        try:
            code = compliance.resolve_market(str(market))
        except InvalidParameterError:
            return None
        return code if code in self.markets else None

    # -- decisions ---------------------------------------------------------------------------------
    def field_decision(self, name: str, market: Any) -> Decision:
        code = self.market_code(market)
        if code is None:
            return _unknown_market(market, FIELD, name, self.markets)
        category = self.data["fields"].get(name)
        if category is None:
            return Decision(False, code, FIELD, name,
                            "not in the policy's data dictionary (fields): unknown fields are not "
                            "collected")  # fmt: skip
        rule = self.markets[code]["collect"]["categories"].get(category)
        if rule is None:
            return Decision(False, code, FIELD, name,
                            f"category {category!r} has no collection rule for this market", category)  # fmt: skip
        return _from_rule(rule, code, FIELD, name, category)

    def feature_decision(self, name: str, market: Any) -> Decision:
        code = self.market_code(market)
        if code is None:
            return _unknown_market(market, FEATURE, name, self.markets)
        spec = self.data["features"].get(name)
        if spec is None:
            return Decision(False, code, FEATURE, name,
                            "not in the policy's features: unlisted features are not served")  # fmt: skip
        serve = self.markets[code]["serve"]
        override = (serve.get("features") or {}).get(name)
        if override is not None and override["decision"] == "deny":
            return _from_rule(override, code, FEATURE, name, None)
        high_risk = False
        for practice in spec["practices"]:
            rule = serve["practices"].get(practice)
            if rule is None:
                return Decision(False, code, FEATURE, name,
                                f"practice {practice!r} has no rule for this market", practice)  # fmt: skip
            if rule["decision"] == "deny":
                return _from_rule(rule, code, FEATURE, name, practice)
            high_risk = high_risk or bool(rule.get("high_risk"))
        if override is not None:
            return _from_rule(override, code, FEATURE, name, None)
        reason = ("every practice it performs is allowed here" if spec["practices"]
                  else "it performs no restricted practice")  # fmt: skip
        return Decision(True, code, FEATURE, name, reason, high_risk=high_risk)

    def feature_matrix(self) -> dict[str, dict[str, Decision]]:
        """feature → market → decision, for model cards and reviews."""
        return {f: {m: self.feature_decision(f, m) for m in self.markets} for f in self.features}

    def collection_matrix(self) -> dict[str, dict[str, Decision]]:
        """field → market → decision."""
        return {f: {m: self.field_decision(f, m) for m in self.markets} for f in self.fields}

    def on_violation(self, market: str) -> str:
        code = self.market_code(market)
        if code is None:
            return "refuse"
        return str(self.markets[code]["collect"].get("on_violation", "drop"))

    def card_section(self) -> dict[str, Any]:
        """The per-market feature matrix as the model card shows it (no data, only names)."""
        matrix = self.feature_matrix()
        return {
            "markets": list(self.markets),
            "use_cases": self.use_cases,
            "features": [
                {"feature": name, "practices": self.features[name]["practices"],
                 "markets": {m: d.to_dict() for m, d in by_market.items()}}
                for name, by_market in matrix.items()
            ],
            "epsilon_caps": {m: s["pets"]["epsilon_cap"] for m, s in self.markets.items()},
            "checklist_as_of": {m: s.get("checklist_as_of", "") for m, s in self.markets.items()},
            "disclaimer": compliance.DISCLAIMER,
        }  # fmt: skip


def _unknown_market(market: Any, kind: str, name: str, known: dict[str, Any]) -> Decision:
    listed = ", ".join(known) or "none"
    return Decision(False, str(market), kind, name,
                    f"market {market!r} has no section in the policy (markets: {listed}); "
                    "unknown markets are denied")  # fmt: skip


def _from_rule(
    rule: dict[str, Any], market: str, kind: str, name: str, term: str | None
) -> Decision:
    allowed = rule["decision"] == "allow"
    reason = rule.get("basis" if allowed else "reason") or rule.get("reason") or (
        "allowed by the policy" if allowed else "denied by the policy")  # fmt: skip
    if term is not None:
        reason = f"{term}: {reason}"
    return Decision(allowed, market, kind, name, reason, term, tuple(rule.get("cites", ())),
                    bool(rule.get("high_risk", False)))  # fmt: skip


def read_policy(path: str | Path) -> PolicyDocument:
    """Load and validate privacy-policy.yaml (see `load_policy` for the enforcing front door)."""
    file = Path(path)
    data = read_yaml_file(file, "policy")
    if not isinstance(data, dict):
        raise InvalidParameterError(
            f"policy {file} must be a mapping; start one with  jupyter privacy policy init"
        )
    return PolicyDocument(data, file)
