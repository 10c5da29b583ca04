"""Check a private table's public declarations: bounds, keys, imputation, quantile candidates.

None of them is read from the data; the data's own loading lives in `sources`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError

DEFAULT_CANDIDATES = 101


def check_bounds(
    bounds: Mapping[str, Any] | None, columns: Iterable[str]
) -> dict[str, tuple[float, float]]:
    known, checked = set(columns), {}
    for column, pair in (bounds or {}).items():
        _require_column(column, known, "bounds")
        try:
            low, high = (float(v) for v in pair)
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"bounds for {column!r} must be a (low, high) pair of numbers, got {pair!r}"
            ) from None
        if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
            raise InvalidParameterError(
                f"bounds for {column!r} must be finite with low < high, got ({low:g}, {high:g})"
            )
        checked[column] = (low, high)
    return checked


def check_keys(
    keys: Mapping[str, Any] | None, columns: Iterable[str]
) -> dict[str, tuple[Any, ...]]:
    known, checked = set(columns), {}
    for column, values in (keys or {}).items():
        _require_column(column, known, "keys")
        items = tuple(dict.fromkeys([values] if isinstance(values, str) else list(values)))
        if not items:
            raise InvalidParameterError(f"declare at least one key for {column!r}")
        checked[column] = items
    return checked


def check_impute(
    impute: Mapping[str, Any] | None, bounds: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """Missing values are replaced inside the bounds: the midpoint unless the user says otherwise."""
    fills = {c: (lo + hi) / 2.0 for c, (lo, hi) in bounds.items()}
    for column, value in (impute or {}).items():
        if column not in bounds:
            raise InvalidParameterError(f"impute value for {column!r} needs bounds for it too")
        low, high = bounds[column]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not low <= value <= high
        ):
            raise InvalidParameterError(
                f"impute value for {column!r} must be a number inside its bounds "
                f"[{low:g}, {high:g}], got {value!r}"
            )
        fills[column] = float(value)
    return fills


def check_candidates(
    candidates: Mapping[str, Any] | None, bounds: dict[str, tuple[float, float]]
) -> dict[str, tuple[float, ...]]:
    """Public candidate values for quantiles: default, 101 evenly spaced points across the bounds."""
    result = {
        c: tuple(lo + (hi - lo) * i / (DEFAULT_CANDIDATES - 1) for i in range(DEFAULT_CANDIDATES))
        for c, (lo, hi) in bounds.items()
    }
    for column, values in (candidates or {}).items():
        if column not in bounds:
            raise InvalidParameterError(
                f"quantile candidates for {column!r} need bounds for it too"
            )
        items = tuple(sorted({float(v) for v in values}))
        if len(items) < 2:
            raise InvalidParameterError(f"give at least two quantile candidates for {column!r}")
        result[column] = items
    return result


def _require_column(column: str, known: set[str], what: str) -> None:
    if column not in known:
        raise InvalidParameterError(
            f"{what} name column {column!r}, which the data does not have "
            f"(columns: {', '.join(sorted(known))})"
        )
