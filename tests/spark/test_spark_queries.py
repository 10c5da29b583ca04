"""DP SQL on a real standalone Spark cluster through PipelineDP, spent from the same ledger.

Every test shares one cluster and one session (conftest.py) and keeps its data small: each Spark
release costs seconds here, so the tests ask few, wide statements.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.queries import PrivateTable
from jupyter_privacy.core.queries.pipelinedp_engine import SELECTION
from jupyter_privacy.core.queries.spark_table import SparkPrivateTable

pytestmark = pytest.mark.spark

BOUNDS = {"wage": (0, 1000)}
REGIONS = {"region": ["north", "south", "east", "west"]}
SENTINEL = "SENTINEL-7f3a9c"


def people(units: int = 1200, seed: int = 11) -> pd.DataFrame:
    """Units (uid) with 1-3 rows each, a region, a wage in [0, 1000] (2% missing), an age."""
    rng = np.random.default_rng(seed)
    uid = np.repeat(np.arange(units), rng.integers(1, 4, units))
    rows = len(uid)
    wage = rng.uniform(0, 1000, rows)
    wage[rng.random(rows) < 0.02] = np.nan
    return pd.DataFrame({
        "uid": uid, "region": rng.choice(["north", "south", "east", "west"], rows),
        "wage": wage, "age": rng.integers(18, 80, rows),
    })  # fmt: skip


def truth(frame: pd.DataFrame) -> pd.DataFrame:
    """Count, sum and mean of the imputed wage (missing → the bounds' midpoint) per region."""
    wage = frame["wage"].fillna(500.0).clip(0, 1000)
    grouped = frame.assign(wage=wage).groupby("region")["wage"]
    return pd.DataFrame({"count": grouped.size(), "sum_wage": grouped.sum(),
                         "mean_wage": grouped.mean()})  # fmt: skip


def by_key(release) -> dict[tuple, object]:
    return {(v.group, v.statistic): v for v in release.values}


def test_spark_agrees_with_the_polars_engine_within_the_stated_accuracy(spark, study):
    frame = people()
    sql = "SELECT region, COUNT(*), SUM(wage), AVG(wage) FROM t GROUP BY region"
    on_polars = PrivateTable(frame, budget="study", ledger=study, bounds=BOUNDS, keys=REGIONS,
                             max_contributions=3, max_rows=10_000)  # fmt: skip
    on_spark = PrivateTable(spark.createDataFrame(frame), budget="study", ledger=study,
                            bounds=BOUNDS, keys=REGIONS, privacy_id="uid", max_contributions=3)  # fmt: skip
    assert isinstance(on_spark, SparkPrivateTable)
    alpha = 1e-4  # 24 checks at 2α each: a false failure once in ~200 runs
    spark_release = on_spark.query(sql, 6.0, alpha=alpha)
    polars_release = on_polars.query(sql, 6.0, alpha=alpha)
    expected = truth(frame)
    spark_values, polars_values = by_key(spark_release), by_key(polars_release)
    assert len(spark_values) == len(polars_values) == 12
    for (group, statistic), mine in spark_values.items():
        theirs = polars_values[(group, statistic)]
        true = expected.loc[group[0], statistic]
        assert mine.low <= true <= mine.high, (group, statistic, mine, true)
        gap = abs(mine.value - theirs.value)
        assert gap <= mine.plus_minus + theirs.plus_minus, (group, statistic, mine, theirs)
    assert spark_release.epsilon == polars_release.epsilon == 6.0
    assert study.budget("study").epsilon_spent == pytest.approx(12.0)

    where = "SELECT COUNT(*), AVG(wage) FROM t WHERE age >= 30 AND region IN ('north', 'south')"
    filtered = frame[(frame.age >= 30) & frame.region.isin(["north", "south"])]
    count, mean = on_spark.query(where, 4.0, alpha=alpha).values
    assert abs(count.value - len(filtered)) <= count.plus_minus
    assert mean.low <= filtered["wage"].fillna(500.0).mean() <= mean.high


def test_preview_intervals_match_the_spread_of_released_values(spark, ledger):
    """200 groups with the same true values: one release gives 200 independent draws per statistic,
    whose spread must match the noise the preview stated before the data were read."""
    groups, per_group = 200, 10
    frame = pd.DataFrame({
        "uid": np.arange(groups * per_group),
        "g": np.repeat([f"g{i:03d}" for i in range(groups)], per_group),
        "v": 40.0,
    })  # fmt: skip
    ledger.create_budget("spread", 10.0, 0.0, privacy_unit="one person", max_contributions=1)
    table = PrivateTable(spark.createDataFrame(frame), budget="spread", ledger=ledger,
                         bounds={"v": (0, 100)}, keys={"g": sorted(set(frame.g))}, privacy_id="uid")  # fmt: skip
    sql = "SELECT g, COUNT(*), SUM(v), AVG(v) FROM t GROUP BY g"
    preview = table.preview(sql, 3.0)
    assert ledger.budget("spread").epsilon_spent == 0  # a preview spends nothing
    release = table.query(sql, 3.0)
    assert release.statistics == preview.statistics  # what was promised is what was used
    stated = {s.name: s for s in preview.statistics}
    for name, true in (("count", 10.0), ("sum_v", 400.0)):
        values = [v for v in release.values if v.statistic == name]
        errors = np.array([v.value - true for v in values])
        scale = stated[name].components[0].scale  # Laplace b: standard deviation b·√2
        assert errors.std() == pytest.approx(scale * np.sqrt(2), rel=0.25), name
        covered = np.mean([v.low <= true <= v.high for v in values])
        assert 0.90 <= covered <= 0.99, (name, covered)  # stated: 95%
    means = [v for v in release.values if v.statistic == "mean_v"]
    assert np.mean([v.low <= 40.0 <= v.high for v in means]) >= 0.92  # the union bound: ≥ 95%

    (entry,) = ledger.history("spread")
    noise = {(n["statistic"], n["component"]): n["scale"] for n in entry.details["noise"]}
    assert noise[("count", "count")] == stated["count"].components[0].scale
    assert entry.details["engine"] == "pipelinedp-spark"
    assert entry.details["privacy_unit"].startswith("one person, identified by column 'uid'")


def test_private_group_selection_charges_delta_and_drops_a_rare_group(spark, ledger, capfd):
    frame = pd.DataFrame({
        "uid": np.arange(1501),
        "region": [*np.repeat(["a", "b", "c", "d", "e"], 300), SENTINEL],
    })  # fmt: skip
    ledger.create_budget("groups", 10.0, 1e-5, privacy_unit="one person", max_contributions=1)
    table = PrivateTable(spark.createDataFrame(frame), budget="groups", ledger=ledger,
                         privacy_id="uid")  # fmt: skip
    sql = "SELECT region, COUNT(*) FROM t GROUP BY region"
    with pytest.raises(InvalidParameterError, match="delta > 0"):
        table.query(sql, 2.0)
    assert ledger.budget("groups").epsilon_spent == 0

    release = table.query(sql, 2.0, delta=1e-6)
    print(release)
    assert sorted(v.group[0] for v in release.values) == ["a", "b", "c", "d", "e"]
    assert release.delta == 1e-6 and release.epsilon_split[SELECTION] == pytest.approx(1.0)
    budget = ledger.budget("groups")
    assert budget.epsilon_spent == pytest.approx(2.0) and budget.delta_spent == pytest.approx(1e-6)
    (entry,) = ledger.history("groups")
    stored = json.dumps([entry.details, entry.value, entry.description], default=str)
    shown = str(release) + release._repr_html_() + "".join(capfd.readouterr())
    assert SENTINEL not in stored and SENTINEL not in shown

    with pytest.raises(InvalidParameterError, match="id column"):
        PrivateTable(spark.createDataFrame(frame), budget="groups", ledger=ledger,
                     max_contributions=2).query(sql, 1.0, delta=1e-6)  # fmt: skip


def test_replay_spends_once_per_question_and_data(spark, study):
    frame = people(units=300)
    table = PrivateTable(spark.createDataFrame(frame), budget="study", ledger=study,
                         bounds=BOUNDS, privacy_id="uid")  # fmt: skip
    sql = "SELECT SUM(wage) FROM t"
    first = table.query(sql, 1.0)
    again = table.query(sql, 1.0)
    assert not first.replayed and again.replayed and again.values == first.values
    assert study.budget("study").epsilon_spent == pytest.approx(1.0)

    changed = frame.copy()
    changed.loc[0, "wage"] = 999.0 if changed.loc[0, "wage"] != 999.0 else 1.0
    other = PrivateTable(spark.createDataFrame(changed), budget="study", ledger=study,
                         bounds=BOUNDS, privacy_id="uid")  # fmt: skip
    assert not other.query(sql, 1.0).replayed  # other data: another release
    assert table.query(sql, 1.0, fresh=True).entry_id not in (first.entry_id, None)
    releases = study.history("study")
    assert len(releases) == 3  # one entry per statement that was drawn, none for the replay
    assert study.budget("study").epsilon_spent == pytest.approx(3.0)


def test_dp_sql_cell_on_a_spark_table(spark, study):
    from jupyter_privacy.magics.sql import run_dp_sql

    table = PrivateTable(spark.createDataFrame(people(units=200)), budget="study", ledger=study,
                         bounds=BOUNDS, keys=REGIONS, privacy_id="uid")  # fmt: skip
    namespace = {"people": table}
    cell = "SELECT region, AVG(wage) FROM people GROUP BY region"
    preview = run_dp_sql("--epsilon 1 --preview", cell, namespace, {}, "test")
    assert preview.budget_epsilon_remaining == 200 and "PipelineDP" not in preview.mechanism
    release = run_dp_sql("--epsilon 1 -o kept", cell, namespace, {}, "test")
    assert namespace["kept"] is release and len(release.values) == 4
    assert "Fresh draw" in release._repr_html_()
    assert run_dp_sql("--epsilon 1", cell, namespace, {}, "test").replayed
