"""ε-versus-utility curve: derived from one OpenDP calibration, equal to OpenDP's own preview."""

from __future__ import annotations

import pandas as pd
import pytest

from jupyter_privacy.charts import (
    chosen_parameters,
    epsilon_grid,
    tradeoff_chart,
    tradeoff_curve,
)
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.queries import PrivateTable


@pytest.fixture
def table(ledger: Ledger) -> PrivateTable:
    ledger.create_budget("study", 1.0, 1e-6, privacy_unit="one person")
    frame = pd.DataFrame({"wage": [float(w) for w in range(100)],
                          "region": ["north", "south"] * 50})  # fmt: skip
    return PrivateTable(frame, budget="study", ledger=ledger, bounds={"wage": (0, 2500)},
                        keys={"region": ["north", "south"]}, max_rows=1000)  # fmt: skip


@pytest.mark.parametrize(
    "query",
    ["SELECT COUNT(*), SUM(wage) FROM t", "SELECT region, SUM(wage) FROM t GROUP BY region",
     "SELECT AVG(wage) FROM t", "SELECT MEDIAN(wage) FROM t"],
)  # fmt: skip
@pytest.mark.parametrize("epsilon", [0.013, 0.5, 7.0])
def test_curve_equals_opendp_at_each_epsilon(table, query: str, epsilon: float) -> None:
    curve = tradeoff_curve(table, query, alpha=0.1)
    fresh = table.preview(query, epsilon, alpha=0.1)
    point = curve.point(epsilon)
    assert list(point.statistic) == [s.name for s in fresh.statistics]
    for row, stat in zip(point.itertuples(), fresh.statistics, strict=True):
        assert row.noise_scale == pytest.approx(stat.noise_scale, rel=1e-9)
        if stat.accuracy is None:
            assert row.accuracy is None or stat.aggregate == "mean"
        else:
            assert row.accuracy == pytest.approx(stat.accuracy, rel=1e-9)


def test_mean_accuracy_needs_a_public_row_count(table) -> None:
    without = tradeoff_curve(table, "SELECT AVG(wage) FROM t").point(0.5)
    assert without.accuracy.iloc[0] is None and without.measure.iloc[0] == "noise scale"
    curve = tradeoff_curve(table, "SELECT AVG(wage) FROM t", expected_rows=10_000)
    fine, coarse = curve.point(2.0).accuracy.iloc[0], curve.point(0.2).accuracy.iloc[0]
    assert 0 < fine < coarse  # more ε, tighter mean
    halves = table.preview("SELECT AVG(wage) FROM t", 2.0, alpha=0.025).statistics[0].components
    a_sum, a_count = halves[0].accuracy, halves[1].accuracy
    assert fine == pytest.approx((a_sum + 2500 * a_count) / (10_000 - a_count))


def test_sentence_states_accuracy_confidence_and_what_is_left(table) -> None:
    curve = tradeoff_curve(table, "SELECT COUNT(*) FROM t")
    at = curve.point(0.5).accuracy.iloc[0]
    assert curve.sentence(0.5, 1.0, 1.0) == (
        f"at ε = 0.5 the row count is ± {at:.4g} with 95% confidence; 0.5 of 1.0 left afterwards"
    )
    assert "releasing is refused" in curve.sentence(0.5, 0.3, 1.0)


def test_chart_marks_the_chosen_epsilon(table) -> None:
    curve = tradeoff_curve(table, "SELECT COUNT(*), SUM(wage) FROM t")
    grid = epsilon_grid(0.01, 10)
    assert len(grid) == 50 and grid[0] == pytest.approx(0.01) and grid[-1] == pytest.approx(10)
    spec = tradeoff_chart(curve, grid, 0.5).to_dict()
    params = {p["name"]: p["value"] for p in spec["params"]}
    assert params == pytest.approx(chosen_parameters(curve, 0.5))
    assert params["chosen_epsilon"] == 0.5
    assert len(spec["layer"]) == 2 + 2  # curve, rule, one marker per statistic
    moved = chosen_parameters(curve, 0.05)
    assert moved["chosen_utility_0"] == pytest.approx(params["chosen_utility_0"] * 10, rel=0.1)


def test_bad_inputs_are_clear_errors(table) -> None:
    with pytest.raises(InvalidParameterError, match="must go up"):
        epsilon_grid(1.0, 0.1)
    with pytest.raises(InvalidParameterError, match="PrivateTable"):
        tradeoff_curve(pd.DataFrame({"a": [1]}), "SELECT COUNT(*) FROM t")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError):
        tradeoff_curve(table, "SELECT COUNT(*) FROM t").point(-1)
