"""Markdown (Hugging Face-style YAML header) and HTML (offline, inline SVG chart) of a model card."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from jupyter_privacy.core.encrypted.report import cost_table, section_lines
from jupyter_privacy.core.reports import html
from jupyter_privacy.core.reports.verdict import AUDIT_EXCEPTION

if TYPE_CHECKING:
    from jupyter_privacy.core.reports.model_card import ModelCard

_GUARANTEE_ROWS = ("epsilon", "delta", "accountant", "conversion", "sampling", "privacy_unit",
                   "mechanism", "source")  # fmt: skip


def front_matter(card: ModelCard) -> dict[str, Any]:
    m, g = card.meta, card.guarantee
    header: dict[str, Any] = {"model_name": m["name"]}
    if m.get("license"):
        header["license"] = str(m["license"]).lower()
    header["tags"] = ["differential-privacy", "jupyter-privacy"]
    datasets = [str(d.get("source") or d.get("name")) for d in card.data_provenance()]
    if datasets:
        header["datasets"] = datasets
    metrics = [str(x["type"]) for x in m.get("metrics", [])]
    if metrics:
        header["metrics"] = metrics
    header["privacy"] = {key: g.get(key) for key in _guarantee_keys(card)}
    if card.inference_probes:
        header["privacy"]["inference_probes"] = [
            {"metric": p.metric, "target": p.target, "value": round(p.value, 4),
             "reads": p.reads, "members": round(p.member_value(), 4),
             "non_members": round(p.non_member_value(), 4)}
            for p in card.inference_probes
        ]  # fmt: skip
    if card.probes:
        header["privacy"]["membership_inference"] = [
            {"attack": p.attack, "auc": round(p.auc, 4),
             "empirical_epsilon_lower_bound": float(f"{p.empirical_epsilon['lower']:.4g}")}
            for p in card.probes
        ]  # fmt: skip
    return header


def card_markdown(card: ModelCard) -> str:
    m = card.meta
    header = yaml.safe_dump(front_matter(card), sort_keys=False, allow_unicode=True)
    out = [
        f"---\n{header}---",
        "",
        f"# Model card: {m['name']} {m.get('version', '')}".rstrip(),
        "",
    ]
    if m.get("overview"):
        out += [m["overview"], ""]
    out += _section("Intended use", m.get("intended_uses", []))
    out += _section("Out of scope", m.get("out_of_scope_uses", []))
    out += ["## Differential-privacy guarantee", "", card.statement(), ""]
    out.append(html.markdown_table(["", "value"], _guarantee_rows(card)))
    if card.guarantee.get("missing"):
        out += [f"Not recorded by the release: {', '.join(card.guarantee['missing'])}.", ""]
    if card.inference_probes:
        out += ["## Attribute inference and model inversion", "", _inference_intro(card), ""]
        out.append(html.markdown_table(_INFERENCE_HEADERS, _inference_rows(card)))
    out += ["## Data provenance", ""]
    out.append(html.markdown_table(["dataset", "source", "public facts"], _data_rows(card)))
    out += ["## Membership-inference probes", ""]
    if card.probes:
        out += [f"Note: {AUDIT_EXCEPTION}.", ""]
    out.append(
        html.markdown_table(_PROBE_HEADERS, _probe_rows(card)) if card.probes else "Not probed.\n"
    )
    if card.encrypted_inference:
        out += ["## Encrypted inference", ""]
        out += [part for line in section_lines(card.encrypted_inference) for part in (line, "")]
        out.append(html.markdown_table(*cost_table(card.encrypted_inference)))
    if card.market_policy:
        out += ["## Markets", "", market_note(card.market_policy), ""]
        out.append(html.markdown_table(*market_table(card.market_policy)))
    if card.gates:
        out += ["## Gates", "", *[f"- {g.line()}" for g in card.gates], ""]
    if card.threat_model:
        tm = card.threat_model
        out += ["## Threat model", "", f"{tm['title']} (as of {tm['as_of']}).", ""]
        out += [f"- Success criterion: {c}" for c in tm["success_criteria"]] + [""]
    if card.compliance:
        out += ["## Compliance", "", _compliance_line(card.compliance), ""]
    out += ["## Privacy changelog", ""]
    out.append(html.markdown_table(["when", "kind", "change", "actor"], _changelog_rows(card)))
    out += ["## Sign-off", ""]
    out.append(html.markdown_table(["role", "name", "date", "decision"], _sign_off_rows(card)))
    return "\n".join(out)


def card_html(card: ModelCard) -> str:
    m = card.meta
    body = [html.paragraph(m["overview"])] if m.get("overview") else []
    for title, items in (("Intended use", m.get("intended_uses", [])),
                         ("Out of scope", m.get("out_of_scope_uses", []))):  # fmt: skip
        if items:
            body += [html.heading(title), html.bullet_list(items)]
    body += [html.heading("Differential-privacy guarantee"), html.paragraph(card.statement()),
             html.table(["", "value"], _guarantee_rows(card))]  # fmt: skip
    if card.budget and card.budget["releases"]:
        releases = card.budget["releases"]
        labels = [f"#{r['release_id']} {r['description'] or r['mechanism']}" for r in releases]
        body += [html.heading("Privacy budget", 3),
                 html.budget_svg(labels, [r["epsilon"] for r in releases],
                                 card.budget["budget"]["epsilon_total"])]  # fmt: skip
    if card.inference_probes:
        body += [html.heading("Attribute inference and model inversion"),
                 html.paragraph(_inference_intro(card)),
                 html.table(_INFERENCE_HEADERS, _inference_rows(card))]  # fmt: skip
    body += [html.heading("Data provenance"),
             html.table(["dataset", "source", "public facts"], _data_rows(card))]  # fmt: skip
    body.append(html.heading("Membership-inference probes"))
    if card.probes:
        body.append(html.paragraph(f"Note: {AUDIT_EXCEPTION}."))
    body.append(
        html.table(_PROBE_HEADERS, _probe_rows(card))
        if card.probes
        else html.paragraph("Not probed.")
    )
    if card.encrypted_inference:
        body += [html.heading("Encrypted inference"),
                 *[html.paragraph(line) for line in section_lines(card.encrypted_inference)],
                 html.table(*cost_table(card.encrypted_inference))]  # fmt: skip
    if card.market_policy:
        body += [html.heading("Markets"), html.paragraph(market_note(card.market_policy)),
                 html.table(*market_table(card.market_policy))]  # fmt: skip
    if card.gates:
        body.append(html.heading("Gates"))
        body += [html.paragraph(g.line(), "pass" if g.passed else "fail") for g in card.gates]
    if card.threat_model:
        tm = card.threat_model
        body += [html.heading("Threat model"), html.paragraph(f"{tm['title']} (as of {tm['as_of']})."),
                 html.bullet_list(tm["success_criteria"])]  # fmt: skip
    if card.compliance:
        body += [html.heading("Compliance"), html.paragraph(_compliance_line(card.compliance))]
    body += [html.heading("Privacy changelog"),
             html.table(["when", "kind", "change", "actor"], _changelog_rows(card)),
             html.heading("Sign-off"),
             html.table(["role", "name", "date", "decision"], _sign_off_rows(card))]  # fmt: skip
    title = f"Model card: {m['name']} {m.get('version', '')}".rstrip()
    return html.page(title, "".join(body))


_PROBE_HEADERS = ["attack", "members / non-members", "AUC", "advantage", "TPR at FPR",
                  "empirical ε ≥", "claimed ε allows AUC ≤"]  # fmt: skip


_INFERENCE_HEADERS = ["probe", "target", "gated figure", "members", "non-members",
                      "strongest attack", "rows known to the attacker"]  # fmt: skip


def _inference_intro(card: ModelCard) -> str:
    g = card.guarantee
    return (f"At ε {g['epsilon']:.4g}, δ {g['delta']:.3g}: what an attacker infers with the model "
            "beyond a baseline that never sees it (attribute inference: accuracy advantage; "
            "inversion: similarity, 0 = none), for training members and for people outside the "
            "training data. Attribute inference and feature reconstruction are gated on members "
            "minus non-members (what being trained on costs a person, which DP bounds); class "
            "representatives on the members' similarity. Intervals at the stated confidence. "
            f"Note: {AUDIT_EXCEPTION}.")  # fmt: skip


def _inference_rows(card: ModelCard) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for p in card.inference_probes:
        interval = f" [{p.interval[0]:+.3f}, {p.interval[1]:+.3f}]" if p.interval else ""
        rows.append((p.kind, p.target, f"{p.value:+.3f}{interval} ({p.reads})",
                     f"{p.member_value():+.3f} (n {p.n_members})",
                     f"{p.non_member_value():+.3f} (n {p.n_non_members})", p.attack,
                     str(p.n_auxiliary)))  # fmt: skip
    return rows


def _section(title: str, items: list[str]) -> list[str]:
    return [f"## {title}", "", *[f"- {i}" for i in items], ""] if items else []


def _guarantee_keys(card: ModelCard) -> tuple[str, ...]:
    """The guarantee's rows; a trained model's also name its weights file's SHA-256 and how its
    validation metrics were released."""
    extra = tuple(key for key in ("weights_sha256", "validation") if card.guarantee.get(key))
    return _GUARANTEE_ROWS + extra


def _guarantee_rows(card: ModelCard) -> list[tuple[str, Any]]:
    return [(key.replace("_", " "), card.guarantee.get(key, "")) for key in _guarantee_keys(card)]


def _data_rows(card: ModelCard) -> list[tuple[str, str, str]]:
    return [(str(d.get("name", "")), str(d.get("source", "")), _public_facts(d))
            for d in card.data_provenance()]  # fmt: skip


def _public_facts(dataset: dict[str, Any]) -> str:
    """Rows, declared bounds and a fingerprint only when the card's author gave one."""
    facts = []
    if dataset.get("rows") is not None:
        facts.append(f"{dataset['rows']} rows")
    for column, (low, high) in (dataset.get("declared_bounds") or {}).items():
        facts.append(f"{column} in [{low:g}, {high:g}]")
    if dataset.get("fingerprint"):
        facts.append(f"fingerprint {dataset['fingerprint']}")
    return "; ".join(facts)


