"""The dashboard's charts from a ledger's activity: right data, bounded, valid Vega-Lite v6."""

from __future__ import annotations

import pytest

from jupyter_privacy.charts import ledger_timeline_data
from jupyter_privacy.charts.dashboard import (
    budget_status_data,
    dashboard_charts,
    dashboard_specs,
    spend_by_data,
    timeline_data,
)
from jupyter_privacy.core.ledger import Ledger


@pytest.fixture
def spent(ledger: Ledger) -> Ledger:
    ledger.create_budget("census", 2.0)
    ledger.create_budget("big", 1000.0)
    ledger.create_budget("z", 10.0, 1e-5, composition="zcdp")
    for i in range(8):
        ledger.spend("census", 0.25, value=i, origin=f"notebook:/lab/n{i % 2}.ipynb#cell={i}",
                     actor="ana")  # fmt: skip
    ledger.spend("big", 500.0, value=0, origin="script:job", actor="bo")
    ledger.spend("z", 0.5, value=0, origin="script:job", actor="bo")
    ledger.spend("z", 0.5, value=0, origin="script:job", actor="bo")
    return ledger


def test_status_bars_show_shares_with_epsilon_labels(spent: Ledger) -> None:
    data = budget_status_data(spent.budgets())
    census = data[data.budget == "census"].set_index("part")
    assert census.loc["spent", "end"] == pytest.approx(1.0) and census.loc["remaining", "end"] == 1
    big = data[data.budget == "big"].set_index("part")
    assert big.loc["spent", "end"] == pytest.approx(0.5)
    assert big.loc["spent", "label"] == "ε 500 / 1,000"  # no 1e+03


def test_timeline_starts_at_zero_and_follows_the_rule(spent: Ledger) -> None:
    data = timeline_data(spent.activity())
    census = data[data.budget == "census"]
    steps = list(census.cumulative_epsilon)
    assert steps[0] == 0 and steps[-1] == 2.0
    z = data[data.budget == "z"]
    assert list(z.cumulative_epsilon)[-1] == spent.budget("z").epsilon_spent
    # the notebook chart from full histories ends at the same, rule-composed figure
    full = ledger_timeline_data(spent)
    assert list(full[full.budget == "z"].cumulative_epsilon)[-1] == pytest.approx(
        spent.budget("z").epsilon_spent
    )


def test_spend_by_folds_the_rest(spent: Ledger) -> None:
    activity = spent.activity(top=1)
    data = spend_by_data(activity.by_origin, activity.other_origins, lambda key: key.upper())
    assert list(data.label) == ["SCRIPT:JOB", "2 more"]
    assert list(data.grouped) == [False, True]


def test_specs_are_vega_lite_v6_and_small(spent: Ledger) -> None:
    specs = dashboard_specs(spent.activity(), width="container")
    assert set(specs) == {"budgets", "timeline", "by_notebook", "by_person"}
    for spec in specs.values():
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert "facet" in specs["timeline"]  # several budgets: one small chart each, own ε axis
    single = dashboard_specs(spent.activity("census"))
    assert "facet" not in single["timeline"]


def test_charts_validate_and_the_served_specs_carry_their_rows(spent: Ledger) -> None:
    activity = spent.activity()
    for chart in dashboard_charts(activity).values():
        chart.to_dict()  # validated against Vega-Lite's v6 schema
    specs = dashboard_specs(activity, width="container")
    for name, spec in specs.items():
        assert spec["datasets"][name], name  # the rows ride along with each spec
    rows = specs["budgets"]["datasets"]["budgets"]
    assert {r["budget"] for r in rows} == {"census", "big", "z"}
