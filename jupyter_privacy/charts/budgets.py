"""Charts a product owner reads: what each budget allows, what each release cost, and when."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import altair as alt
import pandas as pd

from jupyter_privacy.core.ledger import Budget, Ledger, Release
from jupyter_privacy.core.ledger.composition import Usage, composition_rule, dec

REMAINING = "remaining"
TIMELINE_COLUMNS = ["budget", "time", "epsilon", "cumulative_epsilon", "total", "description",
                    "releases"]  # fmt: skip


def _collect(
    source: Ledger | Iterable[Budget], releases: Mapping[str, Sequence[Release]] | None
) -> tuple[list[Budget], dict[str, Sequence[Release]]]:
    if isinstance(source, Ledger):
        budgets = source.budgets()
        return budgets, {b.name: source.history(b.name) for b in budgets}
    budgets = list(source)
    return budgets, dict(releases or {})


def budget_bars_data(
    source: Ledger | Iterable[Budget], releases: Mapping[str, Sequence[Release]] | None = None
) -> pd.DataFrame:
    """One row per segment: each release's ε stacked in order, then what remains of the budget."""
    budgets, by_budget = _collect(source, releases)
    rows: list[dict[str, object]] = []
    for budget in budgets:
        start = 0.0
        for order, release in enumerate(by_budget.get(budget.name, ())):
            rows.append({
                "budget": budget.name, "segment": f"#{release.id} {release.description or release.mechanism}",
                "kind": "release", "order": order, "epsilon": release.epsilon, "start": start,
                "end": start + release.epsilon, "time": release.created_at, "origin": release.origin,
                "total": budget.epsilon_total,
            })  # fmt: skip
            start += release.epsilon
        remaining = budget.epsilon_remaining
        rows.append({
            "budget": budget.name, "segment": REMAINING, "kind": REMAINING, "order": 10**9,
            "epsilon": remaining, "start": start, "end": start + remaining, "time": None,
            "origin": None, "total": budget.epsilon_total,
        })  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=["budget", "segment", "kind", "order", "epsilon", "start", "end", "time",
                 "origin", "total"],
    )  # fmt: skip


def budget_bars(
    source: Ledger | Iterable[Budget], releases: Mapping[str, Sequence[Release]] | None = None
) -> alt.Chart:
    """A horizontal bar per budget: releases stacked (hover for what and when), then the remainder."""
    data = budget_bars_data(source, releases)
    return (
        alt.Chart(data, title="Privacy budgets: ε spent by release, and remaining")
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            y=alt.Y("budget:N", title=None, sort=None),
            x=alt.X("start:Q", title="ε"),
            x2="end:Q",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=["release", REMAINING], range=["#c0392b", "#d5d8dc"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                "budget:N",
                "segment:N",
                alt.Tooltip("epsilon:Q", format=".4g"),
                "time:N",
                "origin:N",
            ],
        )
        .properties(width=480, height=alt.Step(28))
    )


def ledger_timeline_data(
    source: Ledger | Iterable[Budget], releases: Mapping[str, Sequence[Release]] | None = None
) -> pd.DataFrame:
    """ε spent per budget after each release, in time order, by the budget's composition rule (a
    zCDP budget composes its releases' ρ, so its line ends at its reported spend, not the sum)."""
    budgets, by_budget = _collect(source, releases)
    rows: list[dict[str, object]] = []
    for budget in budgets:
        rule = composition_rule(budget.composition)
        eps = delta = rho = 0.0
        for count, release in enumerate(by_budget.get(budget.name, ()), start=1):
            eps, delta, rho = eps + release.epsilon, delta + release.delta, rho + (release.rho or 0)
            spent, _ = rule.spent(
                (budget.epsilon_total, budget.delta_total), Usage(dec(eps), dec(delta), dec(rho))
            )
            rows.append({
                "budget": budget.name, "time": pd.Timestamp(release.created_at),
                "epsilon": release.epsilon, "cumulative_epsilon": spent,
                "total": budget.epsilon_total, "description": release.description,
                "releases": count,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=TIMELINE_COLUMNS)


def ledger_timeline(
    source: Ledger | Iterable[Budget], releases: Mapping[str, Sequence[Release]] | None = None
) -> alt.LayerChart:
    """ε spent over time per budget (steps at each release), with each budget's total as a rule."""
    return timeline_chart(ledger_timeline_data(source, releases))


def timeline_chart(
    data: pd.DataFrame | alt.NamedData, *, width: int | str = 480, height: int = 240,
    title: str = "Ledger timeline: ε spent per budget", facet_columns: int | None = None,
    columns: Sequence[str] | None = None,
) -> alt.LayerChart | alt.FacetChart:  # fmt: skip
    """The timeline of `ledger_timeline_data`'s columns (the dashboard's sampled points have them
    too): cumulative ε as steps per budget, each budget's total ε as a dashed rule. With
    `facet_columns`, one small chart per budget, each with its own ε axis (budgets of ε 1 and ε 1000
    stay readable side by side). `columns` name the data's columns when `data` is a named dataset
    (tooltips show those present)."""
    present = list(data.columns) if isinstance(data, pd.DataFrame) else list(columns or ())
    colour = alt.Color("budget:N", title="budget", legend=None if facet_columns else alt.Legend())
    base = alt.Chart(data).encode(color=colour)
    tooltips = {
        "budget": "budget:N",
        "description": "description:N",
        "epsilon": alt.Tooltip("epsilon:Q", format=".3g", title="ε of this release"),
        "cumulative_epsilon": alt.Tooltip("cumulative_epsilon:Q", format=".3g",
                                          title="ε spent by then"),
        "releases": alt.Tooltip("releases:Q", title="releases by then"),
        "time": alt.Tooltip("utcyearmonthdatehoursminutesseconds(time):T", title="time (UTC)"),
    }  # fmt: skip
    steps = base.mark_line(interpolate="step-after", point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("time:T", title="time (UTC)", scale=alt.Scale(type="utc")),
        y=alt.Y("cumulative_epsilon:Q", title="cumulative ε spent"),
        tooltip=[tip for column, tip in tooltips.items() if column in present],
    )
    totals = (
        base.transform_aggregate(total="max(total)", groupby=["budget"])  # one rule per budget
        .mark_rule(strokeDash=[4, 4])
        .encode(y="total:Q", tooltip=["budget:N", alt.Tooltip("total:Q", format=".3g",
                                                               title="total ε")])
    )  # fmt: skip
    layered = alt.layer(steps, totals).properties(width=width, height=height)
    if not facet_columns:
        return layered.properties(title=title)
    return (
        layered.facet(facet=alt.Facet("budget:N", title=None), columns=facet_columns)
        .resolve_scale(y="independent")
        .properties(title=title)
    )
