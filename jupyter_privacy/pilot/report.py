"""The pilot's `index.html`: the verdict, each step with its time, the gates, the budget report
(`budgets.html`, embedded), and links to every artifact. Self-contained, so it opens from a CI artifact with no network."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.reports.html import heading, page, paragraph, table

if TYPE_CHECKING:
    from jupyter_privacy.pilot.runner import PilotResult

#: Artifacts the templates write, shown with these labels when present.
KNOWN_ARTIFACTS = {
    "threat_model.html": "Threat model",
    "checklist.html": "Compliance checklist (engineering guidance, not legal advice)",
    "checklist.json": "Compliance checklist status (machine-readable)",
    "analytics_releases.json": "DP analytics releases",
    "tradeoff.html": "ε-versus-utility curve",
    "training.json": "DP-SGD training record",
    "probe_report.json": "Membership-inference probe",
    "attribute_report.json": "Attribute-inference probe",
    "inversion_report.json": "Model-inversion probe",
    "model-card.html": "Model card",
    "model-card.md": "Model card (Markdown)",
    "model-card.json": "Model card (Model Card Toolkit JSON)",
    "privacy-budget.json": "Privacy budget (privacy-budget.json)",
    "privacy-budgets.json": "Every pilot budget with its releases",
    "privacy_changelog.md": "Privacy changelog",
    "signoff.md": "Sign-off",
    "community_summary.md": "Community summary (sanitized)",
    "model.keras": "The trained model",
    "verdict.json": "Verdict (machine-readable)",
    "budgets.html": "Privacy budget report (charts, integrity, releases)",
}


def write_index(result: PilotResult, ledger_url: str) -> Path:
    out = result.out_dir
    verdict = "PASSED" if result.passed else "FAILED"
    css = "pass" if result.passed else "fail"
    body = [f'<h2 class="{css}">Verdict: {verdict}</h2>']
    if result.failure:
        body.append(paragraph(result.failure, "fail"))
    body.append(heading("Steps"))
    rows = []
    for step in result.steps:
        html_copy = _notebook_html(out / step.notebook)
        link = f'<a href="{escape(step.notebook)}">ipynb</a>'
        if html_copy:
            link += f' · <a href="{escape(html_copy)}">html</a>'
        rows.append((step.name, f"{step.seconds:.1f} s", "ok" if step.ok else "FAILED", link))
    body.append(_raw_table(["step", "time", "status", "executed notebook"], rows))
    body.append(heading("Gates"))
    body.append(table(
        ["step", "gate", "verdict", "observed", "threshold", "reason"],
        [(s, g.gate, "PASS" if g.passed else "FAIL", _short(g.observed), _short(g.threshold),
          g.reason) for s, g in result.gates],
    ))  # fmt: skip
    body.append(heading("Privacy budgets"))
    report = _budget_report(out, ledger_url)
    body.append(
        f'<p><a href="{report}">Open the budget report on its own page</a></p>'
        f'<iframe src="{report}" title="Privacy budgets" loading="lazy" '
        'style="width:100%;height:70rem;border:1px solid #ccc"></iframe>'
        if report
        else paragraph("no budgets")
    )
    body.append(heading("Ledger anchor"))
    body.append(_anchor_paragraph(ledger_url))
    body.append(heading("Artifacts"))
    links = [
        f'<li><a href="{escape(name)}">{escape(label)}</a></li>'
        for name, label in KNOWN_ARTIFACTS.items()
        if (out / name).exists()
    ]
    body.append("<ul>" + "".join(links) + "</ul>")
    index = out / "index.html"
    index.write_text(page("Privacy pilot report", "\n".join(body)), encoding="utf-8")
    return index


def _short(value: object) -> object:
    return f"{value:.4g}" if isinstance(value, float) else value


def _raw_table(headers: list[str], rows: list[tuple[str, str, str, str]]) -> str:
    """Like html.table, but the last column is trusted HTML (the links built above)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row[:-1]) + f"<td>{row[-1]}</td></tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"


def _budget_report(out: Path, ledger_url: str) -> str | None:
    """The budget dashboard as `budgets.html` beside the index (what `report budgets` writes)."""
    from jupyter_privacy.charts.budget_report import write_budget_report

    with open_ledger(ledger_url, read_only=True) as ledger:
        if not ledger.budgets():
            return None
        write_budget_report(ledger, out / "budgets.html", root=out)
    return "budgets.html"


def _anchor_paragraph(ledger_url: str) -> str:
    """The ledger's head at the end of the run: this CI artifact then pins the ledger's history."""
    with open_ledger(ledger_url, read_only=True) as ledger:
        anchor = ledger.anchor()
    return paragraph(
        f"{anchor.entries} entries, head hash {anchor.head_hash}, taken {anchor.created_at}. "
        f"Check later that the ledger still extends it: jupyter privacy ledger verify --anchor "
        f"{anchor.token}"
    )


def _notebook_html(notebook: Path) -> str | None:
    """An HTML copy of an executed notebook, for readers without Jupyter (None if it fails)."""
    try:
        import nbformat
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(template_name="lab")
        body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    except Exception:  # a report without the HTML copy is still a report
        return None
    target = notebook.with_suffix(".html")
    target.write_text(body, encoding="utf-8")
    return str(target.relative_to(notebook.parent.parent))
