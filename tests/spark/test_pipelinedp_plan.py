"""PipelineDP's calibration, read before any data: noise from PipelineDP's own sensitivities and
budgets, python-dp's intervals, the ε split, private group selection. No Spark is started here."""

from __future__ import annotations

import math

import pytest

from jupyter_privacy.core.errors import InvalidParameterError, UnsupportedQueryError
from jupyter_privacy.core.queries import pipelinedp_engine as engine
from jupyter_privacy.core.queries.planning import mean_plus_minus
from jupyter_privacy.core.queries.sql import parse_sql

pytestmark = pytest.mark.spark

BOUNDS = {"wage": (0.0, 1000.0), "age": (18.0, 80.0)}
KEYS = {"region": ("north", "south", "east", "west")}


def declared(k: int = 3, privacy_id: str | None = "uid", **per_group) -> engine.Declarations:
    return engine.Declarations(
        BOUNDS, {c: (lo + hi) / 2 for c, (lo, hi) in BOUNDS.items()}, KEYS,
        engine.Contributions(k, privacy_id, per_group.get("groups"), per_group.get("rows")),
    )  # fmt: skip


def plan(sql: str, epsilon: float, delta: float = 0.0, split=None, **options) -> engine.Plan:
    spec = parse_sql(sql).spec
    return engine.calibrate(spec, declared(**options), epsilon, delta, spec.split_fractions(split))


def test_noise_is_sensitivity_over_each_aggregates_share_of_epsilon():
    p = plan("SELECT region, COUNT(*), SUM(wage), AVG(wage) FROM t GROUP BY region", 3.0, k=3)
    stats = engine.statistics(p, 0.05)
    assert [s.epsilon for s in stats] == pytest.approx([1.0, 1.0, 1.0])
    count, total, mean = stats
    assert count.components[0].scale == pytest.approx(3 / 1.0)  # ≤ 3 rows per unit
    assert total.components[0].scale == pytest.approx(1000 * 3 / 1.0)  # max |bound| × rows
    # a mean: half of its ε each for the normalized sum (half the range) and the count
    assert [c.label for c in mean.components] == ["normalized sum", "count"]
    assert mean.components[0].scale == pytest.approx(500 * 3 / 0.5)
    assert mean.components[1].scale == pytest.approx(3 / 0.5)
    assert p.delta == 0.0 and p.public_keys == KEYS["region"]


def test_accuracy_is_python_dps_laplace_interval():
    p = plan("SELECT COUNT(*) FROM t", 0.5, k=1)
    for alpha in (0.05, 0.01, 1e-4):
        component = engine.statistics(p, alpha)[0].components[0]
        assert component.distribution == engine.DISTRIBUTION
        assert component.accuracy == pytest.approx(component.scale * math.log(1 / alpha), rel=1e-9)


def test_split_weights_and_per_group_bounds():
    p = plan("SELECT COUNT(*), SUM(age) FROM t", 2.0, split="1,3", groups=2, rows=5)
    count, total = engine.statistics(p, 0.05)
    assert (count.epsilon, total.epsilon) == pytest.approx((0.5, 1.5))
    assert count.components[0].scale == pytest.approx(2 * 5 / 0.5)  # L1 = groups × rows per group
    assert total.components[0].scale == pytest.approx(2 * 5 * 80 / 1.5)


