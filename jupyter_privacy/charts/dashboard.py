"""The budget dashboard's charts, from a ledger's bounded activity summary (`Ledger.activity()`).

The Lab dashboard (served as Vega-Lite by the REST API) and the static `report budgets` page draw
these same charts. Colours are mid-tones that read on light and dark backgrounds; text colours come
from the viewer's theme (the Lab sets them from its CSS variables), so no colour here is white or
black. Every chart's data are aggregates: a budget's spent / remaining, ≈ a few hundred timeline
points per budget, and the top notebooks and people.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import pandas as pd

from jupyter_privacy.charts.budgets import TIMELINE_COLUMNS, timeline_chart
from jupyter_privacy.core.ledger import Budget
from jupyter_privacy.core.ledger.activity import LedgerActivity, SpendGroup

SPENT_COLOUR = "#e4572e"  # ≥ 3:1 against white and against Lab's dark layout colour
REMAINING_COLOUR = "#8c96a0"
BAR_COLOUR = "#4c78a8"
FACET_WIDTH = 260  # each budget's small timeline when several are shown ("container" cannot facet)
STATUS_COLUMNS = ["budget", "part", "start", "end", "epsilon", "total", "label", "unit"]
SPEND_BY_COLUMNS = ["key", "label", "epsilon", "delta", "releases", "last_release_at", "grouped"]
#: What each chart of `dashboard_charts` shows, for titles, alt texts and the page's headings.
CHART_TITLES = {
    "budgets": "ε spent and remaining per budget",
    "timeline": "Cumulative ε over time (dashed: the budget's total)",
    "by_notebook": "ε spent by notebook or script",
    "by_person": "ε spent by person",
}


def _number(value: float) -> str:
    """3 significant digits, without exponents for the numbers budgets have (1,000 not 1e+03)."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def budget_status_data(budgets: Sequence[Budget]) -> pd.DataFrame:
    """Two segments per budget, the spent then the remaining share of its ε, with 'spent / total'.

    Shares, not ε, on the axis: budgets of ε 1 and ε 1,000 stay readable side by side; the ε
    figures are in the label and the tooltip.
    """
    rows: list[dict[str, object]] = []
    for budget in budgets:
        label = f"ε {_number(budget.epsilon_spent)} / {_number(budget.epsilon_total)}"
        share = budget.fraction_spent
        parts = (("spent", 0.0, share, budget.epsilon_spent),
                 ("remaining", share, 1.0, budget.epsilon_remaining))  # fmt: skip
        for part, start, end, amount in parts:
            rows.append({
                "budget": budget.name, "part": part, "start": start, "end": end,
                "epsilon": amount, "total": budget.epsilon_total, "label": label,
                "unit": budget.privacy_unit,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def budget_status_chart(
    data: pd.DataFrame | alt.NamedData, *, width: int | str = 420
) -> alt.LayerChart:
    """A bar per budget: the spent share of its ε, then the remaining share; 'ε spent / total'
    written after the bar."""
    base = alt.Chart(data).encode(y=alt.Y("budget:N", title=None, sort=None))
    bars = base.mark_bar().encode(
        x=alt.X("start:Q", title="share of the budget's ε", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        x2="end:Q",
        color=alt.Color(
            "part:N",
            scale=alt.Scale(domain=["spent", "remaining"], range=[SPENT_COLOUR, REMAINING_COLOUR]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=["budget:N", "part:N", alt.Tooltip("epsilon:Q", format=".3g", title="ε"),
                 alt.Tooltip("total:Q", format=".3g", title="total ε"), "unit:N"],
    )  # fmt: skip
    labels = (
        base.transform_filter(alt.datum.part == "remaining")
        .mark_text(align="left", dx=6)
        .encode(x="end:Q", text="label:N")
    )
    return alt.layer(bars, labels).properties(
        title=CHART_TITLES["budgets"], width=width, height=alt.Step(26)
    )


def timeline_data(activity: LedgerActivity) -> pd.DataFrame:
    """The sampled timeline points, each budget starting at 0 when it was created."""
    totals = {b.name: b.epsilon_total for b in activity.budgets}
    rows: list[dict[str, object]] = [
        {"budget": b.name, "time": pd.Timestamp(b.created_at), "epsilon": None,
         "cumulative_epsilon": 0.0, "total": b.epsilon_total, "description": "budget created",
         "releases": 0}
        for b in activity.budgets
    ]  # fmt: skip
    for point in activity.timeline:
        rows.append({
            "budget": point.budget, "time": pd.Timestamp(point.created_at), "epsilon": None,
            "cumulative_epsilon": point.epsilon_spent, "total": totals[point.budget],
            "description": f"entry #{point.release_id}", "releases": point.releases,
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
    return frame.drop(columns=["epsilon"]).sort_values(["budget", "time"], kind="stable")


def spend_by_data(
    groups: Sequence[SpendGroup], other: SpendGroup | None,
    label: Callable[[str], str] = lambda key: key,
) -> pd.DataFrame:  # fmt: skip
    """One row per group (the top ones, then 'N more' folded together); `label` names the key."""
    rows = [
        {"key": g.key, "label": label(g.key), "epsilon": g.epsilon, "delta": g.delta,
         "releases": g.releases, "last_release_at": g.last_release_at, "grouped": False}
        for g in groups
    ]  # fmt: skip
    if other is not None:
        rows.append({"key": other.key, "label": other.key, "epsilon": other.epsilon,
                     "delta": other.delta, "releases": other.releases,
                     "last_release_at": other.last_release_at, "grouped": True})  # fmt: skip
    return pd.DataFrame(rows, columns=SPEND_BY_COLUMNS)


def spend_by_chart(
    data: pd.DataFrame | alt.NamedData, title: str, *, width: int | str = 420
) -> alt.Chart:
    """Horizontal bars of summed release ε per group, largest first."""
    tooltip = [
        "label:N",
        alt.Tooltip("epsilon:Q", format=".3g", title="ε"),
        alt.Tooltip("delta:Q", format=".2g", title="δ"),
        "releases:Q",
        alt.Tooltip("last_release_at:N", title="newest release"),
    ]
    return (
        alt.Chart(data)
        .mark_bar(color=BAR_COLOUR)
        .encode(
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=260)),
            x=alt.X("epsilon:Q", title="ε of its releases (summed)"),
            tooltip=tooltip,
        )
        .properties(title=title, width=width, height=alt.Step(22))
    )


def dashboard_frames(
    activity: LedgerActivity, where: Callable[[str], str] = lambda origin: origin
) -> dict[str, pd.DataFrame]:
    """The data behind each chart of `dashboard_charts`, by chart name."""
    return {
        "budgets": budget_status_data(activity.budgets),
        "timeline": timeline_data(activity),
        "by_notebook": spend_by_data(activity.by_origin, activity.other_origins, where),
        "by_person": spend_by_data(activity.by_actor, activity.other_actors),
    }


def dashboard_charts(
    activity: LedgerActivity, *, where: Callable[[str], str] = lambda origin: origin,
    width: int | str = 420,
) -> dict[str, alt.TopLevelMixin]:  # fmt: skip
    """The dashboard's four charts by name (see CHART_TITLES); `where` names an origin for people
    (e.g. a notebook's path relative to the Lab's root)."""
    frames = dashboard_frames(activity, where)
    return _charts(frames, len(activity.budgets) > 1, width, tuple(frames["timeline"].columns))


def _charts(
    data: dict[str, Any], several: bool, width: int | str, timeline_columns: tuple[str, ...]
) -> dict[str, alt.TopLevelMixin]:
    """The four charts over `data` (frames, or datasets named after each chart)."""
    timeline_options: dict[str, Any] = (
        {"width": FACET_WIDTH, "height": 110, "facet_columns": 3} if several
        else {"width": width, "height": 220}
    )  # fmt: skip
    charts = {
        "budgets": budget_status_chart(data["budgets"], width=width),
        "timeline": timeline_chart(
            data["timeline"], title=CHART_TITLES["timeline"], columns=timeline_columns,
            **timeline_options,
        ),
        "by_notebook": spend_by_chart(data["by_notebook"], CHART_TITLES["by_notebook"], width=width),
        "by_person": spend_by_chart(data["by_person"], CHART_TITLES["by_person"], width=width),
    }  # fmt: skip
    if width == "container":  # fill the card's width; heights stay one step per bar
        fit = alt.AutoSizeParams(type="fit-x", contains="padding")
        charts = {k: c if isinstance(c, alt.FacetChart) else c.properties(autosize=fit)
                  for k, c in charts.items()}  # fmt: skip
    return charts


@functools.lru_cache(maxsize=16)
def _spec_skeletons(
    several: bool, width: int | str, timeline_columns: tuple[str, ...]
) -> dict[str, str]:
    """The charts' Vega-Lite without rows (each reads a dataset named after it), as JSON text.
    Building them is Altair's slow part and does not depend on the data: done once per shape."""
    named = {name: alt.NamedData(name=name) for name in CHART_TITLES}
    charts = _charts(named, several, width, timeline_columns)
    return {name: json.dumps(chart.to_dict(validate=False)) for name, chart in charts.items()}


def dashboard_specs(activity: LedgerActivity, **options: Any) -> dict[str, dict[str, Any]]:
    """The charts as Vega-Lite v6 JSON (what the REST API sends and the page renders).

    Fast enough for every refresh: the chart structure (the same builders, validated by the tests
    through `dashboard_charts`) is built once per shape, and each chart's rows go into its
    `datasets` as plain JSON written by pandas.
    """
    frames = dashboard_frames(activity, options.get("where", lambda origin: origin))
    skeletons = _spec_skeletons(
        len(activity.budgets) > 1, options.get("width", 420), tuple(frames["timeline"].columns)
    )
    specs = {}
    for name, skeleton in skeletons.items():
        spec = json.loads(skeleton)
        records = frames[name].to_json(orient="records", date_format="iso", date_unit="s")
        spec["datasets"] = {name: json.loads(records)}
        specs[name] = spec
    return specs
