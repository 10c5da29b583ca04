"""Over many draws, releases spread as the stated scale says and the 95% intervals cover ~95%.

One OpenDP measurement is calibrated once and invoked repeatedly on a small frame (each invocation is
a real OpenDP release); the ledger is not involved, so the draws are fast and spend nothing.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest

from jupyter_privacy.core.queries import Aggregate, QuerySpec
from jupyter_privacy.core.queries.mechanisms import TableInfo, calibrate, run, statistics
from jupyter_privacy.core.queries.values import released_values

DRAWS = 1000


@pytest.fixture(scope="module")
def setting():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"income": rng.uniform(0, 100_000, 200)})
    data = pl.from_pandas(frame)
    return frame, _info(dict(data.schema)), data


def _info(schema):
    return TableInfo(
        schema=schema, bounds={"income": (0.0, 100_000.0)}, impute={"income": 50_000.0},
        keys={}, candidates={}, max_rows=10_000, max_groups=None, contributions=1,
    )  # fmt: skip


def _draws(calibrated, data):
    lazy = data.lazy()
    return [run(calibrated, lazy).to_dicts()[0] for _ in range(DRAWS)]


@pytest.mark.parametrize(("kind", "truth_of"), [
    ("count", lambda f: len(f)),
    ("sum", lambda f: float(f.income.sum())),
])  # fmt: skip
def test_spread_matches_scale_and_interval_covers(setting, kind, truth_of):
    frame, info, data = setting
    aggregate = Aggregate(kind, None if kind == "count" else "income")
    calibrated = calibrate(QuerySpec((aggregate,)), info, None, 0.5, 0.0)
    rows = _draws(calibrated, data)
    values = np.array([row[aggregate.name] for row in rows], dtype=float)
    truth = truth_of(frame)
    released = [released_values(calibrated, [row], 0.05, info.bounds)[0] for row in rows]
    scale = statistics(calibrated, 0.05)[0].noise_scale
    # Laplace(b): standard deviation b·√2, mean absolute deviation b.
    assert np.mean(np.abs(values - truth)) == pytest.approx(scale, rel=0.15)
    assert np.std(values) == pytest.approx(scale * math.sqrt(2), rel=0.2)
    coverage = np.mean([r.low <= truth <= r.high for r in released])
    expected = _expected_coverage(statistics(calibrated, 0.05)[0].components[0], 0.05)
    sd = math.sqrt(expected * (1 - expected) / DRAWS)
    assert abs(coverage - expected) <= 4 * sd, (coverage, expected)


def _expected_coverage(component, alpha):
    """1 − α for continuous Laplace; for Integer Laplace the discrete mass within the stated ±, which
    exceeds 1 − α (96.2% at scale 2), since a discrete interval cannot hit 95% exactly."""
    if component.distribution != "Integer Laplace":
        return 1 - alpha
    k = np.arange(-100_000, 100_001)
    mass = np.exp(-np.abs(k) / component.scale)
    return float(mass[np.abs(k) <= component.accuracy].sum() / mass.sum())


def test_mean_interval_covers_at_least_the_stated_level(setting):
    frame, info, data = setting
    calibrated = calibrate(QuerySpec((Aggregate("mean", "income"),)), info, None, 0.05, 0.0)
    rows = _draws(calibrated, data)
    truth = float(frame.income.mean())
    released = [released_values(calibrated, [row], 0.05, info.bounds)[0] for row in rows]
    coverage = np.mean([r.low <= truth <= r.high for r in released])
    assert coverage >= 0.93, coverage  # union bound: conservative, so at or above 95%


def test_mean_is_clamped_and_a_zero_count_gives_the_bounds(setting):
    _, info, _ = setting
    calibrated = calibrate(QuerySpec((Aggregate("mean", "income"),)), info, None, 0.05, 0.0)
    far = {"mean_income__sum": -9e6, "mean_income__n": 150}  # noise far below the bounds
    zero = {"mean_income__sum": 123.0, "mean_income__n": 0}
    low_side, empty = released_values(calibrated, [far, zero], 0.05, info.bounds)
    assert low_side.value == 0.0 and 0.0 == low_side.low <= low_side.high <= 100_000
    assert (empty.value, empty.low, empty.high) == (50_000.0, 0.0, 100_000.0)
