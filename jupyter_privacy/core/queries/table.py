"""`PrivateTable`: a pandas/polars frame (or CSV/Parquet file) that only answers through OpenDP.

The table knows the budget it spends from and its public description: numeric bounds, category keys,
the most rows one privacy unit can contribute. None of these is read from the data. Each query is
calibrated (no data touched), its replay key derived, then released inside `ledger.spend`, which
checks the budget before OpenDP draws any noise.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import polars as pl

from jupyter_privacy.core.data_errors import PASS_THROUGH
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, open_ledger
from jupyter_privacy.core.queries import columns as kinds
from jupyter_privacy.core.queries import data as loading
from jupyter_privacy.core.queries import sources
from jupyter_privacy.core.queries.engine import (
    PIPELINEDP_SPARK,
    Prepared,
    engine_for,
    release_prepared,
)
from jupyter_privacy.core.queries.mechanisms import (
    Calibrated,
    TableInfo,
    calibrate,
    run,
    statistics,
)
from jupyter_privacy.core.queries.planning import plan_means, solve_epsilon
from jupyter_privacy.core.queries.record import ledger_details
from jupyter_privacy.core.queries.release import QueryPreview, QueryRelease
from jupyter_privacy.core.queries.shortcuts import AggregateShortcuts, GroupedTable
from jupyter_privacy.core.queries.spec import Aggregate, QuerySpec
from jupyter_privacy.core.queries.sql import parse_sql, parse_where
from jupyter_privacy.core.queries.values import released_values
from jupyter_privacy.core.validation import check_delta, check_epsilon, check_positive_int

__all__ = ["DEFAULT_ALPHA", "GroupedTable", "PrivateTable", "check_alpha"]

DEFAULT_MAX_ROWS = 10_000_000
DEFAULT_ALPHA = 0.05


def check_alpha(value: Any) -> float:
    alpha = check_epsilon(value, "alpha")
    if alpha >= 1:
        raise InvalidParameterError(f"alpha must be in (0, 1), e.g. 0.05 for 95%; got {value!r}")
    return alpha


class PrivateTable(AggregateShortcuts):
    """A private dataset with its public bounds and keys; every answer is a DP release."""

    def __new__(cls, data: Any = None, *args: Any, **kwargs: Any) -> PrivateTable:
        """A Spark DataFrame gets the Spark engine's table (`spark_table`, the `spark` extra)."""
        if cls is PrivateTable and engine_for(data) == PIPELINEDP_SPARK:
            from jupyter_privacy.core.queries.spark_table import SparkPrivateTable

            return super().__new__(SparkPrivateTable)
        return super().__new__(cls)

    def __init__(
        self,
        data: Any,
        *,
        budget: str,
        bounds: Mapping[str, tuple[float, float]] | None = None,
        keys: Mapping[str, Any] | None = None,
        impute: Mapping[str, float] | None = None,
        candidates: Mapping[str, Any] | None = None,
        max_contributions: int | None = None,
        max_rows: int = DEFAULT_MAX_ROWS,
        max_groups: int | None = None,
        expected_rows: int | None = None,
        ledger: Ledger | str | None = None,
        name: str = "t",
    ) -> None:
        """`expected_rows`: a PUBLIC estimate of the row count (e.g. a survey's published size,
        never read from the data); previews, `epsilon_for` and trade-off curves of ungrouped
        means plan their ± with it."""
        if not isinstance(budget, str) or not budget.strip():
            raise InvalidParameterError("a private table needs the name of its budget: budget='…'")
        self._source = sources.load_source(data)
        self.budget = budget.strip()
        self.name = name
        self.bounds = loading.check_bounds(bounds, self._source.schema.names())
        self.impute = loading.check_impute(impute, self.bounds)
        self.candidates = loading.check_candidates(candidates, self.bounds)
        self.max_contributions = (
            None if max_contributions is None
            else check_positive_int(max_contributions, "max_contributions")
        )  # fmt: skip
        self.max_rows = check_positive_int(max_rows, "max_rows")
        self.max_groups = (
            None if max_groups is None else check_positive_int(max_groups, "max_groups")
        )
        self.expected_rows = (
            None if expected_rows is None else check_positive_int(expected_rows, "expected_rows")
        )
        self._source.prepare(self.bounds)
        self.keys = loading.check_keys(keys, self._source.schema)
        self._source.declare_keys(self.keys)
        self._ledger_arg = ledger
        self._budget_cache: Any = None
        self._calibrated: dict[tuple[Any, ...], Calibrated] = {}
        self._summaries: dict[tuple[int, float], tuple[Calibrated, Any]] = {}

    # -- public description ---------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        return list(self._source.schema.names())

    def __repr__(self) -> str:
        return (f"<PrivateTable {self.name!r}: {len(self.columns)} columns, budget "
                f"{self.budget!r}, bounds {sorted(self.bounds)}, keys {sorted(self.keys)}>")  # fmt: skip

    @functools.cached_property
    def ledger(self) -> Ledger:
        if isinstance(self._ledger_arg, Ledger):
            return self._ledger_arg
        return open_ledger(self._ledger_arg)

    def query(self, sql: str, epsilon: float, **options: Any) -> Any:
        """Answer a DP SQL statement (see `jupyter_privacy.core.queries.sql`); the FROM name is free."""
        spec = parse_sql(sql).spec
        return self._ask(spec.aggregates, spec.group_by, epsilon, options, where=spec.where)

    def preview(self, query: str | QuerySpec, epsilon: float, *, delta: float = 0.0,
                alpha: float = DEFAULT_ALPHA, split: Any = None,
                expected_rows: int | None = None) -> QueryPreview:  # fmt: skip
        """Noise scale and accuracy at ε without touching the data or spending (`split`: see
        `QuerySpec.split_fractions`); it says how much of the budget is left. A mean's ± needs a
        public row count (`expected_rows`, per group when grouped; else the table's own for an
        ungrouped query); without one the preview says so and shows the noise scales."""
        spec = parse_sql(query).spec if isinstance(query, str) else query
        rows = self._expected_rows(spec, expected_rows)
        alpha = check_alpha(alpha)
        calibrated = self._calibrate(spec, check_epsilon(epsilon), check_delta(delta),
                                     split=spec.split_fractions(split))  # fmt: skip
        preview = self._preview(calibrated, alpha)
        statistics = preview.statistics
        if rows is not None:
            halves = self._statistics(calibrated, alpha / 2)
            statistics = plan_means(statistics, halves, self._mean_bounds(), rows)
        remaining = self.ledger.budget(self.budget).epsilon_remaining
        return replace(preview, statistics=statistics, expected_rows=rows,
                       budget_epsilon_remaining=remaining)  # fmt: skip

    def _expected_rows(self, spec: QuerySpec, given: int | None) -> int | None:
        """The public row count a mean's ± is planned for: the one given, else the table's own
        (which counts the whole table, so not per group)."""
        if given is not None:
            return check_positive_int(given, "expected_rows")
        return None if spec.group_by else self.expected_rows

    def epsilon_for(self, query: str | QuerySpec, accuracy: float, *, alpha: float = DEFAULT_ALPHA,
                    expected_rows: int | None = None, split: Any = None) -> float:  # fmt: skip
        """The smallest ε whose ± at α (OpenDP's accuracy) is at most `accuracy` for every statistic.

        A mean's ± depends on how many rows it averages: give `expected_rows`, a public estimate
        (per group when grouped; the table's own by default when ungrouped). See `planning` for
        how each ± is computed.
        """
        target = check_epsilon(accuracy, "accuracy")
        spec = parse_sql(query).spec if isinstance(query, str) else query
        alpha = check_alpha(alpha)
        rows = self._expected_rows(spec, expected_rows)
        fractions = spec.split_fractions(split)

        def preview(epsilon: float, at_alpha: float) -> QueryPreview:  # calibration only
            calibrated = self._calibrate(spec, epsilon, 0.0, split=fractions)
            return self._preview(calibrated, at_alpha)

        return solve_epsilon(spec, target, alpha, preview, self._mean_bounds(), rows)

    # -- the release path ---------------------------------------------------------------------------
    def _ask(self, aggregates: tuple[Aggregate, ...], group_by: tuple[str, ...], epsilon: float,
             options: dict[str, Any], where: str | None = None) -> Any:  # fmt: skip
        unknown = set(options) - {"delta", "alpha", "fresh", "preview", "where", "origin", "split",
                                  "expected_rows"}  # fmt: skip
        if unknown:
            raise InvalidParameterError(f"unknown option(s): {', '.join(sorted(unknown))}")
        if options.get("where") is not None:
            where = parse_where(options["where"])[0]
        spec = QuerySpec(aggregates, group_by, where)
        if options.get("preview"):
            return self.preview(spec, epsilon, delta=options.get("delta", 0.0),
                                alpha=options.get("alpha", DEFAULT_ALPHA),
                                split=options.get("split"),
                                expected_rows=options.get("expected_rows"))  # fmt: skip
        if options.get("expected_rows") is not None:
            raise InvalidParameterError(
                "expected_rows plans a preview's ± (preview=True); a release's interval comes "
                "from its own noisy count"
            )
        return self.release(spec, epsilon, delta=options.get("delta", 0.0),
                            alpha=options.get("alpha", DEFAULT_ALPHA),
                            fresh=bool(options.get("fresh", False)), origin=options.get("origin"),
                            split=options.get("split"))  # fmt: skip

    def release(self, spec: QuerySpec, epsilon: float, *, delta: float = 0.0,
                alpha: float = DEFAULT_ALPHA, fresh: bool = False,
                origin: str | None = None, split: Any = None) -> QueryRelease:  # fmt: skip
        epsilon, delta, alpha = check_epsilon(epsilon), check_delta(delta), check_alpha(alpha)
        fractions = spec.split_fractions(split)
        calibrated = self._calibrate(spec, epsilon, delta, split=fractions)
        preview = self._preview(calibrated, alpha)
        columns = list(calibrated.columns)
        self._check_rows()
        fingerprint = self._source.fingerprint(columns, self.ledger.data_key(), calibrated.encoded)

        def compute() -> list[dict[str, Any]]:
            facts = self._source.data_facts(columns, self.bounds)
            measured = (
                self._calibrate(spec, epsilon, delta, facts, fractions)
                if facts.complete
                else calibrated
            )
            try:
                frame = run(measured, self._source.scan(columns, measured.encoded))
            except PASS_THROUGH:
                raise
            except BaseException as error:  # OpenDP/polars quote the cells they fail on
                failure = self._source.data_error(error, columns)
                raise failure from None
            if spec.group_by:  # post-processing: a stable order for display and replay
                frame = frame.with_columns(pl.col(c).cast(pl.String) for c in measured.encoded)
                frame = frame.sort(list(spec.group_by), nulls_last=True)
            return frame.to_dicts()

        prepared = Prepared(
            spec, epsilon, delta, preview, mechanism=f"OpenDP {preview.mechanism}",
            parameters=self._parameters(spec, fractions), fingerprint=fingerprint,
            details=ledger_details(preview, calibrated, fingerprint, self._contributions(),
                                   self.bounds),
            compute=compute,
            values=lambda rows: released_values(calibrated, rows, alpha, self.bounds),
        )  # fmt: skip
        return release_prepared(self.ledger, self.budget, prepared, fresh=fresh, origin=origin)

    def _mean_bounds(self) -> dict[str, tuple[float, float]]:
        """The bounds a mean's ± is planned in: OpenDP averages the values as they are."""
        return self.bounds

    def _calibrate(self, spec: QuerySpec, epsilon: float, delta: float,
                   facts: kinds.DataFacts = kinds.NO_FACTS,
                   split: tuple[float, ...] | None = None) -> Calibrated:  # fmt: skip
        """OpenDP's measurement for the query, built once per table and settings, then reused.

        A measurement is a pure description (plan, domain, noise scales); each invocation on the
        data draws fresh noise, so reusing it for a fresh draw is the same as building it again.
        `facts` (checked on the data at release time) let the measurement skip fill and clip steps
        that would change nothing: same noise scales and privacy map. Previews never look at data.
        `split`: the fraction of ε per aggregate (None: even).
        """
        key = (spec, epsilon, delta, self._contributions(), facts, split)
        if key not in self._calibrated:
            self._validate(spec)
            where = parse_where(spec.where)[1] if spec.where else None
            filtered = set(where.meta.root_names()) if where is not None else set()
            declared = all(c in self.keys for c in spec.group_by)  # joined on declared keys
            encoded = (
                frozenset(set(spec.group_by) & self._source.encodable - filtered)
                if declared
                else frozenset()
            )
            info = self._info(self._columns_for(spec, where), facts, encoded)
            if len(self._calibrated) >= 64:
                self._calibrated.clear()
            self._calibrated[key] = calibrate(spec, info, where, epsilon, delta, split)
        return self._calibrated[key]

    def _columns_for(self, spec: QuerySpec, where: pl.Expr | None) -> list[str]:
        """Only the columns a query reads reach OpenDP (less to scan on wide tables)."""
        used = {a.column for a in spec.aggregates if a.column} | set(spec.group_by)
        for column in where.meta.root_names() if where is not None else []:
            if column not in self._source.schema:
                raise InvalidParameterError(
                    f"unknown column {column!r} in WHERE; the table has: {', '.join(self.columns)}"
                )
            used.add(column)
        return [c for c in self.columns if c in used] or [self._source.count_column()]

    def _statistics(self, calibrated: Calibrated, alpha: float) -> Any:
        """OpenDP's summary of a cached measurement, cached with it (it depends on nothing else)."""
        cached = self._summaries.get((id(calibrated), alpha))
        if cached is None or cached[0] is not calibrated:
            if len(self._summaries) >= 64:
                self._summaries.clear()
            cached = self._summaries[(id(calibrated), alpha)] = (
                calibrated,
                statistics(calibrated, alpha),
            )
        return cached[1]

    def _preview(self, calibrated: Calibrated, alpha: float) -> QueryPreview:
        return QueryPreview(
            query=calibrated.spec.canonical(), budget=self.budget, epsilon=calibrated.epsilon,
            delta=calibrated.delta, alpha=alpha, statistics=self._statistics(calibrated, alpha),
            group_by=calibrated.spec.group_by, privacy_unit=self._privacy_unit(),
            threshold=calibrated.threshold,
        )  # fmt: skip

    def _validate(self, spec: QuerySpec) -> None:
        schema = self._source.schema
        for agg in spec.aggregates:
            if agg.column is None:
                continue
            if agg.column not in schema:
                raise InvalidParameterError(
                    f"unknown column {agg.column!r}; the table has: {', '.join(self.columns)}"
                )
            if agg.kind == "count":  # counting non-missing values needs no bounds
                continue
            if agg.column not in self.bounds:
                if not isinstance(schema[agg.column], kinds.NUMERIC_KINDS):
                    raise InvalidParameterError(
                        f"{agg.kind.upper()} needs a numeric column; {agg.column!r} is "
                        f"{schema[agg.column]}"
                    )
                raise InvalidParameterError(
                    f"column {agg.column!r} has no declared bounds; declare public ones, e.g. "
                    f"bounds={{'{agg.column}': (0, 100)}} (never read them from the data)"
                )
        for column in spec.group_by:
            if column not in schema:
                raise InvalidParameterError(
                    f"unknown GROUP BY column {column!r}; the table has: {', '.join(self.columns)}"
                )

    def _info(self, columns: list[str], facts: kinds.DataFacts = kinds.NO_FACTS,
              encoded: frozenset[str] = frozenset()) -> TableInfo:  # fmt: skip
        return TableInfo(
            schema=self._source.schema_of(columns, encoded), facts=facts, encoded=encoded,
            bounds=self.bounds, impute=self.impute,
            keys=self.keys, candidates=self.candidates, max_rows=self.max_rows,
            max_groups=self.max_groups, contributions=self._contributions(),
        )  # fmt: skip

    def _contributions(self) -> int:
        if self.max_contributions is not None:
            return self.max_contributions
        return int(self._budget_record().max_contributions)

    def _privacy_unit(self) -> str:
        unit = self._budget_record().privacy_unit
        return f"{unit} (≤ {self._contributions()} rows each)"

    def _budget_record(self) -> Any:
        if self._budget_cache is None:  # unit and contributions never change once created
            self._budget_cache = self.ledger.budget(self.budget)
        return self._budget_cache

    def _check_rows(self) -> None:
        rows = self._source.rows()
        if rows == 0:
            raise InvalidParameterError("the table has no rows; nothing to query")
        if rows > self.max_rows:
            raise InvalidParameterError(
                f"the table has more rows than its declared max_rows ({self.max_rows}); "
                "declare a larger public max_rows"
            )

    def _parameters(self, spec: QuerySpec, split: tuple[float, ...] | None) -> dict[str, Any]:
        columns = sorted({a.column for a in spec.aggregates if a.column and a.kind != "count"})
        uneven = {} if split is None else {"split": [repr(f) for f in split]}  # even: no key
        return uneven | {
            "bounds": {c: self.bounds[c] for c in columns},
            "impute": {c: self.impute[c] for c in columns},
            "candidates": {c: self.candidates[c] for c in columns
                           if any(a.kind == "quantile" for a in spec.aggregates)},
            "keys": {c: list(map(str, self.keys.get(c, ()))) for c in spec.group_by},
            "max_contributions": self._contributions(), "max_rows": self.max_rows,
            "max_groups": self.max_groups,
        }  # fmt: skip

    def for_budget(self, budget: str) -> PrivateTable:
        """The same data and declarations, spending from another budget."""
        if not isinstance(budget, str) or not budget.strip():
            raise InvalidParameterError("give the name of a budget")
        twin = copy.copy(self)
        twin.budget, twin._budget_cache = budget.strip(), None
        return twin

    def close(self) -> None:
        """Remove spilled data files now rather than at garbage collection."""
        self._source.close()
