"""The budget dashboard as one self-contained HTML page, for readers without JupyterLab.

`jupyter privacy report budgets --out budgets.html` and the pilot's `index.html` use it. The charts
are the dashboard's (`charts.dashboard`), drawn to inline SVG by vl-convert: they show with no
network and no script at all. A few lines of inline script add what the Lab dashboard has besides
the charts: narrowing to one budget, and filtering and sorting the release table. No released
value, detail or data digest is on the page: budgets, ε, δ, times, names and origins only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from jupyter_privacy.charts.budgets import timeline_chart
from jupyter_privacy.charts.dashboard import (
    CHART_TITLES,
    dashboard_charts,
    spend_by_data,
    timeline_data,
)
from jupyter_privacy.core.ledger import Budget, Ledger
from jupyter_privacy.core.ledger.activity import LedgerActivity
from jupyter_privacy.core.ledger.provenance import origin_label

DEFAULT_RELEASES = 500
PAGE_WIDTH = 460

_STYLE = """
:root{color-scheme:light dark;--fg:#1f2328;--muted:#4b5563;--bg:#fff;--line:#d0d7de;
--ok-bg:#e3f2e6;--ok-fg:#14532d;--bad-bg:#fde8ea;--bad-fg:#7f1d1d}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#c4c9d0;--bg:#0d1117;--line:#30363d;
--ok-bg:#163823;--ok-fg:#bbf7d0;--bad-bg:#4c1418;--bad-fg:#fecdd3}}
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;
color:var(--fg);background:var(--bg)}
h1{margin-bottom:.2rem}.muted{color:var(--muted)}code{font-size:.85em}
.badge{display:inline-block;padding:.2rem .5rem;border-radius:4px}
.ok{background:var(--ok-bg);color:var(--ok-fg)}.bad{background:var(--bad-bg);color:var(--bad-fg)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1rem}
.wide{display:grid;gap:1rem;margin-top:1rem}
figure{margin:0;padding:.5rem;border:1px solid var(--line);border-radius:4px;background:#fff;
overflow-x:auto}figure svg{max-width:100%;height:auto}figcaption{color:#333;font-size:.85rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{border-bottom:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th button{font:inherit;font-weight:600;background:none;border:0;color:inherit;cursor:pointer;padding:0}
.controls{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin:.5rem 0}
input,select{font:inherit;padding:.2rem .4rem}
section.budget{border-top:1px solid var(--line);margin-top:1rem}
"""

#: Narrow to a budget, filter and sort the table (the page reads fine without it).
_SCRIPT = """
(function(){
var pick=document.getElementById('budget'),filter=document.getElementById('filter'),
table=document.getElementById('releases'),body=table.tBodies[0],count=document.getElementById('count');
function apply(){var b=pick.value,q=filter.value.trim().toLowerCase(),n=0;
document.querySelectorAll('section.budget').forEach(function(s){s.hidden=!!b&&s.dataset.budget!==b;});
document.getElementById('overview').hidden=!!b;
Array.prototype.forEach.call(body.rows,function(r){var show=(!b||r.dataset.budget===b)&&
(!q||r.textContent.toLowerCase().indexOf(q)>=0);r.hidden=!show;if(show)n++;});
count.textContent=n+' of '+body.rows.length+' shown';}
var order={};
table.querySelectorAll('th button').forEach(function(btn,i){btn.addEventListener('click',function(){
var numeric=btn.dataset.numeric==='1',dir=order[i]=-(order[i]||(numeric?1:-1));
var rows=Array.prototype.slice.call(body.rows);rows.sort(function(a,b){
var x=a.cells[i].dataset.key,y=b.cells[i].dataset.key;
if(numeric){x=parseFloat(x);y=parseFloat(y);}return (x<y?-1:x>y?1:0)*dir;});
rows.forEach(function(r){body.appendChild(r);});
table.querySelectorAll('th').forEach(function(th,j){th.setAttribute('aria-sort',j===i?
(dir>0?'ascending':'descending'):'none');});});});
pick.addEventListener('change',apply);filter.addEventListener('input',apply);apply();
})();
"""

_COLUMNS = (("time (UTC)", False), ("budget", False), ("ε", True), ("δ", True), ("mechanism", False),
            ("description", False), ("who", False), ("from where", False), ("entry", True))  # fmt: skip


_BUDGET_COLUMNS = ("budget", "ε spent", "ε total", "ε left", "δ spent / total", "privacy unit",
                   "composition", "releases", "last release (UTC)")  # fmt: skip


def _svg(chart: Any) -> str:
    import vl_convert  # draws the Vega-Lite spec offline, as the kernel-side SVG fallback does

    svg: str = vl_convert.vegalite_to_svg(chart.to_dict())
    return svg


def _figure(chart: Any, caption: str) -> str:
    return f'<figure role="img" aria-label="{escape(caption)}">{_svg(chart)}<figcaption>{escape(caption)}</figcaption></figure>'


def _eps(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _minute(iso: str | None) -> str:
    """'2026-11-30T12:36:35.72+00:00' → '2026-11-30 12:36' (UTC, as the ledger stores it)."""
    return iso[:16].replace("T", " ") if iso else "never"


def _budget_rows(budgets: tuple[Budget, ...]) -> str:
    rows = []
    for b in budgets:
        cells = [escape(b.name), _eps(b.epsilon_spent), _eps(b.epsilon_total),
                 _eps(b.epsilon_remaining), f"{b.delta_spent:.2g} / {b.delta_total:.2g}",
                 escape(f"{b.privacy_unit} (≤ {b.max_contributions} row(s) each)"),
                 escape(b.composition), str(b.release_count),
                 escape(_minute(b.last_release_at))]  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in _BUDGET_COLUMNS)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _spend_table(activity: LedgerActivity, root: Path) -> str:
    rows = []
    for title, frame in (
        ("notebook or script", spend_by_data(activity.by_origin, activity.other_origins,
                                              lambda key: origin_label(key, root))),
        ("person", spend_by_data(activity.by_actor, activity.other_actors)),
    ):  # fmt: skip
        for row in frame.itertuples():
            rows.append(f"<tr><td>{escape(title)}</td><td>{escape(str(row.label))}</td>"
                        f'<td class="num">{_eps(row.epsilon)}</td>'
                        f'<td class="num">{row.releases}</td></tr>')  # fmt: skip
    head = "<tr><th>by</th><th>who / where</th><th>ε (summed)</th><th>releases</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _release_table(ledger: Ledger, limit: int, root: Path) -> tuple[str, int]:
    page = ledger.find_releases(limit=limit)
    head = "".join(
        f'<th aria-sort="none"><button type="button" data-numeric="{int(numeric)}">'
        f"{escape(label)}</button></th>"
        for label, numeric in _COLUMNS
    )
    rows = []
    for r in page.releases:
        where = origin_label(r.origin, root)
        cells = [(r.created_at, _minute(r.created_at)), (r.budget, r.budget), (r.epsilon, _eps(r.epsilon)),
                 (r.delta, f"{r.delta:.2g}"), (r.mechanism, r.mechanism or "—"),
                 (r.description, r.description or "—"), (r.actor, r.actor), (where, where),
                 (r.id, f"#{r.id}")]  # fmt: skip
        tds = "".join(
            f'<td data-key="{escape(str(key))}"{" class=num" if numeric else ""}>{escape(str(text))}</td>'
            for (key, text), (_, numeric) in zip(cells, _COLUMNS, strict=True)
        )
        rows.append(f'<tr data-budget="{escape(r.budget)}">{tds}</tr>')
    table = (
        f'<table id="releases"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
    return table, page.total


def budget_report(
    ledger: Ledger, *, releases: int = DEFAULT_RELEASES, root: str | Path | None = None
) -> str:
    """The whole page: integrity, every budget's figures and charts, and the newest releases."""
    base = Path(root) if root is not None else Path.cwd()
    activity = ledger.activity()
    report = ledger.verify()
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    where = lambda origin: origin_label(origin, base)  # noqa: E731
    charts = dashboard_charts(activity, where=where, width=PAGE_WIDTH)
    badge = (
        f'<span class="badge ok">Integrity: verified ({report.entries_checked:,} entries)</span>'
        if report.ok
        else f'<span class="badge bad">Integrity: FAILED — {len(report.problems)} problem(s); '
        "do not trust these figures</span>"
    )
    options = '<option value="">All budgets</option>' + "".join(
        f'<option value="{escape(b.name)}">{escape(b.name)}</option>' for b in activity.budgets
    )
    parts = [
        f'<p class="muted">Generated {generated} from ledger <code>{escape(ledger.display_url)}'
        f"</code>. Chain head (pin it as an anchor): entry {activity.head_id}, hash "
        f"<code>{escape(activity.head_hash)}</code>.</p>",
        f"<p>{badge}</p>",
        f'<div class="controls"><label>Budget <select id="budget">{options}</select></label></div>',
    ]
    if not activity.budgets:
        parts.append("<p>This ledger has no budgets yet.</p>")
    else:
        figures = "".join(
            _figure(charts[name], CHART_TITLES[name]) for name in ("budgets", "by_person")
        )
        wide = "".join(
            _figure(charts[name], CHART_TITLES[name]) for name in ("timeline", "by_notebook")
        )
        parts.append(
            f'<div id="overview"><h2>All budgets</h2>{_budget_rows(activity.budgets)}'
            f'<div class="charts">{figures}</div><div class="wide">{wide}</div></div>'
        )
        for budget in activity.budgets:
            parts.append(_budget_section(ledger, budget, base))
        table, total = _release_table(ledger, releases, base)
        shown = min(total, releases)
        parts.append(
            f'<h2>Releases</h2><p class="muted">The newest {shown:,} of {total:,}.</p>'
            '<div class="controls"><input id="filter" type="search" '
            'placeholder="Filter: description, mechanism, person, notebook" '
            'aria-label="Filter releases"><span id="count" class="muted"></span></div>'
            f"{table}"
        )
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Privacy budgets</title><style>{_STYLE}</style></head>\n<body>\n"
        f"<h1>Privacy budgets</h1>\n{body}\n"
        f"<script>{_SCRIPT if activity.budgets else ''}</script>\n</body></html>\n"
    )


def _budget_section(ledger: Ledger, budget: Budget, root: Path) -> str:
    """One budget: its figures, its timeline against its total, and who spent it from where."""
    activity = ledger.activity(budget.name)
    timeline = timeline_chart(
        timeline_data(activity), width=PAGE_WIDTH * 2, height=200,
        title=f"{budget.name}: cumulative ε (dashed: the total, ε {_eps(budget.epsilon_total)})",
    )  # fmt: skip
    figure = _figure(timeline, f"Cumulative ε over time of {budget.name}")
    return (
        f'<section class="budget" data-budget="{escape(budget.name)}">'
        f"<h2>{escape(budget.name)}</h2>{_budget_rows((budget,))}{figure}"
        f"<h3>Spend by notebook and by person</h3>{_spend_table(activity, root)}</section>"
    )


def write_budget_report(
    ledger: Ledger, out: str | Path, *, releases: int = DEFAULT_RELEASES,
    root: str | Path | None = None,
) -> Path:  # fmt: skip
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(budget_report(ledger, releases=releases, root=root), encoding="utf-8")
    return target
