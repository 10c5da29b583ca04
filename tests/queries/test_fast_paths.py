"""The shortcuts that keep queries fast must not change what is released or what replays.

- A COUNT without WHERE over an in-memory frame reads a one-bit-per-row stand-in.
- Float columns without missing values or NaN are aggregated without OpenDP's fill steps, under a
  domain narrowed to match (OpenDP checks it); the noise scales stay those of the general query.
- A string column grouped by its declared keys is read as `pl.Enum` of those keys.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from opendp.accuracy import summarize_polars_measurement

from jupyter_privacy.core.queries import sources
from jupyter_privacy.core.queries.replay import column_hash
from jupyter_privacy.core.queries.spec import Aggregate, QuerySpec

REGIONS = ["north", "south", "east", "west"]


def scales(calibrated) -> list[float]:
    return summarize_polars_measurement(calibrated.measurement)["scale"].to_list()


def test_count_without_where_reads_the_row_stand_in_and_depends_on_the_row_count(
    make_table, frame, ledger
):
    table = make_table()
    first = table.count(1.0)
    assert first.values[0].value == pytest.approx(len(frame), abs=40)
    assert list(table._source._files) == [sources.ROWS_COLUMN]  # no data column was written
    shuffled = frame.assign(income=frame.income[::-1].to_numpy(), age=frame.age + 1)
    assert make_table(shuffled).count(1.0).replayed  # same rows, same count: nothing to spend
    fewer = make_table(frame.iloc[:-1]).count(1.0)
    assert not fewer.replayed
    assert ledger.budget("study").release_count == 2


def test_count_with_where_still_reads_the_filtered_column(make_table, frame):
    table = make_table()
    release = table.query("SELECT COUNT(*) FROM t WHERE age >= 50", 1.0)
    assert release.values[0].value == pytest.approx((frame.age >= 50).sum(), abs=40)
    assert sources.ROWS_COLUMN not in table._source._files


def test_complete_float_columns_skip_fills_with_the_same_noise(make_table, frame):
    table = make_table()
    spec = QuerySpec((Aggregate("mean", "income"),), (), None)
    general = table._calibrate(spec, 1.0, 0.0)
    facts = table._source.data_facts(list(general.columns), table.bounds)
    assert facts.complete == {"income"} and facts.bounded == {"income"}
    narrowed = table._calibrate(spec, 1.0, 0.0, facts)
    assert narrowed.measurement is not general.measurement
    assert scales(narrowed) == scales(general)
    assert narrowed.measurement.map(1) == pytest.approx(general.measurement.map(1))
    release = table.mean("income", 1.0)
    assert 0 <= release.values[0].value <= 100_000


@pytest.mark.parametrize("missing", [np.nan, None])
def test_columns_with_missing_values_or_nan_keep_the_fill_steps(make_table, frame, missing):
    data = pl.from_pandas(frame).with_columns(
        pl.when(pl.int_range(pl.len()) % 3 == 0)
        .then(pl.lit(missing, dtype=pl.Float64))
        .otherwise(pl.col("income"))
        .alias("income")
    )
    table = make_table(data)
    facts = table._source.data_facts(["income", "age"], table.bounds)
    assert facts.complete == facts.bounded == frozenset({"age"})
    release = table.mean("income", 1.0)
    assert 0 <= release.values[0].value <= 100_000  # missing values imputed inside the bounds


@pytest.mark.parametrize("kind", ["pandas", "polars"])
def test_declared_string_keys_are_read_as_an_enum_and_other_values_are_dropped(
    make_table, frame, kind
):
    data = frame.assign(region=np.where(frame.index % 10 == 0, "atlantis", frame.region))
    table = make_table(data if kind == "pandas" else pl.from_pandas(data), keys={"region": REGIONS})
    assert table._source.encodable == {"region"}
    release = table.group_by("region").count(2.0)
    assert [v.group for v in release.values] == [(r,) for r in sorted(REGIONS)]
    true = data[data.region != "atlantis"].region.value_counts()
    for value in release.values:
        assert value.value == pytest.approx(true[value.group[0]], abs=15)
    # Values outside the declared keys never shape the release, so changing them replays.
    renamed = data.assign(region=data.region.replace("atlantis", "lemuria"))
    renamed = renamed if kind == "pandas" else pl.from_pandas(renamed)
    assert make_table(renamed, keys={"region": REGIONS}).group_by("region").count(2.0).replayed


def test_where_on_a_declared_key_column_reads_the_strings(make_table, frame):
    table = make_table()
    release = table.query("SELECT COUNT(*) FROM t WHERE region = 'atlantis'", 1.0)
    assert release.values[0].value == pytest.approx(0, abs=40)
    spec = QuerySpec((Aggregate("count"),), ("region",), "region <> 'north'")
    assert table._calibrate(spec, 1.0, 0.0).encoded == frozenset()


def test_keys_that_are_not_all_strings_are_not_encoded(make_table, frame):
    table = make_table(keys={"region": ["north", "south", None]})
    assert table._source.encodable == frozenset()
    groups = {v.group for v in table.group_by("region").count(1.0).values}
    assert groups == {("north",), ("south",), (None,)}


def test_values_outside_the_bounds_keep_the_clip(make_table, frame):
    data = frame.assign(income=frame.income.where(frame.index != 0, 1e12))  # one huge outlier
    table = make_table(data)
    facts = table._source.data_facts(["income"], table.bounds)
    assert facts.complete == {"income"} and facts.bounded == frozenset()
    total = table.sum("income", 4.0)
    clipped_total = data.income.clip(0, 100_000).sum()
    assert total.values[0].value == pytest.approx(clipped_total, abs=5 * total.values[0].plus_minus)
    mean = table.mean("income", 4.0).values[0].value
    assert 0 <= mean <= 100_000


def test_private_key_selection_reads_declared_columns_as_strings(make_table, frame):
    """Without the join on declared keys, codes would merge undeclared values into one group."""
    table = make_table(frame.assign(band=frame.age // 20), max_groups=10)
    spec = QuerySpec((Aggregate("count"),), ("region", "band"), None)
    assert table._calibrate(spec, 1.0, 1e-6).encoded == frozenset()
    assert table._calibrate(QuerySpec((Aggregate("count"),), ("region",)), 1.0, 0.0).encoded == {
        "region"
    }


@pytest.mark.parametrize(
    ("values", "changed"),
    [([True, None, False], [True, None, True]), ([1.0, None, 2.0], [1.0, None, 3.0]),
     ([1, None, 2], [1, 2, None])],
)  # fmt: skip
def test_value_hash_covers_values_and_missing_ones(values, changed):
    hashes = {column_hash(pl.Series("c", v)) for v in (values, changed, values)}
    assert len(hashes) == 2  # stable for equal data, different when a value or a null moves
