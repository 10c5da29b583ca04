"""Charts a product owner reads: what each budget allows, what each release cost, and when."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import altair as alt
import pandas as pd

from jupyter_privacy.core.ledger import Budget, Ledger, Release

REMAINING = "remaining"


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
    """Cumulative ε spent per budget after each release, in time order."""
    budgets, by_budget = _collect(source, releases)
    rows: list[dict[str, object]] = []
    for budget in budgets:
        spent = 0.0
        for release in by_budget.get(budget.name, ()):
            spent += release.epsilon
            rows.append({
                "budget": budget.name, "time": pd.Timestamp(release.created_at),
                "epsilon": release.epsilon, "cumulative_epsilon": spent,
                "total": budget.epsilon_total, "description": release.description,
            })  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=["budget", "time", "epsilon", "cumulative_epsilon", "total", "description"],
    )


def ledger_timeline(
    source: Ledger | Iterable[Budget], releases: Mapping[str, Sequence[Release]] | None = None
) -> alt.LayerChart:
    """ε spent over time per budget (steps at each release), with each budget's total as a rule."""
    data = ledger_timeline_data(source, releases)
    base = alt.Chart(data).encode(color=alt.Color("budget:N", title="budget"))
    steps = base.mark_line(interpolate="step-after", point=True).encode(
        x=alt.X("time:T", title="time (UTC)"),
        y=alt.Y("cumulative_epsilon:Q", title="cumulative ε spent"),
        tooltip=[
            "budget:N",
            "description:N",
            alt.Tooltip("epsilon:Q", format=".4g"),
            alt.Tooltip("cumulative_epsilon:Q", format=".4g"),
            "time:T",
        ],
    )
    totals = base.mark_rule(strokeDash=[4, 4]).encode(y="total:Q")
    return alt.layer(steps, totals).properties(
        title="Ledger timeline: ε spent per budget", width=480, height=240
    )
