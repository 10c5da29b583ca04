"""Budget charts: the ledger's state becomes the chart's data; charts render offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_privacy.charts import (
    budget_bars,
    budget_bars_data,
    ledger_timeline,
    ledger_timeline_data,
    save_chart,
)
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger


@pytest.fixture
def spent(ledger: Ledger) -> Ledger:
    ledger.create_budget("census", 1.0)
    ledger.create_budget("model", 3.0, 1e-5)
    ledger.spend("census", 0.25, value=1, description="count")
    ledger.spend("census", 0.5, value=2, description="mean wage")
    return ledger


def test_bars_stack_releases_then_remaining(spent: Ledger) -> None:
    data = budget_bars_data(spent)
    census = data[data.budget == "census"]
    assert list(census.kind) == ["release", "release", "remaining"]
    assert list(census.start) == pytest.approx([0.0, 0.25, 0.75])
    assert list(census.end) == pytest.approx([0.25, 0.75, 1.0])
    model = data[data.budget == "model"]
    assert list(model.kind) == ["remaining"] and model.epsilon.iloc[0] == 3.0


def test_bars_follow_a_new_spend(spent: Ledger) -> None:
    before = budget_bars_data(spent)
    spent.spend("model", 1.0, value=None, description="dp-sgd")
    after = budget_bars_data(spent)
    assert len(after) == len(before) + 1
    model = after[after.budget == "model"]
    assert list(model.epsilon) == pytest.approx([1.0, 2.0])


def test_timeline_is_cumulative(spent: Ledger) -> None:
    data = ledger_timeline_data(spent)
    assert list(data.cumulative_epsilon) == pytest.approx([0.25, 0.75])
    assert data.time.is_monotonic_increasing


def test_charts_build_valid_specs(spent: Ledger) -> None:
    for chart in (budget_bars(spent), ledger_timeline(spent)):
        spec = chart.to_dict()
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v")


@pytest.mark.parametrize("suffix", [".html", ".svg", ".png"])
def test_save_offline(spent: Ledger, tmp_path: Path, suffix: str) -> None:
    path = save_chart(budget_bars(spent), tmp_path / f"bars{suffix}")
    assert path.stat().st_size > 1000
    if suffix == ".html":
        text = path.read_text()
        assert "cdn.jsdelivr" not in text and "vegaEmbed" in text  # scripts inlined


def test_save_rejects_unknown_format(spent: Ledger, tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match=r"\.html"):
        save_chart(budget_bars(spent), tmp_path / "bars.pdf")
