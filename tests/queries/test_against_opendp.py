"""The noise scale and accuracy we report are OpenDP's own, compared with OpenDP's Context directly."""

from __future__ import annotations

import opendp.prelude as dp
import polars as pl
import pytest

dp.enable_features("contrib")
MAX_ROWS = 10_000


def context_summary(frame, epsilon, *exprs, margins=()):
    context = dp.Context.compositor(
        data=pl.from_pandas(frame).lazy().with_columns(pl.col("income").cast(pl.Float64)),
        privacy_unit=dp.unit_of(contributions=1),
        privacy_loss=dp.loss_of(epsilon=epsilon),
        split_evenly_over=1,
        margins=[dp.polars.Margin(by=[], max_length=MAX_ROWS), *margins],
    )
    return context.query().select(*exprs).summarize(alpha=0.05)


def test_count_and_sum_match_the_context(make_table, frame):
    # OpenDP's getting-started settings: one contribution per person, ε = 1, α = 0.05.
    preview = make_table().preview("SELECT COUNT(*) FROM t", epsilon=1.0)
    summary = context_summary(frame, 1.0, dp.len(signed=True))
    assert preview.noise_scale == pytest.approx(summary["scale"][0], rel=1e-9)
    assert preview.accuracy == pytest.approx(summary["accuracy"][0], rel=1e-9)
    assert preview.mechanism == summary["distribution"][0] == "Integer Laplace"

    preview = make_table().preview("SELECT SUM(income) FROM t", epsilon=0.7)
    income = pl.col("income").fill_nan(50_000.0).fill_null(50_000.0)
    summary = context_summary(frame, 0.7, income.dp.sum((0.0, 100_000.0)))
    assert preview.noise_scale == pytest.approx(summary["scale"][0], rel=1e-9)
    assert preview.accuracy == pytest.approx(summary["accuracy"][0], rel=1e-9)


def test_mean_components_match_the_contexts_dp_mean(make_table, frame):
    preview = make_table().preview("SELECT AVG(income) FROM t", epsilon=0.5)
    income = pl.col("income").fill_nan(50_000.0).fill_null(50_000.0)
    summary = context_summary(frame, 0.5, income.dp.mean((0.0, 100_000.0)))
    ours = preview.statistics[0].components
    assert [c.distribution for c in ours] == summary["distribution"].to_list()
    assert [c.scale for c in ours] == pytest.approx(summary["scale"].to_list(), rel=1e-9)
    assert [c.accuracy for c in ours] == pytest.approx(summary["accuracy"].to_list(), rel=1e-9)


def test_accuracy_is_openpds_function_of_the_scale(make_table):
    preview = make_table().preview("SELECT COUNT(*), SUM(income) FROM t", epsilon=2.0, alpha=0.1)
    count, total = preview.statistics
    assert count.accuracy == pytest.approx(
        dp.discrete_laplacian_scale_to_accuracy(count.noise_scale, 0.1)
    )
    assert total.accuracy == pytest.approx(dp.laplacian_scale_to_accuracy(total.noise_scale, 0.1))
    assert count.epsilon == total.epsilon == 1.0
