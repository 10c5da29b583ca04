"""The policy vocabulary (catalog.yaml): data categories and practices with the checklist items
that restrict them per market, the retention periods and the audit telemetry the items ask for.

The facts stay in the checklist files (core/reports/markets); the catalog only points at item ids,
and `catalog_problems` proves every id it names exists in its market's file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from jupyter_privacy.core.reports import compliance
from jupyter_privacy.core.reports.use_cases import USE_CASES

DECISIONS = ("prohibited", "condition")


@dataclass(frozen=True)
class Rule:
    """What one market's checklist says about a category or a practice."""

    decision: str  # prohibited | condition
    cites: tuple[str, ...]
    need: str = ""
    high_risk: bool = False

    def applying(self, item_ids: set[str]) -> Rule | None:
        """The rule backed only by the items that apply to the policy's use cases, or None."""
        cites = tuple(c for c in self.cites if c in item_ids)
        if not cites:
            return None
        return Rule(self.decision, cites, self.need, self.high_risk)


@dataclass(frozen=True)
class Term:
    """A data category or a practice."""

    name: str
    description: str
    rules: dict[str, Rule]
    implies: tuple[str, ...] = ()  # use cases it brings into scope
    team_default: dict[str, str] | None = None  # {decision, reason} where no market rule applies


@functools.cache
def load_catalog() -> dict[str, Any]:
    """The parsed catalog: categories and practices as `Term`s, retention, telemetry and pets."""
    text = (resources.files("jupyter_privacy.core.policy") / "catalog.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    return {
        "categories": {name: _term(name, spec) for name, spec in raw["categories"].items()},
        "practices": {name: _term(name, spec) for name, spec in raw["practices"].items()},
        "retention": raw["retention"],
        "telemetry": raw["telemetry"],
        "pets": raw["pets"],
    }


def _term(name: str, spec: dict[str, Any]) -> Term:
    rules = {
        market: Rule(rule["decision"], tuple(rule["cites"]), rule.get("need", ""),
                     bool(rule.get("high_risk", False)))
        for market, rule in (spec.get("rules") or {}).items()
    }  # fmt: skip
    return Term(name, spec["description"], rules, tuple(spec.get("implies", ())),
                spec.get("team_default"))  # fmt: skip


def categories() -> dict[str, Term]:
    return load_catalog()["categories"]  # type: ignore[no-any-return]


def practices() -> dict[str, Term]:
    return load_catalog()["practices"]  # type: ignore[no-any-return]


def item_market(item_id: str) -> str:
    """Checklist item ids start with their market code (`eu-gdpr-art30-ropa`)."""
    return item_id.split("-", 1)[0]


def catalog_problems() -> list[str]:
    """Every item id the catalog names must exist in its market's checklist; terms must be sane."""
    catalog = load_catalog()
    known = {
        code: {item["id"] for item in compliance.load_market(code)["items"]}
        for code in compliance.known_markets()
    }
    problems = []

    def check(where: str, market: str, ids: Any) -> None:
        for item in ids:
            if item not in known.get(market, set()):
                problems.append(f"{where}: item {item!r} is not in the {market!r} checklist")

    for kind in ("categories", "practices"):
        for term in catalog[kind].values():
            unknown = set(term.implies) - set(USE_CASES)
            if unknown:
                problems.append(f"{kind}.{term.name}: unknown use case(s) {sorted(unknown)}")
            for market, rule in term.rules.items():
                if rule.decision not in DECISIONS:
                    problems.append(f"{kind}.{term.name}.{market}: decision {rule.decision!r}")
                check(f"{kind}.{term.name}.{market}", market, rule.cites)
    for section in ("retention", "telemetry"):
        for item in catalog[section]:
            check(section, item_market(item), [item])
    for market, ids in catalog["pets"].items():
        check("pets", market, ids)
    return problems
