"""`jupyter privacy policy init`: a starting privacy-policy.yaml from the chosen markets and use
cases, every rule citing the checklist items behind it with their confidence tag, legal status and
as-of date. Conditioned categories and practices start denied: the team allows them by recording
how the condition is met (`basis`). Engineering guidance, not legal advice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.policy import catalog
from jupyter_privacy.core.policy.catalog import Rule, Term
from jupyter_privacy.core.policy.document import POLICY_FORMAT, PolicyDocument
from jupyter_privacy.core.reports import compliance
from jupyter_privacy.core.validation import check_delta, check_epsilon

HEADER = """\
# Market policy (jupyter-privacy): what may be collected and served per market, the PETs and ε caps,
# retention and audit telemetry. Written by `jupyter privacy policy init` on {today} from the
# compliance checklists (facts as of {as_of}); every rule cites checklist item ids, and `citations`
# carries each item's confidence tag and status: only items marked binding are law backed by
# sources. Engineering guidance, not legal advice: review with counsel.
# Edit, then verify:  jupyter privacy policy check {name}
"""


def implied_use_cases(
    fields: Mapping[str, str], features: Mapping[str, Iterable[str]]
) -> list[str]:
    """Use cases the data dictionary and features bring into scope (health data → health, …)."""
    terms = [catalog.categories()[c] for c in fields.values() if c in catalog.categories()]
    terms += [catalog.practices()[p] for ps in features.values() for p in ps
              if p in catalog.practices()]  # fmt: skip
    return list(dict.fromkeys(u for t in terms for u in t.implies))


def _check_terms(fields: Mapping[str, str], features: Mapping[str, Iterable[str]]) -> None:
    for name, category in fields.items():
        if category not in catalog.categories():
            raise InvalidParameterError(
                f"field {name!r}: unknown category {category!r}; known: "
                f"{', '.join(catalog.categories())}", parameter="field",
            )  # fmt: skip
    for name, practices in features.items():
        for practice in practices:
            if practice not in catalog.practices():
                raise InvalidParameterError(
                    f"feature {name!r}: unknown practice {practice!r}; known: "
                    f"{', '.join(catalog.practices())}", parameter="feature",
                )  # fmt: skip


def draft_policy(
    markets: list[str],
    use_cases: list[str],
    *,
    fields: Mapping[str, str] | None = None,
    features: Mapping[str, Iterable[str]] | None = None,
    epsilon: float = 5.0,
    delta: float = 1e-5,
    budgets: Iterable[str] = (),
) -> dict[str, Any]:
    """The policy as data (validated): rules for every catalog category and practice per market."""
    fields, features = dict(fields or {}), {k: list(v) for k, v in (features or {}).items()}
    _check_terms(fields, features)
    uses = compliance.check_use_cases(list(use_cases) + implied_use_cases(fields, features))
    epsilon, delta = check_epsilon(epsilon), check_delta(delta)
    checklist = compliance.build_checklist(markets, uses)
    sections = {
        market["market"]: _market_section(
            market,
            {i["id"] for i in checklist.items if i["market"] == market["market"]},
            epsilon,
            delta,
        )
        for market in checklist.markets
    }
    data = {
        "format": POLICY_FORMAT,
        "generated_on": dt.date.today().isoformat(),
        "disclaimer": compliance.DISCLAIMER,
        "use_cases": uses,
        "privacy_budget": {
            "epsilon": epsilon,
            "delta": delta,
            "note": "the most any pipeline under this policy may spend; market "
            "caps may not exceed it",
        },
        "budgets": list(dict.fromkeys(budgets)),
        "fields": fields,
        "features": {name: {"practices": practices} for name, practices in features.items()},
        "markets": sections,
    }
    PolicyDocument(data)  # the generator's own output must validate
    return data


def _market_section(market: dict[str, Any], applying: set[str], epsilon: float,
                    delta: float) -> dict[str, Any]:  # fmt: skip
    code = market["market"]
    cited: set[str] = set()

    def rule_for(term: Term, kind: str) -> dict[str, Any]:
        rule = term.rules.get(code)
        found = rule.applying(applying) if rule is not None else None
        if found is not None:
            cited.update(found.cites)
            return _rule_entry(found)
        if rule is not None and kind == "practice":  # a category's own use case comes with a field
            cited.update(rule.cites)
            return {"decision": "deny", "cites": list(rule.cites),
                    "reason": "restricted in this market under use cases this policy does not "
                    "declare; add the use case and regenerate to review it"}  # fmt: skip
        if kind == "category" and term.team_default:
            return dict(term.team_default)
        elsewhere = [m for m, r in term.rules.items() if r.decision == "prohibited"]
        if kind == "practice" and elsewhere:
            return {"decision": "deny", "reason": f"prohibited in {', '.join(elsewhere)}; this "
                    "market's checklist has no item on it: denied by default (team default)"}  # fmt: skip
        return {"decision": "allow"}

    categories = {name: rule_for(term, "category") for name, term in catalog.categories().items()}
    practices = {name: rule_for(term, "practice") for name, term in catalog.practices().items()}
    pets_cites = [i for i in catalog.load_catalog()["pets"].get(code, []) if i in applying]
    retention, telemetry = _kept(code, applying)
    cited.update(pets_cites)
    cited.update(c for entry in retention + telemetry for c in entry["cites"])
    return {
        "name": market["name"],
        "checklist_as_of": str(market["as_of"]),
        "collect": {"on_violation": "drop", "categories": categories},
        "serve": {"practices": practices, "features": {}},
        "pets": {
            "required": ["differential_privacy", "membership_inference_probe"],
            "epsilon_cap": epsilon,
            "delta_cap": delta,
            "basis": "team choice: no checklist item sets a numeric ε; the cited items ask for "
            "evidence that releases do not reveal individuals",
            "cites": pets_cites,
        },
        "retention": retention,
        "audit_telemetry": telemetry,
        "citations": {
            i["id"]: citation({**i, "as_of": market["as_of"]})
            for i in market["items"]
            if i["id"] in cited
        },
    }


def _rule_entry(rule: Rule) -> dict[str, Any]:
    if rule.decision == "prohibited":
        entry: dict[str, Any] = {"decision": "deny", "reason": "prohibited in this market"}
    else:
        entry = {"decision": "deny", "reason": f"allowed only with {rule.need}; to allow it, set "
                 "decision: allow and record how it is met in basis"}  # fmt: skip
    entry["cites"] = list(rule.cites)
    if rule.high_risk:
        entry["high_risk"] = True
    return entry


def _kept(code: str, applying: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    loaded = catalog.load_catalog()
    retention = [
        {"what": spec["what"], "min_days": spec["min_days"], "keep_days": spec["min_days"],
         "period": spec["period"], "cites": [item]}
        for item, spec in loaded["retention"].items()
        if item in applying and catalog.item_market(item) == code
    ]  # fmt: skip
    minimum = {e["cites"][0]: e["min_days"] for e in retention}
    telemetry = [
        {"what": what, "keep_days": minimum.get(item), "cites": [item]}
        for item, what in loaded["telemetry"].items()
        if item in applying and catalog.item_market(item) == code
    ]  # fmt: skip
    longest = max(minimum.values(), default=None)
    telemetry.append({"what": "policy decisions and high-risk spend audit records (policy.* and "
                      "access.* ledger events)", "keep_days": longest, "cites": []})  # fmt: skip
    return retention, telemetry


def citation(item: dict[str, Any]) -> dict[str, Any]:
    """A checklist item's tags as the policy carries them (never binding unless C1/C2 and law)."""
    return {
        "law": item["law"], "confidence": item["confidence"], "legal_status": item["legal_status"],
        "binding": compliance.is_binding(item), "status": compliance.status_label(item),
        "effective": item.get("effective_note") or item.get("effective"),
        "as_of": str(item["as_of"]),
    }  # fmt: skip


def policy_yaml(data: dict[str, Any], name: str = "privacy-policy.yaml") -> str:
    as_of = ", ".join(sorted({m["checklist_as_of"] for m in data["markets"].values()}))
    header = HEADER.format(today=data.get("generated_on", ""), as_of=as_of, name=name)
    return header + yaml.dump(
        data, Dumper=_PolicyDumper, sort_keys=False, allow_unicode=True, width=100
    )


class _PolicyDumper(yaml.SafeDumper):
    """Block style, except one-line `{decision: allow}` rules and lists of ids or names."""


def _list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(isinstance(x, (str, int, float)) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


def _mapping(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(),
                                    flow_style=set(data) == {"decision"})  # fmt: skip


_PolicyDumper.add_representer(list, _list)
_PolicyDumper.add_representer(dict, _mapping)


def write_policy(data: dict[str, Any], path: str | Path, *, overwrite: bool = False) -> Path:
    target = Path(path)
    if target.exists() and not overwrite:
        raise InvalidParameterError(f"{target} exists; choose another name or pass --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(policy_yaml(data, target.name), encoding="utf-8")
    return target
