"""Model card with the ε budget: Model Card Toolkit JSON, our privacy additions, Markdown, HTML.

Three forms of one record: `model-card.json` follows Google Model Card Toolkit's schema v0.0.2
(privacy figures as quantitative-analysis metrics and considerations); `privacy-card.json` holds
our additions (schemas/privacy-card.schema.json); `model-card.md` has a Hugging Face-style YAML
header; `model-card.html` embeds the budget chart as inline SVG (offline). Alongside them,
`privacy-budget.json` publishes the budget and every release's stated assumptions.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.files import read_yaml_file
from jupyter_privacy.core.probes.leakage import LeakageReport
from jupyter_privacy.core.probes.report import ProbeReport
from jupyter_privacy.core.reports.verdict import GateResult

CARD_FORMAT = "jupyter-privacy/privacy-card@1"
MCT_SCHEMA_VERSION = "0.0.2"
META_FIELDS = {
    "name": "model name (required)", "version": "model version", "overview": "one-line summary",
    "owners": "list of {name, contact}", "license": "SPDX identifier", "architecture": "text",
    "intended_uses": "list", "out_of_scope_uses": "list", "users": "list", "limitations": "list",
    "data": "list of {name, source, link, fingerprint, description, sensitive}",
    "metrics": "list of {type, value, slice}", "sign_off": "list of {role, name, date, decision}",
    "references": "list of URLs",
}  # fmt: skip
DEFAULT_SIGN_OFF = [{"role": role, "name": "", "date": "", "decision": ""}
                    for role in ("model owner", "privacy engineer", "legal / DPO")]  # fmt: skip
_DATA_FIELDS = {"name", "source", "link", "fingerprint", "description", "sensitive"}


def check_meta(meta: Any) -> dict[str, Any]:
    if not isinstance(meta, dict):
        raise InvalidParameterError("card metadata must be a mapping with at least 'name'")
    unknown = sorted(set(meta) - set(META_FIELDS))
    if unknown:
        raise InvalidParameterError(
            f"card metadata: unknown field(s) {unknown}; allowed: {', '.join(META_FIELDS)}"
        )
    if not isinstance(meta.get("name"), str) or not meta["name"].strip():
        raise InvalidParameterError("card metadata: 'name' is required (the model's name)")
    for index, dataset in enumerate(meta.get("data", [])):
        extra = (
            sorted(set(dataset) - _DATA_FIELDS)
            if isinstance(dataset, dict)
            else ["(not a mapping)"]
        )
        if extra:
            raise InvalidParameterError(
                f"card metadata: data[{index}] has unknown field(s) {extra}"
            )
    for index, metric in enumerate(meta.get("metrics", [])):
        if not isinstance(metric, dict) or not isinstance(metric.get("value"), (int, float)):
            raise InvalidParameterError(f"card metadata: metrics[{index}] needs a numeric 'value'")
    return meta


def load_meta(path: str | Path) -> dict[str, Any]:
    return check_meta(read_yaml_file(path, "card metadata"))


@dataclass
class ModelCard:
    meta: dict[str, Any]
    guarantee: dict[str, Any]
    budget: dict[str, Any] | None = None  # privacy-budget.json (from the ledger)
    probes: list[ProbeReport] = field(default_factory=list)
    inference_probes: list[LeakageReport] = field(default_factory=list)  # attribute, inversion
    gates: list[GateResult] = field(default_factory=list)
    threat_model: dict[str, Any] | None = None
    compliance: dict[str, Any] | None = None
    changelog: list[dict[str, Any]] = field(default_factory=list)
    encrypted_inference: dict[str, Any] | None = None  # core.encrypted report's card_section()
    market_policy: dict[str, Any] | None = None  # core.policy Policy.card_section(): feature matrix
    generated_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )

    def __post_init__(self) -> None:
        self.meta = check_meta(self.meta)

    # -- the privacy additions -----------------------------------------------------------------
    def data_provenance(self) -> list[dict[str, Any]]:
        """The datasets the metadata names, or else the ledger's public facts about the data (its
        size, declared bounds): never a digest of the data unless the metadata gives one."""
        datasets = [dict(d) for d in self.meta.get("data", [])]
        public = self.guarantee.get("data") or {}
        if datasets and public:
            datasets[0] = {**public, **datasets[0]}
        elif public:
            source = f"public facts recorded in the ledger ({self.guarantee.get('source', '')})"
            datasets.append({"name": "training data", **public, "source": source})
        return datasets

    def privacy_card(self) -> dict[str, Any]:
        compliance = None
        if self.compliance is not None:
            compliance = {
                k: self.compliance[k] for k in ("markets", "use_cases", "summary", "disclaimer")
            }
        return {
            "format": CARD_FORMAT, "generated_at": self.generated_at,
            "model": {"name": self.meta["name"], "version": str(self.meta.get("version", ""))},
            "dp_guarantee": self.guarantee,
            "data_provenance": self.data_provenance(),
            "probes": [_probe_summary(p) for p in self.probes],
            **({"inference_probes": [_inference_summary(p) for p in self.inference_probes]}
               if self.inference_probes else {}),
            "gates": [g.to_dict() for g in self.gates],
            "threat_model": self.threat_model, "compliance": compliance,
            "privacy_changelog": self.changelog,
            "sign_off": self.meta.get("sign_off", DEFAULT_SIGN_OFF),
        } | ({"encrypted_inference": self.encrypted_inference}
             if self.encrypted_inference is not None else {}) | (
            {"market_policy": self.market_policy} if self.market_policy is not None else {})  # fmt: skip

    def statement(self) -> str:
        g = self.guarantee
        validation = f"; validation: {g['validation']}" if g.get("validation") else ""
        return (
            f"({g['epsilon']:.4g}, {g['delta']:.3g})-differential privacy; accountant: "
            f"{g['accountant']}; conversion: {g['conversion']}; sampling: {g['sampling']}; "
            f"privacy unit: {g['privacy_unit']} (source: {g['source']}){validation}"
        )

    # -- Model Card Toolkit JSON ----------------------------------------------------------------
    def mct_json(self) -> dict[str, Any]:
        m = self.meta
        metrics = [{k: v for k, v in x.items() if k in ("type", "value", "slice")}
                   for x in m.get("metrics", [])]  # fmt: skip
        g = self.guarantee
        metrics += [{"type": "dp_epsilon", "value": float(g["epsilon"]), "slice": "privacy"},
                    {"type": "dp_delta", "value": float(g["delta"]), "slice": "privacy"}]  # fmt: skip
        for probe in self.probes:
            slice_ = f"membership inference: {probe.attack}"
            metrics += [{"type": "mia_auc", "value": probe.auc, "slice": slice_},
                        {"type": "mia_advantage", "value": probe.advantage, "slice": slice_},
                        {"type": "mia_empirical_epsilon_lower_bound",
                         "value": probe.empirical_epsilon["lower"], "slice": slice_}]  # fmt: skip
            metrics += [{"type": f"mia_tpr_at_fpr_{e.fpr:g}", "value": e.tpr, "slice": slice_}
                        for e in probe.tpr_at_fpr]  # fmt: skip
        for inference in self.inference_probes:
            metrics += [{"type": inference.metric, "value": inference.value,
                         "slice": f"{inference.kind}: {inference.target} (members)"},
                        {"type": inference.metric, "value": inference.non_member_value(),
                         "slice": f"{inference.kind}: {inference.target} (non-members)"}]  # fmt: skip
        details: dict[str, Any] = {"name": m["name"], "overview": m.get("overview", "")}
        if m.get("version"):
            details["version"] = {"name": str(m["version"]), "date": self.generated_at[:10]}
        if m.get("owners"):
            details["owners"] = [{k: str(v) for k, v in o.items()} for o in m["owners"]]
        if m.get("license"):
            details["licenses"] = [{"identifier": str(m["license"])}]
        if m.get("references"):
            details["references"] = [{"reference": str(r)} for r in m["references"]]
        return {
            "schema_version": MCT_SCHEMA_VERSION,
            "model_details": details,
            "model_parameters": {
                "model_architecture": m.get("architecture", ""),
                "data": [_mct_dataset(d) for d in self.data_provenance()],
            },
            "quantitative_analysis": {"performance_metrics": metrics},
            "considerations": {
                "users": [{"description": u} for u in m.get("users", [])],
                "use_cases": [{"description": u} for u in m.get("intended_uses", [])],
                "limitations": [{"description": u} for u in m.get("limitations", [])]
                + [{"description": f"Out of scope: {u}"} for u in m.get("out_of_scope_uses", [])],
                "tradeoffs": [
                    {
                        "description": f"Privacy: {self.statement()}. Differential privacy "
                        "trades accuracy for a bound on what the model reveals about any "
                        "one privacy unit."
                    }
                ],
                "ethical_considerations": [
                    {
                        "name": "membership inference",
                        "mitigation_strategy": f"{self.statement()}; probed: "
                        + ("; ".join(_probe_line(p) for p in self.probes) or "not probed"),
                    }
                ]
                + [
                    {
                        "name": f"{p.kind} of {p.target}",
                        "mitigation_strategy": f"{self.statement()}; probed: {p.headline()}",
                    }
                    for p in self.inference_probes
                ],
            },
        }

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write all forms into `out_dir`; returns their paths by form."""
        from jupyter_privacy.core.reports.card_render import card_html, card_markdown

        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {
            "model_card_json": folder / "model-card.json",
            "privacy_card_json": folder / "privacy-card.json",
            "markdown": folder / "model-card.md",
            "html": folder / "model-card.html",
        }
        _write_json(paths["model_card_json"], self.mct_json())
        _write_json(paths["privacy_card_json"], self.privacy_card())
        paths["markdown"].write_text(card_markdown(self), encoding="utf-8")
        paths["html"].write_text(card_html(self), encoding="utf-8")
        if self.budget is not None:
            paths["privacy_budget_json"] = folder / "privacy-budget.json"
            _write_json(paths["privacy_budget_json"], self.budget)
        return paths


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _mct_dataset(d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": str(d.get("name", "dataset"))}
    parts = [d.get("description", ""), f"source: {d['source']}" if d.get("source") else "",
             f"fingerprint: {d['fingerprint']}" if d.get("fingerprint") else ""]  # fmt: skip
    out["description"] = "; ".join(p for p in parts if p)
    if d.get("link"):
        out["link"] = str(d["link"])
    if d.get("sensitive"):
        out["sensitive"] = {"sensitive_data": [str(s) for s in d["sensitive"]]}
    return out


def _probe_summary(p: ProbeReport) -> dict[str, Any]:
    return {
        "attack": p.attack, "n_members": p.n_members, "n_non_members": p.n_non_members,
        "auc": p.auc, "auc_interval": list(p.auc_interval), "advantage": p.advantage,
        "tpr_at_fpr": {f"{e.fpr:g}": e.tpr for e in p.tpr_at_fpr},
        "empirical_epsilon_lower_bound": p.empirical_epsilon["lower"],
        "confidence": p.empirical_epsilon["confidence"], "ceiling": p.ceiling, "seed": p.seed,
    }  # fmt: skip


def _inference_summary(p: LeakageReport) -> dict[str, Any]:
    """A leakage report as the card carries it: headline, each attack on members and non-members."""
    return {
        "kind": p.kind, "metric": p.metric, "target": p.target, "value": p.value,
        "interval": list(p.interval) if p.interval else None, "reads": p.reads,
        "attack": p.attack, "member_value": p.member_value(),
        "non_member_value": p.non_member_value(), "n_members": p.n_members,
        "n_non_members": p.n_non_members, "n_auxiliary": p.n_auxiliary,
        "confidence": p.confidence, "seed": p.seed, "library": p.library,
        "attacks": [{k: a[k] for k in ("name", "method", "baseline", "members", "non_members",
                                       "gated")} for a in p.attacks],
    }  # fmt: skip


def _probe_line(p: ProbeReport) -> str:
    tprs = ", ".join(f"TPR {e.tpr:.3g} at FPR {e.fpr:g}" for e in p.tpr_at_fpr)
    return (f"{p.attack}: AUC {p.auc:.3f}, {tprs}, empirical ε ≥ "
            f"{p.empirical_epsilon['lower']:.3g}")  # fmt: skip


def build_card(
    meta: dict[str, Any],
    *,
    ledger: Any = None,
    budget: str | None = None,
    release_id: int | None = None,
    guarantee: dict[str, Any] | None = None,
    probes: list[ProbeReport | LeakageReport] | None = None,
    threat_model: Any = None,
    checklist_status: dict[str, Any] | None = None,
    encrypted_inference: dict[str, Any] | None = None,
    market_policy: dict[str, Any] | None = None,
) -> ModelCard:
    """Assemble a card: the guarantee from a ledger budget (or stated), probes, gates, changelog.

    `probes` may mix membership reports with attribute-inference and inversion reports.
    """
    from jupyter_privacy.core.reports.gates import collect_gates
    from jupyter_privacy.core.reports.privacy_budget import (
        budget_document,
        model_guarantee,
        privacy_changelog,
    )

    document, changelog = None, []
    if ledger is not None and budget is not None:
        document = budget_document(ledger, budget)
        changelog = privacy_changelog(ledger, budget)
        if guarantee is None:
            guarantee = model_guarantee(document, release_id)
    if guarantee is None:
        raise InvalidParameterError(
            "a model card needs the DP guarantee: name a ledger budget (and optionally a release), "
            "or state ε, δ and the accountant"
        )
    inference = [p for p in probes or [] if isinstance(p, LeakageReport)]
    reports = [p for p in probes or [] if isinstance(p, ProbeReport)]
    if guarantee.get("epsilon") is not None:
        reports = [_with_claim(p, guarantee) for p in reports]
    gates = collect_gates(
        ledger=ledger if budget else None, budgets=[budget] if budget else [],
        probe_reports=[*reports, *inference], threat_model=threat_model,
        checklist_status=checklist_status,
        metrics={str(m["type"]): float(m["value"]) for m in meta.get("metrics", [])},
    )  # fmt: skip
    return ModelCard(
        meta=meta, guarantee=guarantee, budget=document, probes=reports, gates=gates,
        inference_probes=inference,
        threat_model=threat_model.summary() if threat_model is not None else None,
        compliance=checklist_status, changelog=changelog, encrypted_inference=encrypted_inference,
        market_policy=market_policy,
    )  # fmt: skip


def _with_claim(report: ProbeReport, guarantee: dict[str, Any]) -> ProbeReport:
    """Put the model's claimed (ε, δ) next to a probe run without it, so the ceiling shows."""
    if report.ceiling is not None:
        return report
    from dataclasses import replace

    from jupyter_privacy.core.probes.metrics import dp_ceiling
    from jupyter_privacy.core.probes.report import fpr_key

    c = dp_ceiling(float(guarantee["epsilon"]), float(guarantee["delta"]))
    ceiling = {"epsilon": c.epsilon, "delta": c.delta, "auc": c.auc, "advantage": c.advantage,
               "tpr_at_fpr": {fpr_key(e.fpr): c.tpr_at_fpr(e.fpr) for e in report.tpr_at_fpr}}  # fmt: skip
    notes = report.notes
    if report.empirical_epsilon["delta"] != c.delta:
        notes += (f"the empirical bound was computed at δ {report.empirical_epsilon['delta']:g}, "
                  f"the claim is at δ {c.delta:g}; re-run the probe with --delta to match",)  # fmt: skip
    return replace(report, ceiling=ceiling, notes=notes)


def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of our additions: 'privacy-card' or 'privacy-budget'."""
    from importlib import resources

    if name not in ("privacy-card", "privacy-budget"):
        raise InvalidParameterError(f"unknown schema {name!r}; use privacy-card or privacy-budget")
    text = (
        resources.files("jupyter_privacy.core.reports") / "schemas" / f"{name}.schema.json"
    ).read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def example_path(name: str) -> Path:
    """A shipped starting point: 'threat-model.yaml' or 'card.yaml'."""
    from importlib import resources

    return Path(str(resources.files("jupyter_privacy.core.reports") / "examples" / name))
