"""`SparkPrivateTable`: a Spark DataFrame (or files Spark reads) that answers only through PipelineDP.

`PrivateTable(spark_dataframe, …)` returns one. It is the same front as the OpenDP table (the
operations, DP SQL, previews, `epsilon_for`, `%%dp_sql`, replay, one ledger release per statement);
what differs is the engine (`pipelinedp_engine`) and the privacy unit: name its id column
(`privacy_id="user_id"`) and PipelineDP enforces each unit's contribution bounds by sampling its
rows, which gives user-level DP however many rows a user has.
"""

from __future__ import annotations

import functools
import operator
import os
from collections.abc import Mapping
from typing import Any

import sqlglot

from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError, UnsupportedQueryError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.queries import data as loading
from jupyter_privacy.core.queries import pipelinedp_engine as engine
from jupyter_privacy.core.queries.engine import (
    PIPELINEDP_SPARK,
    Prepared,
    engine_for,
    release_prepared,
)
from jupyter_privacy.core.queries.release import QueryPreview, QueryRelease
from jupyter_privacy.core.queries.spark_source import SparkSource, read_files, spark_session
from jupyter_privacy.core.queries.spec import Aggregate, QuerySpec
from jupyter_privacy.core.queries.sql import parse_where
from jupyter_privacy.core.queries.table import DEFAULT_ALPHA, PrivateTable, check_alpha
from jupyter_privacy.core.validation import check_delta, check_epsilon, check_positive_int