def _probe_rows(card: ModelCard) -> list[tuple[Any, ...]]:
    rows = []
    for p in card.probes:
        tprs = "; ".join(f"{e.tpr:.4f} at {e.fpr:g}" for e in p.tpr_at_fpr)
        ceiling = f"{p.ceiling['auc']:.3f}" if p.ceiling else "no claim"
        rows.append((p.attack, f"{p.n_members} / {p.n_non_members}", f"{p.auc:.3f}",
                     f"{p.advantage:.3f}", tprs,
                     f"{p.empirical_epsilon['lower']:.4g} ({p.empirical_epsilon['confidence']:.0%})",
                     ceiling))  # fmt: skip
    return rows


def market_note(section: dict[str, Any]) -> str:
    caps = ", ".join(f"{m} ε ≤ {cap:g}" for m, cap in section["epsilon_caps"].items())
    return (f"Features and model outputs served per market, from privacy-policy.yaml (checklist "
            f"item ids in brackets; ε caps: {caps}). {section['disclaimer']}")  # fmt: skip


def market_table(section: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """feature × market: allow, allow (high-risk lane), or deny with the checklist item ids."""

    def cell(decision: dict[str, Any]) -> str:
        if decision["allowed"]:
            return "allow (high-risk lane)" if decision["high_risk"] else "allow"
        return "deny" + (f" [{', '.join(decision['items'])}]" if decision["items"] else "")

    rows = [[row["feature"], *[cell(row["markets"][m]) for m in section["markets"]]]
            for row in section["features"]]  # fmt: skip
    return ["feature", *section["markets"]], rows


def _compliance_line(status: dict[str, Any]) -> str:
    s = status["summary"]
    markets = ", ".join(m["name"] for m in status["markets"])
    return (f"{markets} for {', '.join(status['use_cases'])}: {s['done']} done, {s['n/a']} n/a, "
            f"{s['open']} open ({len(s['open_binding'])} binding open). {status['disclaimer']}")  # fmt: skip


def _changelog_rows(card: ModelCard) -> list[tuple[str, str, str, str]]:
    return [(c["at"][:19].replace("T", " "), c["kind"], c["change"], c["actor"])
            for c in card.changelog]  # fmt: skip


def _sign_off_rows(card: ModelCard) -> list[tuple[str, str, str, str]]:
    from jupyter_privacy.core.reports.model_card import DEFAULT_SIGN_OFF

    entries = card.meta.get("sign_off", DEFAULT_SIGN_OFF)
    return [(str(e.get("role", "")), str(e.get("name", "")), str(e.get("date", "")),
             str(e.get("decision", ""))) for e in entries]  # fmt: skip
