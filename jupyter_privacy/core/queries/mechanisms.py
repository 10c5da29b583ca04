"""OpenDP measurements for a `QuerySpec`: plan, noise calibration, summary and release.

Every mechanism is OpenDP's (`make_private_lazyframe` over polars plans with `.dp` aggregates).
The Context API searches the noise scale with ~1,100 measurement constructions per query; here each
aggregate's scale is solved from OpenDP's own privacy map (ε is proportional to 1/scale for the
Laplace and exponential mechanisms used), then the final measurement is built once and its privacy
map is checked by OpenDP: a query never runs unless OpenDP confirms it fits its ε (and δ).
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import opendp.prelude as dp
import polars as pl
from opendp.accuracy import summarize_polars_measurement
from opendp.extras.polars import (
    Margin,
    _lazyframe_domain_from_schema,
    _series_domain_from_field,
    dp_len,
)
from opendp.mod import OpenDPException

from jupyter_privacy.core.errors import InvalidParameterError, UnsupportedQueryError
from jupyter_privacy.core.queries.columns import NO_FACTS, DataFacts
from jupyter_privacy.core.queries.release import NoiseComponent, Statistic
from jupyter_privacy.core.queries.spec import Aggregate, QuerySpec

dp.enable_features("contrib")

_SEARCH_THRESHOLD = 2**32 - 1  # what OpenDP's resolve() uses while solving the scale
_NUDGE = 1.0 + 2.0**-40
SUM_SUFFIX, COUNT_SUFFIX = "__sum", "__n"
_STREAMING_VARIABLE = "POLARS_FORCE_NEW_STREAMING"


@dataclass(frozen=True)
class TableInfo:
    """The public description of a private table (never read from the data's values)."""

    schema: dict[str, pl.DataType]
    bounds: dict[str, tuple[float, float]]
    impute: dict[str, float]
    keys: dict[str, tuple[Any, ...]]
    candidates: dict[str, tuple[float, ...]]
    max_rows: int
    max_groups: int | None
    contributions: int
    facts: DataFacts = NO_FACTS  # checked on the data at release time (see DataFacts)
    encoded: frozenset[str] = frozenset()  # group columns read as pl.Enum of their declared keys


@dataclass(frozen=True)
class Calibrated:
    """A query's final OpenDP measurement, ready to run or to summarise."""

    spec: QuerySpec
    measurement: Any
    epsilon_split: tuple[float, ...]
    epsilon: float
    delta: float
    threshold: int | None
    columns: tuple[str, ...] = ()  # the input columns the measurement reads (its domain)
    encoded: frozenset[str] = frozenset()  # which of them are read as pl.Enum (see TableInfo)


def _private_selection(spec: QuerySpec, info: TableInfo) -> bool:
    return bool(spec.group_by) and any(c not in info.keys for c in spec.group_by)


def _expressions(agg: Aggregate, info: TableInfo, scales: dict[str, float] | None) -> list[pl.Expr]:
    def scale(name: str) -> float | None:
        return None if scales is None else scales[name]

    if agg.kind == "count":
        if agg.column is not None:  # SQL's COUNT(col): the non-missing values (NaN is a value)
            counted: Any = pl.col(agg.column)
            return [counted.dp.count(scale=scale(agg.name), signed=True).alias(agg.name)]
        return [dp_len(scale=scale(agg.name), signed=True).alias(agg.name)]
    assert agg.column is not None
    bounds, fill = info.bounds[agg.column], info.impute[agg.column]
    col: Any = pl.col(agg.column)  # `.dp` is OpenDP's namespace
    if agg.column not in info.facts.complete:  # imputation inside the bounds (complete: a no-op)
        col = col.fill_nan(fill).fill_null(fill)
    if agg.kind in ("sum", "mean"):
        name = agg.name + SUM_SUFFIX if agg.kind == "mean" else agg.name
        if agg.column in info.facts.bounded:  # the domain carries the bounds: clipping is a no-op
            total = col.sum().dp.noise(scale=scale(name))
        else:
            total = col.dp.sum(bounds, scale=scale(name))
        if agg.kind == "sum":
            return [total.alias(name)]
        # OpenDP's dp.mean is exactly this sum and length, released together
        return [total.alias(name), dp_len(scale=scale(agg.name + COUNT_SUFFIX), signed=True).alias(
            agg.name + COUNT_SUFFIX)]  # fmt: skip
    candidates = list(info.candidates[agg.column])
    return [
        col.dp.quantile(float(agg.quantile or 0.0), candidates, scale=scale(agg.name)).alias(
            agg.name
        )
    ]


def build_plan(
    spec: QuerySpec,
    info: TableInfo,
    where: pl.Expr | None,
    aggregates: tuple[Aggregate, ...],
    scales: dict[str, float] | None,
    *,
    join_keys: bool = True,
) -> pl.LazyFrame:
    """The polars plan OpenDP checks, built on an empty frame with the table's schema."""
    frame = pl.LazyFrame(schema=info.schema)
    if where is not None:
        frame = frame.filter(where)
    exprs = [e for agg in aggregates for e in _expressions(agg, info, scales)]
    if not spec.group_by:
        return frame.select(exprs)
    grouped = frame.group_by(list(spec.group_by)).agg(exprs)
    if not join_keys or _private_selection(spec, info):
        return grouped
    keys = pl.LazyFrame(
        list(itertools.product(*(info.keys[c] for c in spec.group_by))),
        schema={c: info.schema[c] for c in spec.group_by},
        orient="row",
    )  # the declared key set (OpenDP's with_keys): every declared group appears in the output
    return keys.join(grouped, how="left", on=list(spec.group_by), nulls_equal=True)


def _domain(spec: QuerySpec, info: TableInfo, *, keys_public: bool) -> Any:
    """OpenDP's broadest domain for the schema, narrowed to the checked `DataFacts`: complete
    columns are non-null without NaN, bounded ones also carry their bounds; OpenDP then accepts
    their aggregates without the fill and clip steps."""
    domain = _lazyframe_domain_from_schema(pl.Schema(info.schema))
    facts = info.facts
    if facts.complete:
        domain = dp.lazyframe_domain([
            _series_domain_from_field((c, t)) if c not in facts.complete
            else dp.series_domain(c, dp.atom_domain(
                T="f64", nan=False, bounds=info.bounds[c] if c in facts.bounded else None))
            for c, t in info.schema.items()
        ])  # fmt: skip
    domain = dp.with_margin(domain, Margin(by=[], max_length=info.max_rows))
    if spec.group_by:
        margin = Margin(
            by=list(spec.group_by),
            max_length=info.max_rows,
            max_groups=info.max_groups,
            invariant="keys" if keys_public else None,
        )
        domain = dp.with_margin(domain, margin)
    return domain


def _make(domain: Any, measure: Any, plan: pl.LazyFrame, *, scale: float | None = None,
          threshold: int | None = None, d_in: int) -> tuple[Any, float]:  # fmt: skip
    measurement: Any = dp.m.make_private_lazyframe(
        domain, dp.symmetric_distance(), measure, plan, global_scale=scale, threshold=threshold
    )
    loss = measurement.map(d_in)
    return measurement, float(loss[0] if isinstance(loss, tuple) else loss)


def _component_scales(measurement: Any) -> dict[str, float]:
    summary = summarize_polars_measurement(measurement)
    return dict(zip(summary["column"].to_list(), summary["scale"].to_list(), strict=True))


def calibrate(
    spec: QuerySpec,
    info: TableInfo,
    where: pl.Expr | None,
    epsilon: float,
    delta: float,
    split: tuple[float, ...] | None = None,
) -> Calibrated:
    """Split ε over the aggregates (evenly, or by the `split` fractions), solve each one's noise
    scale, then build the whole query and check it with OpenDP's privacy map."""
    private_keys = _private_selection(spec, info)
    if private_keys and delta <= 0:
        missing = [c for c in spec.group_by if c not in info.keys]
        raise InvalidParameterError(
            f"GROUP BY {', '.join(missing)} has no declared keys: declare them (keys={{...}} / "
            "--keys col=a,b), or select groups privately with delta > 0 and max_groups"
        )
    if private_keys and info.max_groups is None:
        raise InvalidParameterError(
            "selecting group keys privately needs a public max_groups (most groups there can be);"
            " pass max_groups=N, or declare the keys"
        )
    d_in = info.contributions
    fractions = split or tuple(1.0 / len(spec.aggregates) for _ in spec.aggregates)
    shares = tuple(epsilon * fraction for fraction in fractions)
    pure = dp.max_divergence()
    scales: dict[str, float] = {}
    try:
        calibration_domain = _domain(spec, info, keys_public=True)
        for agg, share in zip(spec.aggregates, shares, strict=True):
            plan = build_plan(spec, info, where, (agg,), None, join_keys=not private_keys)
            _, loss_at_one = _make(calibration_domain, pure, plan, scale=1.0, d_in=d_in)
            scale = loss_at_one / share
            measurement, loss = _make(calibration_domain, pure, plan, scale=scale, d_in=d_in)
            while loss > share:
                scale *= _NUDGE
                measurement, loss = _make(calibration_domain, pure, plan, scale=scale, d_in=d_in)
            scales.update(_component_scales(measurement))
        final_plan = build_plan(spec, info, where, spec.aggregates, scales)
        domain = _domain(spec, info, keys_public=False)
        if not private_keys:
            measurement, loss = _make(domain, pure, final_plan, d_in=d_in)
            while loss > epsilon:
                scales = {k: v * _NUDGE for k, v in scales.items()}
                final_plan = build_plan(spec, info, where, spec.aggregates, scales)
                measurement, loss = _make(domain, pure, final_plan, d_in=d_in)
            return Calibrated(
                spec, measurement, shares, epsilon, 0.0, None, tuple(info.schema), info.encoded
            )
        approx = dp.approximate(pure)

        def fits(t: int) -> bool:
            return bool(_make_delta(domain, approx, final_plan, t, d_in) < delta)

        search: Any = dp.binary_search  # typed for floats; OpenDP searches integers with T=int
        threshold = int(search(fits, T=int))
        measurement, loss = _make(domain, approx, final_plan, threshold=threshold, d_in=d_in)
        if loss > epsilon:  # pragma: no cover - the calibrated scales already fit
            raise InvalidParameterError("could not fit the query within its ε; raise epsilon")
        return Calibrated(
            spec, measurement, shares, epsilon, delta, threshold, tuple(info.schema), info.encoded
        )
    except OpenDPException as error:
        raise _explain(error) from None


def _make_delta(domain: Any, measure: Any, plan: pl.LazyFrame, threshold: int, d_in: int) -> float:
    measurement: Any = dp.m.make_private_lazyframe(
        domain, dp.symmetric_distance(), measure, plan, threshold=threshold
    )
    return float(measurement.map(d_in)[1])


def _explain(error: OpenDPException) -> UnsupportedQueryError:
    message = (error.message or str(error)).strip().splitlines()[0]
    return UnsupportedQueryError(f"OpenDP cannot build this query: {message}")


def statistics(calibrated: Calibrated, alpha: float) -> tuple[Statistic, ...]:
    """Noise and accuracy per aggregate, exactly as OpenDP summarises the measurement."""
    summary = summarize_polars_measurement(calibrated.measurement, alpha)
    rows = {
        row["column"]: NoiseComponent(
            label=row["column"],
            distribution=row["distribution"],
            scale=float(row["scale"]),
            accuracy=None if row["accuracy"] is None else float(row["accuracy"]),
        )
        for row in summary.iter_rows(named=True)
    }
    result = []
    parts: tuple[NoiseComponent, ...]
    for agg, share in zip(calibrated.spec.aggregates, calibrated.epsilon_split, strict=True):
        if agg.kind == "mean":
            parts = (
                replace(rows[agg.name + SUM_SUFFIX], label="sum"),
                replace(rows[agg.name + COUNT_SUFFIX], label="count"),
            )
        else:
            parts = (replace(rows[agg.name], label=agg.kind),)
        result.append(Statistic(agg.name, agg.kind, agg.column, share, parts))
    return tuple(result)


def run(calibrated: Calibrated, data: pl.LazyFrame) -> pl.DataFrame:
    """Invoke the OpenDP measurement on the data: the only place noise is drawn.

    OpenDP executes the plan with its own (Rust) polars, whose default in-memory engine materialises
    each column and every intermediate (fill, clip) in full: about 4× a column's size. Polars'
    streaming engine, which OpenDP's build includes and selects through `POLARS_FORCE_NEW_STREAMING`,
    reads the scan in batches: less memory (what lets a table larger than memory be queried) and
    2-5× faster here. The plan, and so the measurement and its privacy map, are the same.

    Its errors are raised as they are: they can quote the data, so the caller describes them by
    public facts only (the source's `data_error`, core/data_errors.py).
    """
    with _streaming_engine():
        # Projecting away unused columns is a stable transformation (rows stay rows).
        frame: pl.DataFrame = calibrated.measurement(data.select(calibrated.columns)).collect()
    return frame


@contextlib.contextmanager
def _streaming_engine() -> Iterator[None]:
    previous = os.environ.get(_STREAMING_VARIABLE)
    os.environ[_STREAMING_VARIABLE] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(_STREAMING_VARIABLE, None)
        else:
            os.environ[_STREAMING_VARIABLE] = previous
