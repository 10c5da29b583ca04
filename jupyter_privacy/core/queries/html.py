"""HTML for a DP release or preview in a notebook: the values, their accuracy, and what they cost.

A notebook output shares the page with JupyterLab, so there is no `<style>` block (it would restyle
the whole page): the tables take the front end's own table style. Text is escaped with
`html.escape`, as in the reports (`core/reports/html.py`); the tables here differ from the reports'
in having a caption and row and column headers, which screen readers announce with each cell.
Only released values and public settings appear, never a row of the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from jupyter_privacy.core.queries.release import (
    QueryPreview,
    QueryRelease,
    Statistic,
    accuracy_notes,
    format_number,
    noise_scales,
)


def preview_html(preview: QueryPreview) -> str:
    """The noise and accuracy a release would have, with a caption that says nothing was spent."""
    caption = (
        "<strong>Preview: nothing spent.</strong> A release would spend "
        f"{_cost(preview)} from budget {_name(preview.budget)}"
        + (
            f" (ε remaining {format_number(preview.budget_epsilon_remaining)})."
            if preview.budget_epsilon_remaining is not None
            else "."
        )
    )
    rows = (
        [_cell(s.name, header=True), *_statistic_cells(s, accuracy=True)]
        for s in preview.statistics
    )
    headers = [*_statistic_headers(["statistic"]), f"± at α={preview.alpha:g}"]
    table = _table(caption, headers, rows)
    return _block("jp-privacy-preview", table + _notes(preview))


def release_html(release: QueryRelease) -> str:
    """One row per released value (group columns first), under a caption with the cost and budget."""
    remaining = format_number(release.budget_epsilon_remaining)
    entry = escape(str(release.entry_id))
    if release.replayed:
        caption = (
            "<strong>Replayed: nothing spent now.</strong> The stored release of ledger entry "
            f"{entry} (it cost {_cost(release)} when first drawn) from budget "
            f"{_name(release.budget)}; ε remaining {remaining}."
        )
    else:
        caption = (
            f"<strong>Fresh draw: spent {_cost(release)}</strong> from budget "
            f"{_name(release.budget)}; ε remaining {remaining}; ledger entry {entry}."
        )
    confidence = f"{(1 - release.alpha) * 100:g}%"
    headers = [*release.group_by, "statistic", "value", f"± at α={release.alpha:g}",
               f"{confidence} interval"]  # fmt: skip
    by_name = {s.name: s for s in release.statistics}
    grouped = bool(release.group_by)
    rows = []
    for item in release.values:
        cells = [_cell(key, header=True) for key in item.group]
        cells.append(_cell(item.statistic, header=not grouped))
        cells += [_cell(format_number(item.value)), _cell(format_number(item.plus_minus)),
                  _cell(_interval(item.low, item.high))]  # fmt: skip
        if not grouped:  # one row per statistic: its cost and noise fit on the same row
            cells += _statistic_cells(by_name[item.statistic])
        rows.append(cells)
    if grouped:
        body = _table(caption, headers, rows)
        body += _table(
            "How each statistic was released",
            _statistic_headers(["statistic"]),
            ([_cell(s.name, header=True), *_statistic_cells(s)] for s in release.statistics),
        )
    else:
        body = _table(caption, _statistic_headers(headers), rows)
    if not release.values:
        body += "<p>No values were released (no group passed the threshold).</p>"
    return _block("jp-privacy-release", body + _notes(release))


def _interval(low: float | None, high: float | None) -> str:
    if low is None and high is None:  # OpenDP gives no interval (a quantile): one dash, not two
        return "-"
    return f"[{format_number(low)}, {format_number(high)}]"


def _cost(query: QueryPreview) -> str:
    return f"ε {query.epsilon:g}, δ {query.delta:g}"


def _name(budget: str) -> str:
    return f"<code>{escape(budget)}</code>"


def _statistic_headers(first: list[str]) -> list[str]:
    return [*first, "ε", "mechanism", "noise scale"]


def _statistic_cells(stat: Statistic, *, accuracy: bool = False) -> list[str]:
    """ε share, mechanism, each noise component's scale (a mean has two) and the statistic's ± at α
    (a mean's only with a public row count: see `accuracy_notes`)."""
    cells = [_cell(f"{stat.epsilon:.4g}"), _cell(stat.mechanism), _cell(noise_scales(stat))]
    if accuracy:
        cells.append(_cell(format_number(stat.accuracy)))
    return cells


def _notes(query: QueryPreview) -> str:
    shares = query.epsilon_split
    split = "; ".join(f"{name} {eps:.4g}" for name, eps in shares.items())
    how = "evenly" if len({round(e, 12) for e in shares.values()}) == 1 else "by weight"
    confidence = f"{(1 - query.alpha) * 100:g}%"
    notes = [
        f"ε split {how} over the aggregates (sequential composition): {escape(split)}",
        f"privacy unit: {escape(query.privacy_unit or 'not stated')}",
        f"accuracy at α = {query.alpha:g}: each ± and interval holds with {confidence} confidence",
        f"query: <code>{escape(query.query)}</code>",
        *(escape(note) for note in accuracy_notes(query)),
    ]
    if query.threshold is not None:
        notes.append(
            "groups are selected privately: those with a noisy count below "
            f"{query.threshold} are dropped"
        )
    return "<ul>" + "".join(f"<li>{note}</li>" for note in notes) + "</ul>"


def _cell(text: object, *, header: bool = False) -> str:
    if header:
        return f'<th scope="row">{escape(str(text))}</th>'
    return f"<td>{escape(str(text))}</td>"


def _table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """`caption` is HTML already; `headers` are escaped here; `rows` hold cells made by `_cell`."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return (
        f'<table><caption style="text-align:left">{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _block(css: str, body: str) -> str:
    return f'<div class="{css}">{body}</div>'
