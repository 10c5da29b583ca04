"""Tiny offline HTML helpers for the reports: escaped text, a page shell, tables, an SVG bar chart.

Self-contained on purpose: a report opened from a CI artifact must render with no network.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}.banner{background:#fff4ce;border:1px solid
#e0c060;padding:.5rem 1rem}.unconfirmed{color:#8a5a00}.pass{color:#116611}.fail{color:#aa1111}
code{background:#f3f3f3;padding:0 .2rem}
"""


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n<h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )


def heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{escape(text)}</h{level}>\n"


def paragraph(text: str, css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return f"<p{attribute}>{escape(text)}</p>\n"


def bullet_list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>\n"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def budget_svg(labels: Sequence[str], spent: Sequence[float], total: float) -> str:
    """Cumulative ε after each release as bars, with the budget's total as a red line."""
    width, bar_height, gap, left = 560, 18, 6, 150
    height = max(len(spent), 1) * (bar_height + gap) + 40
    top = max(total, max(spent, default=0.0)) or 1.0
    scale = (width - left - 20) / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="privacy budget: cumulative epsilon per release">'
    ]
    cumulative = 0.0
    for index, (label, value) in enumerate(zip(labels, spent, strict=True)):
        cumulative += value
        y = 10 + index * (bar_height + gap)
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end">'
            f"{escape(label[:24])}</text>"
            f'<rect x="{left}" y="{y}" width="{cumulative * scale:.1f}" height="{bar_height}" '
            f'fill="#4c78a8"><title>ε {cumulative:.4g} after {escape(label)}</title></rect>'
        )
    line_x = left + total * scale
    parts.append(
        f'<line x1="{line_x:.1f}" y1="4" x2="{line_x:.1f}" y2="{height - 24}" stroke="#c0392b" '
        f'stroke-width="2"/><text x="{line_x:.1f}" y="{height - 8}" font-size="11" '
        f'text-anchor="end">budget total ε {total:g}</text>'
        f'<text x="{left}" y="{height - 8}" font-size="11">cumulative ε spent</text></svg>'
    )
    return "".join(parts)
