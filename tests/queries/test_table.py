"""PrivateTable releases: values with accuracy, replay, fresh draws, budget checks, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest

from jupyter_privacy.core.errors import (
    BudgetExceededError,
    InvalidParameterError,
    UnknownBudgetError,
    UnsupportedQueryError,
)
from jupyter_privacy.core.queries import QueryPreview, QueryRelease
from jupyter_privacy.core.queries import table as table_module


def test_count_release_carries_value_cost_noise_and_ledger_entry(make_table, ledger):
    release = make_table().count(epsilon=1.0)
    assert isinstance(release, QueryRelease)
    assert release.epsilon == 1.0 and release.delta == 0.0 and not release.replayed
    assert release.mechanism == "Integer Laplace"
    assert release.noise_scale == pytest.approx(1.0)
    low, high = release.interval
    assert low == pytest.approx(release.value - release.accuracy)
    assert high == pytest.approx(release.value + release.accuracy)
    assert abs(release.value - 200) < 30  # scale 1: a 30-off draw has probability e^-30
    entry = ledger.history("study")[-1]
    assert entry.id == release.entry_id and entry.epsilon == 1.0
    assert entry.details["privacy_unit"].startswith("one person")
    assert entry.details["data_fingerprint"].startswith("hmac-sha256:")  # keyed: ledger secret
    assert release.budget_epsilon_remaining == pytest.approx(9.0)


def test_rerun_replays_and_spends_nothing_fresh_spends_again(make_table, ledger):
    table = make_table()
    first = table.mean("income", epsilon=0.5)
    again = make_table().mean("income", epsilon=0.5)  # a new table object over the same data
    assert again.replayed and again.entry_id == first.entry_id and again.value == first.value
    assert ledger.budget("study").epsilon_spent == pytest.approx(0.5)
    fresh = table.mean("income", epsilon=0.5, fresh=True)
    assert not fresh.replayed and fresh.entry_id != first.entry_id
    assert ledger.budget("study").epsilon_spent == pytest.approx(1.0)


def test_changed_data_or_parameters_do_not_replay(make_table, frame, ledger):
    first = make_table().sum("income", epsilon=0.5)
    changed = frame.copy()
    changed.loc[0, "income"] = 1.0
    assert not make_table(changed).sum("income", epsilon=0.5).replayed
    assert not make_table().sum("income", epsilon=0.6).replayed
    assert not make_table(bounds={"income": (0, 50_000)}).sum("income", epsilon=0.5).replayed
    assert len(ledger.history("study")) == 4 and first.entry_id == 2


def test_alpha_changes_reported_accuracy_not_the_release(make_table):
    table = make_table()
    at_95 = table.count(epsilon=1.0)
    at_90 = table.count(epsilon=1.0, alpha=0.1)
    assert at_90.replayed and at_90.value == at_95.value
    assert at_90.accuracy < at_95.accuracy


def test_query_larger_than_budget_fails_before_noise_is_drawn(make_table, ledger, monkeypatch):
    calls = []
    real_run = table_module.run
    monkeypatch.setattr(table_module, "run", lambda *a: calls.append(a) or real_run(*a))
    with pytest.raises(BudgetExceededError, match="Nothing was spent"):
        make_table().count(epsilon=10.5)
    assert calls == [] and ledger.history("study") == []
    assert ledger.budget("study").epsilon_spent == 0
    make_table().count(epsilon=1.0)
    assert len(calls) == 1


def test_preview_spends_nothing_and_matches_release(make_table, ledger):
    table = make_table()
    preview = table.preview("SELECT COUNT(*), SUM(income) FROM t", epsilon=1.0)
    assert isinstance(preview, QueryPreview)
    assert preview.epsilon_split == {"count": 0.5, "sum_income": 0.5}
    assert ledger.history("study") == []
    release = table.query("SELECT COUNT(*), SUM(income) FROM t", epsilon=1.0)
    assert [s.noise_scale for s in release.statistics] == [
        s.noise_scale for s in preview.statistics
    ]
    assert "preview (nothing spent)" in str(preview)


def test_epsilon_for_gives_the_smallest_epsilon_meeting_the_accuracy(make_table):
    table = make_table()
    epsilon = table.epsilon_for("SELECT SUM(income) FROM t", accuracy=50_000)
    assert table.preview("SELECT SUM(income) FROM t", epsilon).accuracy <= 50_000
    assert table.preview("SELECT SUM(income) FROM t", epsilon * 0.99).accuracy > 50_000
    with pytest.raises(UnsupportedQueryError, match="exponential mechanism"):
        table.epsilon_for("SELECT MEDIAN(income) FROM t", accuracy=10)


def test_epsilon_for_a_mean_needs_a_row_estimate_and_meets_it_at_every_true_mean(make_table):
    table = make_table()
    sql = "SELECT COUNT(*), AVG(income) FROM t"
    with pytest.raises(InvalidParameterError, match="expected_rows"):
        table.epsilon_for(sql, accuracy=5_000)
    epsilon = table.epsilon_for(sql, accuracy=5_000, expected_rows=200)

    def widest(eps: float) -> float:
        """The mean's ± at the worst true mean, from OpenDP's component accuracies at α/2."""
        total, count = (
            c.accuracy for c in table.preview(sql, eps, alpha=0.025).statistics[1].components
        )
        worst = 0.0
        for mean in (0.0, 50_000.0, 100_000.0):
            low = (
                (200 * mean - total) / (200 + count)
                if mean * 200 >= total
                else (200 * mean - total) / (200 - count)
            )
            high = (200 * mean + total) / (200 - count)
            worst = max(worst, high - mean, mean - low)
        return worst

    assert widest(epsilon) <= 5_000 < widest(epsilon * 0.999)
    count_plus_minus = table.preview(sql, epsilon).statistics[0].accuracy
    assert count_plus_minus < 5_000  # the count's ± is far inside; the mean's decides
    more_rows = table.epsilon_for(sql, accuracy=5_000, expected_rows=2_000)
    assert more_rows < epsilon / 5  # ten times the rows: the mean needs far less ε
    with pytest.raises(InvalidParameterError, match="expected_rows"):
        table.epsilon_for(sql, accuracy=5_000, expected_rows=0)


def test_count_of_a_column_counts_its_non_missing_values(make_table, frame):
    data = frame.assign(income=frame.income.where(frame.index % 4 != 0))  # a quarter missing
    table = make_table(data)
    release = table.query("SELECT COUNT(income), COUNT(*) FROM t", epsilon=4.0)
    by_name = {v.statistic: v.value for v in release.values}
    assert by_name["count_income"] == pytest.approx(150, abs=12)
    assert by_name["count"] == pytest.approx(200, abs=12)
    assert table.count(2.0, column="name").values[0].value == pytest.approx(200, abs=12)
    assert [s.noise_scale for s in release.statistics] == [1 / 2.0, 1 / 2.0]


def test_grouped_mean_over_declared_keys_lists_every_key(make_table):
    release = make_table().group_by("region").mean("income", epsilon=1.0)
    groups = [v.group[0] for v in release.values]
    assert groups == sorted(["north", "south", "east", "west"])
    for item in release.values:
        assert 0 <= item.low <= item.value <= item.high <= 100_000
    frame = release.to_pandas()
    assert list(frame.columns[:3]) == ["region", "statistic", "value"]


def test_histogram_and_sql_group_by_with_where(make_table, frame):
    table = make_table()
    histogram = table.histogram("region", epsilon=1.0)
    assert len(histogram.values) == 4
    release = table.query(
        "SELECT region, COUNT(*) AS n FROM t WHERE age >= 50 AND region IN ('north', 'south') "
        "GROUP BY region",
        epsilon=1.0,
    )
    truth = frame[frame.age >= 50].groupby("region").size()
    by_group = {v.group[0]: v.value for v in release.values}
    assert abs(by_group["north"] - truth["north"]) < 30
    assert by_group["east"] is not None and abs(by_group["east"]) < 30  # filtered out: ~0


def test_private_key_selection_needs_delta_and_max_groups(make_table):
    table = make_table(keys={}, max_groups=10)
    with pytest.raises(InvalidParameterError, match="no declared keys"):
        table.group_by("region").count(epsilon=1.0)
    release = table.group_by("region").count(epsilon=1.0, delta=1e-7)
    assert release.delta == 1e-7 and release.threshold is not None
    assert f"below {release.threshold} are dropped" in str(release)
    assert {v.group[0] for v in release.values} <= {"north", "south", "east", "west"}
    with pytest.raises(InvalidParameterError, match="max_groups"):
        make_table(keys={}).group_by("region").count(epsilon=1.0, delta=1e-7)


def test_median_picks_a_candidate_and_has_no_analytic_interval(make_table):
    table = make_table(candidates={"age": list(range(18, 81))})
    release = table.median("age", epsilon=2.0)
    assert release.value in range(18, 81) and release.interval == (None, None)
    assert release.statistics[0].accuracy is None
    assert "Exponential" in release.mechanism


def test_missing_values_are_imputed_inside_the_bounds(make_table, frame):
    with_gaps = frame.copy()
    with_gaps.loc[:99, "income"] = np.nan
    release = make_table(with_gaps, impute={"income": 0.0}).sum("income", epsilon=5.0)
    expected = with_gaps.income.fillna(0.0).sum()
    assert abs(release.value - expected) < 50 * release.noise_scale
    default = make_table(with_gaps).mean("income", epsilon=5.0)
    assert default.value is not None and math.isfinite(default.value)
    with pytest.raises(InvalidParameterError, match="inside its bounds"):
        make_table(with_gaps, impute={"income": -5.0})


def test_polars_frame_and_files_are_accepted(make_table, frame, tmp_path):
    parquet, csv = tmp_path / "p.parquet", tmp_path / "p.csv"
    frame.to_parquet(parquet)
    frame.to_csv(csv, index=False)
    for data in (pl.from_pandas(frame), str(parquet), csv):
        assert make_table(data).count(epsilon=0.5, fresh=True).value is not None


@pytest.mark.parametrize(
    ("options", "call", "message"),
    [
        ({}, lambda t: t.sum("age2", 1.0), "unknown column 'age2'"),
        ({"bounds": {}}, lambda t: t.sum("age", 1.0), "no declared bounds"),
        ({}, lambda t: t.mean("name", 1.0), "needs a numeric column"),
        ({}, lambda t: t.count(0), "must be > 0"),
        ({}, lambda t: t.count(-1.0), "must be > 0"),
        ({}, lambda t: t.count(1.0, alpha=2), "alpha"),
        ({}, lambda t: t.group_by("town").count(1.0), "unknown GROUP BY column"),
        ({}, lambda t: t.query("SELECT COUNT(* FROM t", 1.0), "SQL syntax error"),
        ({}, lambda t: t.count(1.0, where="age >>> 3"), "cannot parse"),
    ],
)
def test_bad_inputs_are_clear_errors_and_spend_nothing(make_table, ledger, options, call, message):
    with pytest.raises(InvalidParameterError, match=message):
        call(make_table(**options))
    assert ledger.history("study") == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bounds": {"age": (80, 18)}}, "low < high"),
        ({"bounds": {"age": (0, float("inf"))}}, "finite"),
        ({"bounds": {"name": (0, 1)}}, "not numeric"),
        ({"bounds": {"town": (0, 1)}}, "does not have"),
        ({"keys": {"town": ["a"]}}, "does not have"),
        ({"max_contributions": 0}, "whole number"),
    ],
)
def test_bad_declarations_fail_at_construction(make_table, options, message):
    with pytest.raises(InvalidParameterError, match=message):
        make_table(**options)


def test_empty_frame_unknown_budget_and_wrong_data(make_table, frame, ledger):
    with pytest.raises(InvalidParameterError, match="no rows"):
        make_table(frame.iloc[:0]).count(1.0)
    with pytest.raises(InvalidParameterError, match="DataFrame"):
        make_table([1, 2, 3])
    from jupyter_privacy.core.queries import PrivateTable

    with pytest.raises(UnknownBudgetError):
        PrivateTable(frame, budget="nope", ledger=ledger, bounds={"age": (0, 1)}).count(1.0)
    assert ledger.history("study") == []


def test_sql_unsupported_features_name_what_is_supported(make_table):
    with pytest.raises(UnsupportedQueryError, match="supported DP SQL"):
        make_table().query("SELECT * FROM t", 1.0)


def test_str_of_release_is_a_table_with_budget_left(make_table):
    text = str(make_table().group_by("region").count(epsilon=1.0))
    assert "95% interval" in text and "ε left 9" in text and "north" in text


def test_pandas_output(make_table):
    frame = make_table().query("SELECT COUNT(*), AVG(age) FROM t", epsilon=1.0).to_pandas()
    assert isinstance(frame, pd.DataFrame) and list(frame.statistic) == ["count", "mean_age"]
    assert frame.epsilon.tolist() == [0.5, 0.5]


@pytest.mark.parametrize(
    ("where", "expected"),
    [("age BETWEEN 30 AND 40", lambda f: f.age.between(30, 40)),
     ("NOT region = 'north' OR age <> 20", lambda f: (f.region != "north") | (f.age != 20)),
     ("region IS NULL", lambda f: f.region.isna())],
)  # fmt: skip
def test_where_filters_run_inside_opendp(make_table, frame, where, expected):
    release = make_table().count(epsilon=5.0, where=where)
    assert abs(release.value - int(expected(frame).sum())) < 15  # scale 0.2


def test_pandas_category_columns_group_like_strings(make_table, frame):
    data = frame.assign(region=frame.region.astype("category"))
    release = make_table(data).group_by("region").count(epsilon=5.0)
    truth = frame.groupby("region").size()
    assert all(abs(v.value - truth[v.group[0]]) < 15 for v in release.values)


def test_unknown_where_column_is_a_clear_error(make_table, ledger):
    with pytest.raises(InvalidParameterError, match="unknown column 'town' in WHERE"):
        make_table().count(1.0, where="town = 'x'")
    assert ledger.history("study") == []


def test_table_keeps_the_frame_as_it_was_when_created(make_table, frame):
    data = frame.copy()
    table = make_table(data)  # pandas columns are converted when a query first reads them
    data["income"] = 0.0
    data.loc[:, "age"] = 18
    assert table.mean("income", epsilon=3.0).value > 25_000  # ~50,000 before; 0 after the edit
    assert table.mean("age", epsilon=3.0).value > 30  # ~49 before; 18 after
    as_objects = make_table(frame.assign(name=frame.name.astype(object)))  # converted at once
    assert abs(as_objects.count(epsilon=3.0).value - len(frame)) < 15