def test_private_group_selection_takes_a_share_of_epsilon_and_all_of_delta():
    p = plan("SELECT age, COUNT(*) FROM t GROUP BY age", 2.0, delta=1e-6, k=2)
    count, selection = engine.statistics(p, 0.05)
    assert selection.name == engine.SELECTION and selection.aggregate == "selection"
    assert (count.epsilon, selection.epsilon) == pytest.approx((1.0, 1.0))
    assert "δ 1e-06" in selection.components[0].distribution
    assert p.delta == 1e-6 and p.public_keys is None
    assert p.selection.max_partitions_contributed == 2  # a unit reaches ≤ 2 groups
    noise = engine.noise_details(p)
    assert noise[-1]["delta"] == 1e-6 and noise[-1]["epsilon"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("sql", "options", "message"),
    [
        ("SELECT age, COUNT(*) FROM t GROUP BY age", {}, "delta > 0"),
        ("SELECT MEDIAN(age) FROM t", {}, "not available on the Spark engine"),
        ("SELECT age, COUNT(*) FROM t GROUP BY age", {"delta": 1e-6, "privacy_id": None},
         "id column"),
    ],
)  # fmt: skip
def test_refused_before_any_data(sql, options, message):
    delta = options.pop("delta", 0.0)
    with pytest.raises((InvalidParameterError, UnsupportedQueryError), match=message):
        plan(sql, 1.0, delta=delta, **options)


def test_contribution_bounds_are_checked():
    with pytest.raises(InvalidParameterError, match="both"):
        engine.Contributions(3, "uid", 2, None)
    with pytest.raises(InvalidParameterError, match="id column"):
        engine.Contributions(3, None, 2, 5)


def test_mean_interval_planned_in_half_bounds_matches_released_interval():
    """The ± `epsilon_for` plans for a PipelineDP mean (`mean_plus_minus` in half-bounds) is the
    widest interval `released_values` gives at that true count."""
    p = plan("SELECT AVG(wage) FROM t", 1.0, k=1)
    alpha, rows = 0.05, 5000
    total_acc, count_acc = (c.accuracy for c in engine.statistics(p, alpha / 2)[0].components)
    planned = mean_plus_minus(total_acc, count_acc, (-500.0, 500.0), rows)
    widest = 0.0
    for mean in (0.0, 250.0, 500.0, 750.0, 1000.0):  # true means, noise at the interval's edges
        for noisy_count in (rows - count_acc, rows + count_acc):
            row = {"mean_wage": mean, "mean_wage__n": noisy_count}
            (value,) = engine.released_values(p, [row], alpha)
            widest = max(widest, value.high - value.value, value.value - value.low)
    assert widest <= planned * (1 + 1e-9)


def local_run(p: engine.Plan, rows: list[tuple]) -> list[dict]:
    """The release path on PipelineDP's LocalBackend: rows are (privacy id, group, value)."""
    pdp = engine.pipeline_dp()

    def collection(agg):
        if agg is not None and agg.kind == "count":
            return [r for r in rows if agg.column is None or r[2] is not None]
        return rows

    return engine.run(p, pdp.LocalBackend(), collection, lambda results: [list(r) for r in results])


def test_run_releases_every_declared_group_within_its_interval():
    p = plan("SELECT region, COUNT(*), AVG(wage) FROM t GROUP BY region", 4.0, k=1)
    rows = [(i, ("north", "south", "east")[i % 3], 100.0 + i % 3) for i in range(3000)]
    out = local_run(p, rows)
    assert [r["region"] for r in out] == ["east", "north", "south", "west"]  # west: declared, empty
    values = {(v.group[0], v.statistic): v for v in engine.released_values(p, out, 1e-4)}
    for region, true_mean in (("north", 100.0), ("south", 101.0), ("east", 102.0)):
        count, mean = values[(region, "count")], values[(region, "mean_wage")]
        assert count.low <= 1000 <= count.high and mean.low <= true_mean <= mean.high
    west = values[("west", "mean_wage")]
    assert 0 <= west.low <= west.value <= west.high <= 1000  # clamped to the bounds


def test_run_selects_groups_privately_once_for_every_aggregate():
    p = plan("SELECT age, COUNT(*), SUM(wage) FROM t GROUP BY age", 4.0, delta=1e-6, k=1)
    rows = [(i, 30 if i < 2000 else 40, 10.0) for i in range(2001)]  # age 40: one person
    out = local_run(p, rows)
    assert [r["age"] for r in out] == [30]
    assert set(out[0]) == {"age", "count", "sum_wage"}