class SparkPrivateTable(PrivateTable):
    """A private Spark table with public bounds, keys and contribution bounds; every answer is a
    DP release by PipelineDP, recorded in the ledger before it is shown."""

    def __init__(
        self,
        data: Any,
        *,
        budget: str,
        bounds: Mapping[str, tuple[float, float]] | None = None,
        keys: Mapping[str, Any] | None = None,
        impute: Mapping[str, float] | None = None,
        privacy_id: str | None = None,
        max_contributions: int | None = None,
        max_groups_per_unit: int | None = None,
        max_rows_per_group: int | None = None,
        expected_rows: int | None = None,
        ledger: Ledger | str | None = None,
        name: str = "t",
        spark: Any = None,
        **opendp_only: Any,
    ) -> None:
        if not isinstance(budget, str) or not budget.strip():
            raise InvalidParameterError("a private table needs the name of its budget: budget='…'")
        self._refuse(opendp_only)
        if isinstance(data, (str, os.PathLike)):
            session = spark if callable(spark) else lambda: spark or spark_session()
            frame, files = read_files(os.fspath(data), session)
        elif engine_for(data) == PIPELINEDP_SPARK:
            if type(data).__module__.startswith("pyspark.sql.connect"):
                raise InvalidParameterError(
                    "PipelineDP needs Spark's RDD API, which a Spark Connect session (Databricks "
                    "shared or serverless compute) does not offer; use a classic session"
                )
            frame, files = data, None
        else:
            raise InvalidParameterError(
                f"a Spark table needs a Spark DataFrame or a path Spark reads; got {type(data).__name__}"
            )
        self._spark = source = SparkSource(frame, files)
        self.budget, self.name = budget.strip(), name
        self.bounds = loading.check_bounds(bounds, source.names())
        for column in self.bounds:
            if not source.numeric(column):
                raise InvalidParameterError(
                    f"column {column!r} is {source.schema[column]}, not numeric; bounds (and SUM, "
                    "AVG) need a numeric column"
                )
        self.impute = loading.check_impute(impute, self.bounds)
        self.candidates: dict[str, tuple[float, ...]] = {}
        declared = loading.check_keys(keys, source.names())
        self.keys = {c: tuple(dict.fromkeys(source.typed_key(c, v) for v in values))
                     for c, values in declared.items()}  # fmt: skip
        if privacy_id is not None and privacy_id not in source.schema:
            raise InvalidParameterError(
                f"privacy_id names column {privacy_id!r}, which the data does not have "
                f"(columns: {', '.join(source.names())})"
            )
        self.privacy_id = privacy_id
        self.max_contributions = (
            None if max_contributions is None
            else check_positive_int(max_contributions, "max_contributions")
        )  # fmt: skip
        self.max_groups_per_unit = None if max_groups_per_unit is None else check_positive_int(max_groups_per_unit, "max_groups_per_unit")  # fmt: skip
        self.max_rows_per_group = None if max_rows_per_group is None else check_positive_int(max_rows_per_group, "max_rows_per_group")  # fmt: skip
        engine.Contributions(1, privacy_id, self.max_groups_per_unit, self.max_rows_per_group)
        self.expected_rows = (  # public: plans a mean's ± in previews, as on the OpenDP table
            None if expected_rows is None else check_positive_int(expected_rows, "expected_rows")
        )
        self._ledger_arg = ledger
        self._budget_cache: Any = None
        self._plans: dict[tuple[Any, ...], engine.Plan] = {}

    @staticmethod
    def _refuse(options: dict[str, Any]) -> None:
        """OpenDP's size bounds mean nothing to PipelineDP (accepted, unused); the rest is refused."""
        unused = {k: v for k, v in options.items() if k not in ("max_rows", "max_groups")}
        if unused.get("candidates"):
            raise UnsupportedQueryError(
                "quantiles are not available on the Spark engine; drop candidates=",
                feature="quantile",
            )
        unused.pop("candidates", None)
        if unused:
            raise InvalidParameterError(f"unknown option(s): {', '.join(sorted(unused))}")

    # -- public description ---------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        return self._spark.names()

    @property
    def frame(self) -> Any:
        """The Spark DataFrame (private data: never show it)."""
        return self._spark.frame

    def close(self) -> None:
        """Nothing to remove: the DataFrame and the files are the user's."""

    def __repr__(self) -> str:
        unit = f", privacy unit column {self.privacy_id!r}" if self.privacy_id else ""
        return (f"<SparkPrivateTable {self.name!r}: {len(self.columns)} columns, budget "
                f"{self.budget!r}, bounds {sorted(self.bounds)}, keys {sorted(self.keys)}{unit}>")  # fmt: skip

    # -- the engine hooks of PrivateTable ------------------------------------------------------------
    def _calibrate(self, spec: QuerySpec, epsilon: float, delta: float, facts: Any = None,
                   split: tuple[float, ...] | None = None) -> Any:  # fmt: skip
        """PipelineDP's plan for the statement, computed once per settings (no data touched)."""
        contributions = self._contributions_declared()
        key = (spec, epsilon, delta, contributions, split)
        if key not in self._plans:
            self._validate(spec)
            declared = engine.Declarations(self.bounds, self.impute, self.keys, contributions)
            if len(self._plans) >= 64:
                self._plans.clear()
            self._plans[key] = engine.calibrate(spec, declared, epsilon, delta, split)
        return self._plans[key]

    def _statistics(self, calibrated: Any, alpha: float) -> Any:
        """Noise and accuracy at α from PipelineDP's mechanisms (no data touched)."""
        return engine.statistics(calibrated, alpha)

    def _preview(self, calibrated: Any, alpha: float) -> QueryPreview:
        plan: engine.Plan = calibrated
        return QueryPreview(
            query=plan.spec.canonical(), budget=self.budget, epsilon=plan.epsilon,
            delta=plan.delta, alpha=alpha, statistics=self._statistics(plan, alpha),
            group_by=plan.spec.group_by, privacy_unit=self._privacy_unit(),
        )  # fmt: skip

    def _mean_bounds(self) -> dict[str, tuple[float, float]]:
        """PipelineDP averages values less the bounds' midpoint: its ± is planned in half-bounds."""
        return {c: ((low - high) / 2, (high - low) / 2) for c, (low, high) in self.bounds.items()}

    def release(self, spec: QuerySpec, epsilon: float, *, delta: float = 0.0,
                alpha: float = DEFAULT_ALPHA, fresh: bool = False,
                origin: str | None = None, split: Any = None) -> QueryRelease:  # fmt: skip
        epsilon, delta, alpha = check_epsilon(epsilon), check_delta(delta), check_alpha(alpha)
        fractions = spec.split_fractions(split)
        plan: engine.Plan = self._calibrate(spec, epsilon, delta, split=fractions)
        preview = self._preview(plan, alpha)
        fingerprint = self._spark.fingerprint(self._read_columns(spec), self.ledger.data_key())
        mechanism = "PipelineDP " + engine.DISTRIBUTION
        if plan.selection is not None:
            mechanism += " + partition selection"
        prepared = Prepared(
            spec, epsilon, plan.delta, preview, mechanism=mechanism,
            parameters=self._parameters(spec, fractions), fingerprint=fingerprint,
            details=self._details(plan, preview, fingerprint),
            compute=lambda: self._run(plan),
            values=lambda rows: engine.released_values(plan, rows, alpha),
        )  # fmt: skip
        return release_prepared(self.ledger, self.budget, prepared, fresh=fresh, origin=origin)

    # -- PipelineDP on Spark ------------------------------------------------------------------------
    def _run(self, plan: engine.Plan) -> list[dict[str, Any]]:
        """Inside the ledger's transaction: the only place the data are read and noise drawn."""
        pdp = engine.pipeline_dp()
        spec, source = plan.spec, self._spark
        where = spark_where(spec.where) if spec.where else None

        def collection(agg: Aggregate | None) -> Any:
            reads_value = agg is not None and agg.kind != "count"
            column = agg.column if agg is not None else None
            return source.rows(
                where=where, privacy_id=self.privacy_id, group_by=spec.group_by,
                value=column if reads_value else None,
                fill=self.impute.get(column) if reads_value and column else None,
                present=column if agg is not None and agg.kind == "count" else None,
            )  # fmt: skip

        context = source.frame.sparkSession.sparkContext
        try:
            return engine.run(plan, pdp.SparkRDDBackend(context), collection,
                              functools.partial(collect_together, context))  # fmt: skip
        except PrivacyError:
            raise
        except Exception as error:  # a Spark job failure: its message may quote rows, so not shown
            raise PrivacyError(
                f"Spark could not run the query ({type(error).__name__}); nothing was spent. "
                "Check the cluster (its logs say more) and that every worker has pipeline-dp"
            ) from None

    def _contributions_declared(self) -> engine.Contributions:
        return engine.Contributions(self._contributions(), self.privacy_id,
                                    self.max_groups_per_unit, self.max_rows_per_group)  # fmt: skip

    def _privacy_unit(self) -> str:
        return self._contributions_declared().describe(self._budget_record().privacy_unit)

    def _validate(self, spec: QuerySpec) -> None:
        columns = self._spark.schema
        for agg in spec.aggregates:
            if agg.column is not None and agg.column not in columns:
                raise InvalidParameterError(
                    f"unknown column {agg.column!r}; the table has: {', '.join(self.columns)}"
                )
            if agg.kind in ("sum", "mean") and agg.column not in self.bounds:
                raise InvalidParameterError(
                    f"column {agg.column!r} has no declared bounds; declare public ones, e.g. "
                    f"bounds={{'{agg.column}': (0, 100)}} (never read them from the data)"
                )
        for column in (*spec.group_by, *_where_columns(spec.where)):
            if column not in columns:
                raise InvalidParameterError(
                    f"unknown column {column!r}; the table has: {', '.join(self.columns)}"
                )

    def _read_columns(self, spec: QuerySpec) -> list[str]:
        used = {a.column for a in spec.aggregates if a.column} | set(spec.group_by)
        used |= set(_where_columns(spec.where))
        if self.privacy_id:
            used.add(self.privacy_id)
        return sorted(used)

    def _parameters(self, spec: QuerySpec, split: tuple[float, ...] | None) -> dict[str, Any]:
        columns = sorted({a.column for a in spec.aggregates if a.column and a.kind != "count"})
        uneven = {} if split is None else {"split": [repr(f) for f in split]}  # even: no key
        return uneven | {
            "engine": PIPELINEDP_SPARK,
            "bounds": {c: self.bounds[c] for c in columns},
            "impute": {c: self.impute[c] for c in columns},
            "keys": {c: list(map(str, self.keys.get(c, ()))) for c in spec.group_by},
            **self._contributions_declared().as_parameters(),
        }  # fmt: skip

    def _details(
        self, plan: engine.Plan, preview: QueryPreview, fingerprint: str
    ) -> dict[str, Any]:
        """The privacy statement the ledger keeps beside the ε (see record.ledger_details)."""
        contributions = self._contributions_declared()
        return {
            "library": f"{engine.library_versions()} on Spark {_spark_version()}",
            "engine": PIPELINEDP_SPARK,
            "accountant": "PipelineDP NaiveBudgetAccountant: basic composition (ε adds up across "
                          "statistics and releases)",
            "guarantee": "(ε, δ)-DP: Laplace noise + private partition selection"
            if plan.selection is not None else "pure ε-DP (δ = 0)",
            "privacy_unit": preview.privacy_unit, "max_contributions": contributions.max_contributions,
            "contribution_bounding": "enforced by PipelineDP (sampling per privacy unit)"
            if contributions.privacy_id else "declared (every row is taken as it is)",
            "sampling": "none (the whole table)", "alpha": preview.alpha,
            "epsilon_split": preview.epsilon_split, "noise": engine.noise_details(plan),
            "data_fingerprint": fingerprint, "bounds": self.bounds,
        }  # fmt: skip


def collect_together(context: Any, results: list[Any]) -> list[list[Any]]:
    """Several RDDs to the driver in one Spark job: each element tagged with its RDD's index.

    The tag is `operator.add((i,), element)` (a stdlib function, so the workers need nothing of
    this kit); the elements are PipelineDP's (key, metrics) pairs, or bare keys from a selection.
    """
    if len(results) == 1:
        return [results[0].collect()]
    tagged = [rdd.map(functools.partial(operator.add, (i,))) for i, rdd in enumerate(results)]
    out: list[list[Any]] = [[] for _ in results]
    for index, *element in context.union(tagged).collect():
        out[index].append(tuple(element))
    return out


def spark_where(where: str) -> str:
    """The public filter (canonical DP SQL, checked by `parse_where`) in Spark SQL."""
    node = sqlglot.parse_one(f"SELECT 1 FROM t WHERE {where}").args["where"].this
    return str(node.sql(dialect="spark"))


def _where_columns(where: str | None) -> list[str]:
    return [] if not where else list(parse_where(where)[1].meta.root_names())


@functools.cache
def _spark_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("pyspark")
