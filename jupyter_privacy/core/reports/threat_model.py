"""The one-page threat model: a YAML record whose success criteria become CI gates.

Validated strictly (unknown fields, missing fields, thresholds out of range) so a typo cannot
silently switch a gate off. Rendered to Markdown and HTML for reviewers.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.files import read_yaml_file
from jupyter_privacy.core.probes.gate import ProbeLimit
from jupyter_privacy.core.probes.leakage import METRICS as LEAKAGE_METRICS
from jupyter_privacy.core.probes.report import fpr_key
from jupyter_privacy.core.reports import html

CAPABILITIES = {
    "api_access": "queries the deployed model and sees its outputs",
    "label_only": "sees only predicted labels",
    "scores": "sees confidence scores or probabilities",
    "white_box": "has the model weights (e.g. the model is published)",
    "auxiliary_data": "holds data about some people from elsewhere",
    "population_data": "can draw data from the same population to train reference models",
    "training_influence": "can add or change training examples (poisoning, canaries)",
    "released_statistics": "reads every DP release and can combine them",
    "insider": "has access to the pipeline or its logs",
}
METRICS = {  # metric → (required keys, allowed keys)
    "mia_tpr_at_fpr": ({"fpr", "max"}, {"fpr", "max", "note"}),
    "mia_auc": ({"max"}, {"max", "note"}),
    "mia_advantage": ({"max"}, {"max", "note"}),
    "attribute_inference_advantage": ({"max"}, {"max", "note"}),
    "inversion_similarity": ({"max"}, {"max", "note"}),
    "epsilon": ({"max"}, {"max", "delta", "note"}),
    "utility": ({"name", "min"}, {"name", "min", "note"}),
}
REQUIRED = ("title", "as_of", "assets", "protected", "adversaries", "harms", "success_criteria",
            "technologies")  # fmt: skip
OPTIONAL = ("system", "owner", "out_of_scope", "notes")
_SECTIONS = {
    "protected": ({"who", "privacy_unit"}, {"who", "privacy_unit", "notes"}),
    "adversaries": ({"name", "capabilities"}, {"name", "capabilities", "notes"}),
    "technologies": ({"name", "why"}, {"name", "why"}),
}


def _fail(where: str, problem: str) -> InvalidParameterError:
    return InvalidParameterError(f"threat model: {where}: {problem}", field=where)


def _check_keys(where: str, data: Any, required: set[str], allowed: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _fail(where, f"must be a mapping with {', '.join(sorted(required))}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _fail(where, f"unknown field(s) {unknown}; allowed: {', '.join(sorted(allowed))}")
    missing = sorted(required - set(data))
    if missing:
        raise _fail(where, f"missing required field(s) {missing}")
    return data


def _text_list(where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise _fail(where, "must be a non-empty list of sentences")
    return value


def _number(where: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise _fail(where, f"must be a number, got {value!r}")
    if not low <= value <= high:
        raise _fail(where, f"must be in [{low:g}, {high:g}], got {value!r}")
    return float(value)


@dataclass(frozen=True)
class ThreatModel:
    data: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.data["title"])

    @property
    def criteria(self) -> list[dict[str, Any]]:
        return list(self.data["success_criteria"])

    def probe_limits(self) -> list[ProbeLimit]:
        limits = []
        for c in self.criteria:
            if c["metric"] == "mia_tpr_at_fpr":
                limits.append(ProbeLimit("tpr_at_fpr", c["max"], c["fpr"]))
            elif c["metric"] == "mia_auc":
                limits.append(ProbeLimit("auc", c["max"]))
            elif c["metric"] == "mia_advantage":
                limits.append(ProbeLimit("advantage", c["max"]))
        return limits

    def leakage_limits(self) -> dict[str, float]:
        """Attribute-inference and inversion limits by metric (the tightest when repeated)."""
        limits: dict[str, float] = {}
        for c in self.criteria:
            if c["metric"] in LEAKAGE_METRICS:
                limits[c["metric"]] = min(c["max"], limits.get(c["metric"], c["max"]))
        return limits

    def utility_minimums(self) -> dict[str, float]:
        """Utility criteria by metric name, e.g. {"accuracy": 0.7}."""
        return {c["name"]: c["min"] for c in self.criteria if c["metric"] == "utility"}

    def max_epsilon(self) -> float | None:
        values = [c["max"] for c in self.criteria if c["metric"] == "epsilon"]
        return min(values) if values else None

    def summary(self) -> dict[str, Any]:
        """What a model card carries: who is protected, adversaries, the measurable criteria."""
        return {
            "title": self.title, "as_of": self.data["as_of"],
            "protected": self.data["protected"],
            "adversaries": [a["name"] for a in self.data["adversaries"]],
            "success_criteria": [criterion_text(c) for c in self.criteria],
            "technologies": [t["name"] for t in self.data["technologies"]],
        }  # fmt: skip

    def to_markdown(self) -> str:
        d = self.data
        out = [f"# Threat model: {self.title}", "", f"As of {d['as_of']}."]
        if d.get("owner"):
            out.append(f"Owner: {d['owner']}.")
        if d.get("system"):
            out += ["", d["system"]]
        out += ["", "## Assets", *[f"- {a}" for a in d["assets"]]]
        p = d["protected"]
        out += ["", "## Who is protected", f"- {p['who']}", f"- Privacy unit: {p['privacy_unit']}"]
        out += ["", "## Adversaries", ""]
        out.append(html.markdown_table(["adversary", "capabilities", "notes"], _adversary_rows(d)))
        out += ["## Harms", *[f"- {h}" for h in d["harms"]]]
        out += ["", "## Success criteria (these are the CI gates)",
                *[f"- {criterion_text(c)}" for c in self.criteria]]  # fmt: skip
        out += ["", "## Privacy technologies and why",
                *[f"- **{t['name']}**: {t['why']}" for t in d["technologies"]]]  # fmt: skip
        if d.get("out_of_scope"):
            out += ["", "## Out of scope", *[f"- {o}" for o in d["out_of_scope"]]]
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        d = self.data
        p = d["protected"]
        body = [
            html.paragraph(
                f"As of {d['as_of']}." + (f" Owner: {d['owner']}." if d.get("owner") else "")
            )
        ]
        if d.get("system"):
            body.append(html.paragraph(d["system"]))
        body += [html.heading("Assets"), html.bullet_list(d["assets"])]
        body += [html.heading("Who is protected"),
                 html.bullet_list([p["who"], f"Privacy unit: {p['privacy_unit']}"])]  # fmt: skip
        body += [html.heading("Adversaries"),
                 html.table(["adversary", "capabilities", "notes"], _adversary_rows(d))]  # fmt: skip
        body += [html.heading("Harms"), html.bullet_list(d["harms"])]
        body += [html.heading("Success criteria (these are the CI gates)"),
                 html.bullet_list(criterion_text(c) for c in self.criteria)]  # fmt: skip
        body += [html.heading("Privacy technologies and why"),
                 html.table(["technology", "why"], [(t["name"], t["why"]) for t in d["technologies"]])]  # fmt: skip
        if d.get("out_of_scope"):
            body += [html.heading("Out of scope"), html.bullet_list(d["out_of_scope"])]
        return html.page(f"Threat model: {self.title}", "".join(body))


def _adversary_rows(d: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(a["name"], ", ".join(a["capabilities"]), a.get("notes", "")) for a in d["adversaries"]]


def criterion_text(c: dict[str, Any]) -> str:
    metric = c["metric"]
    if metric == "mia_tpr_at_fpr":
        text = f"membership-inference TPR ≤ {c['max']:g} at FPR {fpr_key(c['fpr'])}"
    elif metric == "mia_auc":
        text = f"membership-inference AUC ≤ {c['max']:g}"
    elif metric == "mia_advantage":
        text = f"membership-inference advantage ≤ {c['max']:g}"
    elif metric == "attribute_inference_advantage":
        text = f"attribute-inference advantage over a no-model baseline ≤ {c['max']:g} (members)"
    elif metric == "inversion_similarity":
        text = f"model-inversion similarity ≤ {c['max']:g} (members)"
    elif metric == "epsilon":
        text = f"ε ≤ {c['max']:g}" + (f" at δ {c['delta']:g}" if "delta" in c else "")
    else:
        text = f"utility: {c['name']} ≥ {c['min']:g}"
    return text + (f" ({c['note']})" if c.get("note") else "")


def validate_threat_model(data: Any) -> ThreatModel:
    d = _check_keys("top level", data, set(REQUIRED), set(REQUIRED) | set(OPTIONAL))
    if isinstance(d["as_of"], dt.date):
        d = {**d, "as_of": d["as_of"].isoformat()}
    if not isinstance(d["title"], str) or not d["title"].strip():
        raise _fail("title", "must be a non-empty string")
    for name in ("assets", "harms"):
        _text_list(name, d[name])
    if "out_of_scope" in d:
        _text_list("out_of_scope", d["out_of_scope"])
    _check_keys("protected", d["protected"], *_SECTIONS["protected"])
    for section in ("adversaries", "technologies"):
        if not isinstance(d[section], list) or not d[section]:
            raise _fail(section, "must be a non-empty list")
        for index, item in enumerate(d[section]):
            _check_keys(f"{section}[{index}]", item, *_SECTIONS[section])
    for index, adversary in enumerate(d["adversaries"]):
        caps = adversary["capabilities"]
        where = f"adversaries[{index}].capabilities"
        if not isinstance(caps, list) or not caps:
            raise _fail(where, f"must list capabilities from: {', '.join(CAPABILITIES)}")
        unknown = [c for c in caps if c not in CAPABILITIES]
        if unknown:
            raise _fail(where, f"unknown capability {unknown}; known: {', '.join(CAPABILITIES)}")
    criteria = d["success_criteria"]
    if not isinstance(criteria, list) or not criteria:
        raise _fail("success_criteria", "must list at least one measurable threshold")
    for index, criterion in enumerate(criteria):
        _check_criterion(f"success_criteria[{index}]", criterion)
    return ThreatModel(d)


def _check_criterion(where: str, c: Any) -> None:
    if not isinstance(c, dict) or c.get("metric") not in METRICS:
        got = c.get("metric") if isinstance(c, dict) else c
        raise _fail(where, f"metric {got!r} is not one of {', '.join(METRICS)}")
    required, allowed = METRICS[c["metric"]]
    _check_keys(where, c, required | {"metric"}, allowed | {"metric"})
    if c["metric"] == "mia_tpr_at_fpr":
        _number(f"{where}.fpr", c["fpr"], 1e-6, 0.5)
        _number(f"{where}.max", c["max"], 0, 1)
    elif c["metric"] in ("mia_auc", "mia_advantage", *LEAKAGE_METRICS):
        _number(f"{where}.max", c["max"], 0, 1)
    elif c["metric"] == "epsilon":
        _number(f"{where}.max", c["max"], 1e-9, 1e6)
        if "delta" in c:
            _number(f"{where}.delta", c["delta"], 0, 0.999999)
    else:
        _number(f"{where}.min", c["min"], -1e12, 1e12)


def load_threat_model(path: str | Path) -> ThreatModel:
    return validate_threat_model(read_yaml_file(path, "threat model"))
