"""Accuracy → ε: the smallest ε whose ± at α meets a wanted accuracy, before anything is spent.

Counts and sums use OpenDP's own accuracy (Laplace: ± = scale · ln(1/α), scale ∝ 1/ε). A mean is
OpenDP's noisy sum over its noisy count, and its interval (see `values`) is the range of sum/count
over both components' intervals at α/2, so its ± depends on the private row count: the caller gives
a public estimate (`expected_rows`, e.g. from an earlier DP count; per group when grouped). The ±
planned for is the widest over true means anywhere in the bounds (it is largest at an end), before
the release's clamping to the bounds, so the plan errs on the safe side. Quantiles use the
exponential mechanism, for which OpenDP states no accuracy: they are refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, UnsupportedQueryError
from jupyter_privacy.core.queries.release import QueryPreview, Statistic
from jupyter_privacy.core.queries.spec import QuerySpec

_BISECTIONS = 60  # on the model (cheap)
_STEP = 1.05  # bracket around the model's answer, with OpenDP's calibration
_TOLERANCE = 1e-7  # relative: the ε returned is within this of the smallest that meets the target


def solve_epsilon(
    spec: QuerySpec,
    accuracy: float,
    alpha: float,
    preview: Callable[[float, float], QueryPreview],
    bounds: dict[str, tuple[float, float]],
    expected_rows: int | None,
) -> float:
    """`preview(ε, α)` is the table's own preview (OpenDP's calibration, no data touched)."""
    refused = [a.name for a in spec.aggregates if a.kind == "quantile"]
    if refused:
        raise UnsupportedQueryError(
            f"accuracy → ε is not available for {refused[0]}: OpenDP states no accuracy for the "
            "exponential mechanism behind quantiles. Preview several ε, or try the ε-versus-utility "
            "widget (TradeoffExplorer) on a column you can share"
        )
    means = [a for a in spec.aggregates if a.kind == "mean"]
    if means and expected_rows is None:
        raise InvalidParameterError(
            f"the accuracy of {means[0].name} depends on how many rows it averages; pass "
            "expected_rows=N, a public estimate (e.g. from an earlier DP count; per group when "
            "grouped)"
        )

    def worst(at_alpha: Any, halves: Any, shrink: float = 1.0) -> float:
        """The largest ± at α over the statement's statistics, each OpenDP accuracy ÷ `shrink`."""
        widest = 0.0
        for i, agg in enumerate(spec.aggregates):
            if agg.kind == "mean" and agg.column is not None and expected_rows is not None:
                total, count = (c.accuracy / shrink for c in halves[i].components)
                mean = mean_plus_minus(total, count, bounds[agg.column], expected_rows)
                widest = max(widest, float("inf") if mean is None else mean)
            else:
                widest = max(widest, (at_alpha[i].accuracy or 0.0) / shrink)
        return widest

    def exact(epsilon: float) -> float:
        return worst(preview(epsilon, alpha).statistics,
                     preview(epsilon, alpha / 2).statistics if means else ())  # fmt: skip

    # Every noise scale is proportional to 1/ε, so ± at ε is about ± at ε = 1 divided by ε (not
    # exactly: a count's integer noise has a stepped accuracy). Solve that model for a start, then
    # bracket and bisect on OpenDP's own calibration (± never grows with ε).
    at_one = preview(1.0, alpha).statistics, preview(1.0, alpha / 2).statistics if means else ()
    start = 1.0
    while worst(*at_one, shrink=start) > accuracy:
        start *= 2
        if start > 1e12:
            raise InvalidParameterError(
                f"no ε reaches ± {accuracy:g}; ask for a wider accuracy (for a mean, a larger "
                "expected_rows also helps)"
            )
    low, high = start / 2, start
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2
        low, high = (low, middle) if worst(*at_one, shrink=middle) <= accuracy else (middle, high)
    low, high = high / _STEP, high
    while exact(high) > accuracy:
        low, high = high, high * _STEP
    while exact(low) <= accuracy:
        low, high = low / _STEP, low
    while high - low > _TOLERANCE * high:
        middle = (low + high) / 2
        low, high = (low, middle) if exact(middle) <= accuracy else (middle, high)
    return high


def mean_plus_minus(
    sum_accuracy: float | None, count_accuracy: float | None, bounds: tuple[float, float], rows: int
) -> float | None:
    """The mean's ± at α from its components' accuracies at α/2, for a true count `rows`: the
    half-width of the released interval (`values.ratio_interval`) at the worst true mean in the
    bounds, which is (a_sum + M·a_count) / (rows − a_count) with M the bound farthest from 0.
    None while the count's interval reaches zero (the interval is then the whole bounds)."""
    if sum_accuracy is None or count_accuracy is None or count_accuracy >= rows:
        return None
    farthest = max(abs(bounds[0]), abs(bounds[1]))
    return (sum_accuracy + farthest * count_accuracy) / (rows - count_accuracy)


def plan_means(
    statistics: Sequence[Statistic], halves: Sequence[Statistic],
    bounds: dict[str, tuple[float, float]], rows: int,
) -> tuple[Statistic, ...]:  # fmt: skip
    """The statistics with each mean's planned ± at α for `rows` (what a preview shows), from the
    same statistics summarised at α/2 (`halves`): the formula `epsilon_for` plans with."""
    planned = []
    for stat, half in zip(statistics, halves, strict=True):
        if stat.aggregate == "mean" and stat.column is not None:
            total, count = (c.accuracy for c in half.components)
            stat = replace(stat, mean_accuracy=mean_plus_minus(total, count, bounds[stat.column],
                                                               rows))  # fmt: skip
        planned.append(stat)
    return tuple(planned)
