"""Turn OpenDP's output frame into released values with (1 − α) intervals (post-processing only).

Counts and sums: OpenDP's accuracy at α gives value ± a. A mean is OpenDP's noisy sum over its noisy
count; its interval is the range of sum/count over both components' intervals at α/2 each, so by the
union bound it covers the true mean with probability ≥ 1 − α. The mean and its interval are clamped
to the column's bounds (the imputed, clipped mean always lies there); the interval is the bounds when
the count's own interval reaches zero, and a zero noisy count releases the bounds' midpoint. Quantiles (exponential mechanism) have no analytic
interval in OpenDP, so none is given.
"""

from __future__ import annotations

import math
from typing import Any

from jupyter_privacy.core.queries.mechanisms import COUNT_SUFFIX, SUM_SUFFIX, Calibrated, statistics
from jupyter_privacy.core.queries.release import ReleasedValue


def released_values(
    calibrated: Calibrated, rows: list[dict[str, Any]], alpha: float,
    bounds: dict[str, tuple[float, float]],
) -> tuple[ReleasedValue, ...]:  # fmt: skip
    spec = calibrated.spec
    at_alpha = {s.name: s for s in statistics(calibrated, alpha)}
    halves = (
        {s.name: s for s in statistics(calibrated, alpha / 2)}
        if any(a.kind == "mean" for a in spec.aggregates)
        else {}
    )
    out = []
    for row in rows:
        group = tuple(row.get(c) for c in spec.group_by)
        for agg in spec.aggregates:
            if agg.kind == "mean":
                assert agg.column is not None
                total, count = row.get(agg.name + SUM_SUFFIX), row.get(agg.name + COUNT_SUFFIX)
                parts = halves[agg.name].components
                low, high = ratio_interval(total, count, parts[0].accuracy, parts[1].accuracy)
                lo_b, hi_b = bounds[agg.column]
                # The true (imputed, clipped) mean lies within the bounds whatever the noise, so
                # clamping is free post-processing; a zero noisy count leaves only the bounds.
                value = total / count if total is not None and count else None
                mean = _clamp(value, (lo_b + hi_b) / 2.0, lo_b, hi_b)
                low, high = _clamp(low, lo_b, lo_b, hi_b), _clamp(high, hi_b, lo_b, hi_b)
                out.append(ReleasedValue(agg.name, mean, low, high, group))
                continue
            value = _number(row.get(agg.name))
            accuracy = at_alpha[agg.name].components[0].accuracy
            if value is None or accuracy is None or agg.kind == "quantile":
                out.append(ReleasedValue(agg.name, value, None, None, group))
            else:
                out.append(
                    ReleasedValue(agg.name, value, value - accuracy, value + accuracy, group)
                )
    return tuple(out)


def _clamp(x: float | None, fallback: float, low: float, high: float) -> float:
    return fallback if x is None else min(max(x, low), high)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def ratio_interval(
    total: Any, count: Any, total_acc: float | None, count_acc: float | None
) -> tuple[float | None, float | None]:
    if total is None or count is None or total_acc is None or count_acc is None:
        return None, None
    count_low, count_high = float(count) - count_acc, float(count) + count_acc
    if count_low <= 0:  # the count may be zero: the mean is unbounded by this interval
        return None, None
    corners = [
        s / n
        for s in (float(total) - total_acc, float(total) + total_acc)
        for n in (count_low, count_high)
    ]
    return min(corners), max(corners)
