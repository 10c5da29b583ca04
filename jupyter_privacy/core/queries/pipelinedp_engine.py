"""PipelineDP's calibration and release of a `QuerySpec`, on any PipelineDP backend.

Every mechanism is PipelineDP's (python-dp's Laplace and partition selection); the kit chooses the
parameters and reads back what PipelineDP computed. A statement becomes one `DPEngine.aggregate`
per aggregate (its share of ε is the aggregate's `budget_weight`), all under one
`NaiveBudgetAccountant`. Before any data is read, the same aggregations are built on PipelineDP's
lazy `LocalBackend` over a collection that is never iterated; `compute_budgets()` then gives each
mechanism's ε, and PipelineDP's sensitivities give its noise: that is the preview. The release
builds them again on the real backend (Spark) and refuses to run if PipelineDP arrives at
different parameters.

Groups whose keys are not declared are selected privately first (`DPEngine.select_partitions`,
truncated geometric, with all of δ and an equal share of ε), collected, and then used as the
aggregations' public partitions: every aggregate reports the same groups and the selection runs
once, so its cost is what the ledger records.
"""

from __future__ import annotations

import functools
import importlib.metadata
import itertools
import math
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, UnsupportedQueryError, require_extra
from jupyter_privacy.core.queries.release import NoiseComponent, ReleasedValue, Statistic
from jupyter_privacy.core.queries.spec import Aggregate, QuerySpec
from jupyter_privacy.core.queries.values import ratio_interval

MEAN_COUNT_SUFFIX = "__n"  # a mean's noisy count, stored beside the mean (for its interval)
SELECTION = "group selection"
DISTRIBUTION = "Laplace (python-dp)"
#: Where each aggregate's collection holds the privacy id, the group key and the value.
EXTRACTORS = (operator.itemgetter(0), operator.itemgetter(1), operator.itemgetter(2))


def pipeline_dp() -> Any:
    """PipelineDP, imported on first use (it takes ~1 s); missing: the `spark` extra."""
    return require_extra("pipeline_dp", "spark")


@functools.cache
def library_versions() -> str:
    versions = {p: importlib.metadata.version(p) for p in ("pipeline-dp", "python-dp")}
    return f"pipeline-dp {versions['pipeline-dp']} (python-dp {versions['python-dp']})"


@dataclass(frozen=True)
class Contributions:
    """What one privacy unit can add to the table, and whether PipelineDP enforces it.

    With `privacy_id` (the unit's id column) PipelineDP samples each unit's rows down to the bounds:
    at most `max_contributions` rows in all, or, with `max_groups` and `max_rows_per_group`, at most
    that many groups and rows in each. Without it every row is taken as it is, and the bounds are a
    public promise about the data (as on the OpenDP engine).
    """

    max_contributions: int
    privacy_id: str | None = None
    max_groups: int | None = None
    max_rows_per_group: int | None = None

    def __post_init__(self) -> None:
        if (self.max_groups is None) != (self.max_rows_per_group is None):
            raise InvalidParameterError(
                "give both max_groups_per_unit and max_rows_per_group (bounds per group), or "
                "neither (max_contributions bounds a unit's rows in all)"
            )
        if self.max_groups is not None and self.privacy_id is None:
            raise InvalidParameterError(
                "bounds per group need the privacy unit's id column (privacy_id='…') so that "
                "PipelineDP can enforce them"
            )

    def aggregate_bounds(self) -> dict[str, Any]:
        if self.max_groups is not None:
            return {"max_partitions_contributed": self.max_groups,
                    "max_contributions_per_partition": self.max_rows_per_group}  # fmt: skip
        return {"max_contributions": self.max_contributions}

    @property
    def groups_per_unit(self) -> int:
        """The most groups one unit reaches (what private group selection must cover)."""
        return self.max_groups if self.max_groups is not None else self.max_contributions

    def describe(self, unit: str) -> str:
        if self.privacy_id is None:
            return f"{unit} (≤ {self.max_contributions} rows each, declared)"
        bound = (
            f"≤ {self.max_groups} groups × {self.max_rows_per_group} rows"
            if self.max_groups is not None
            else f"≤ {self.max_contributions} rows"
        )
        return f"{unit}, identified by column {self.privacy_id!r} (PipelineDP keeps {bound} each)"

    def as_parameters(self) -> dict[str, Any]:
        return {"max_contributions": self.max_contributions, "privacy_id": self.privacy_id,
                "max_groups_per_unit": self.max_groups,
                "max_rows_per_group": self.max_rows_per_group}  # fmt: skip


@dataclass(frozen=True)
class Declarations:
    """The public description a plan needs: bounds, fills, declared group keys, contributions."""

    bounds: dict[str, tuple[float, float]]
    impute: dict[str, float]
    keys: dict[str, tuple[Any, ...]]
    contributions: Contributions


@dataclass(frozen=True)
class Plan:
    """A statement calibrated by PipelineDP: parameters per aggregate and their mechanisms."""

    spec: QuerySpec
    epsilon: float
    delta: float  # what the statement charges: δ of the group selection, else 0
    shares: tuple[float, ...]  # ε per aggregate
    aggregate_epsilon: float  # ε of the aggregations' accountant (all but the selection's)
    params: tuple[Any, ...]  # pipeline_dp.AggregateParams per aggregate
    mechanisms: tuple[tuple[Any, ...], ...]  # per aggregate: (additive,) or (normalized sum, count)
    budgets: tuple[tuple[float, float], ...]  # (ε, δ) of every aggregation mechanism, in order
    selection: Any = None  # pipeline_dp.SelectPartitionsParams when groups are selected privately
    selection_epsilon: float = 0.0
    public_keys: tuple[Any, ...] | None = None  # declared groups (or the one key of no grouping)
    bounds: dict[str, tuple[float, float]] | None = None


def _never_read() -> Iterator[Any]:
    """A collection PipelineDP can build a lazy plan on; iterating it is a bug (no data here)."""
    raise AssertionError("a preview must not read data")
    yield  # pragma: no cover - makes this a generator


def calibrate(
    spec: QuerySpec, declared: Declarations, epsilon: float, delta: float,
    split: tuple[float, ...] | None = None,
) -> Plan:  # fmt: skip
    """Choose PipelineDP's parameters for the statement and let PipelineDP compute the budgets."""
    pdp = pipeline_dp()
    refused = [a for a in spec.aggregates if a.kind == "quantile"]
    if refused:
        raise UnsupportedQueryError(
            f"{refused[0].canonical()} is not available on the Spark engine (PipelineDP's quantile "
            "tree states no accuracy); ask it on a pandas/polars table (OpenDP)",
            feature="quantile",
        )
    contributions = declared.contributions
    private = [c for c in spec.group_by if c not in declared.keys]
    fractions = split or tuple(1.0 / len(spec.aggregates) for _ in spec.aggregates)
    selection, selection_epsilon = None, 0.0
    if private:
        _check_private_selection(private, delta, contributions)
        selection_epsilon = epsilon / (len(spec.aggregates) + 1)
        selection = pdp.SelectPartitionsParams(
            max_partitions_contributed=contributions.groups_per_unit,
            contribution_bounds_already_enforced=contributions.privacy_id is None,
        )
    aggregate_epsilon = epsilon - selection_epsilon
    params = tuple(_aggregate_params(pdp, a, f, declared) for a, f in zip(spec.aggregates, fractions, strict=True))  # fmt: skip
    accountant = pdp.NaiveBudgetAccountant(aggregate_epsilon, 0.0)
    engine = pdp.DPEngine(accountant, pdp.LocalBackend())
    for agg_params in params:  # lazy: PipelineDP only requests budgets and wires the plan
        engine.aggregate(_never_read(), agg_params, _extractors(pdp), public_partitions=[])
    accountant.compute_budgets()
    specs = list(accountant.mechanism_specs)
    mechanisms = tuple(_mechanisms(pdp, a, p, specs) for a, p in zip(spec.aggregates, params, strict=True))  # fmt: skip
    public = None if private else _public_keys(spec, declared.keys)
    return Plan(
        spec, epsilon, delta if private else 0.0,
        tuple(aggregate_epsilon * f for f in fractions), aggregate_epsilon, params, mechanisms,
        budgets(accountant), selection, selection_epsilon, public, declared.bounds,
    )  # fmt: skip


def _check_private_selection(
    private: list[str], delta: float, contributions: Contributions
) -> None:
    if delta <= 0:
        raise InvalidParameterError(
            f"GROUP BY {', '.join(private)} has no declared keys: declare them (keys={{...}} / "
            "--keys col=a,b), or select groups privately with delta > 0"
        )
    if contributions.privacy_id is None and contributions.max_contributions > 1:
        raise InvalidParameterError(
            "selecting groups privately needs the privacy unit's id column (privacy_id='…') when "
            "a unit can add more than one row; declare it, or declare the keys"
        )


def _aggregate_params(pdp: Any, agg: Aggregate, weight: float, declared: Declarations) -> Any:
    metrics = {"count": [pdp.Metrics.COUNT], "sum": [pdp.Metrics.SUM],
               "mean": [pdp.Metrics.MEAN, pdp.Metrics.COUNT]}[agg.kind]  # fmt: skip
    value_bounds: dict[str, float] = {}
    if agg.kind != "count":
        assert agg.column is not None
        value_bounds = dict(
            zip(("min_value", "max_value"), declared.bounds[agg.column], strict=True)
        )
    return pdp.AggregateParams(
        metrics=metrics, noise_kind=pdp.NoiseKind.LAPLACE, budget_weight=weight,
        contribution_bounds_already_enforced=declared.contributions.privacy_id is None,
        **declared.contributions.aggregate_bounds(), **value_bounds,
    )  # fmt: skip


def _extractors(pdp: Any) -> Any:
    pid, key, value = EXTRACTORS
    return pdp.DataExtractors(privacy_id_extractor=pid, partition_extractor=key, value_extractor=value)  # fmt: skip


def _mechanisms(pdp: Any, agg: Aggregate, params: Any, specs: list[Any]) -> tuple[Any, ...]:
    """PipelineDP's mechanisms for one aggregate, from the budgets it requested (in order)."""
    computations = pdp.dp_computations
    if agg.kind == "mean":
        count_spec, sum_spec = specs.pop(0), specs.pop(0)
        assert (count_spec.name, sum_spec.name) == ("MeanCount", "MeanSum")
        return (
            computations.create_additive_mechanism(
                sum_spec, computations.compute_sensitivities_for_normalized_sum(params)),
            computations.create_additive_mechanism(
                count_spec, computations.compute_sensitivities_for_count(params)),
        )  # fmt: skip
    found = specs.pop(0)
    assert found.name == {"count": "Count", "sum": "Sum"}[agg.kind]
    sensitivities = (
        computations.compute_sensitivities_for_count(params)
        if agg.kind == "count"
        else computations.compute_sensitivities_for_sum(params)
    )
    return (computations.create_additive_mechanism(found, sensitivities),)


def budgets(accountant: Any) -> tuple[tuple[float, float], ...]:
    return tuple((float(s.eps), float(s.delta)) for s in accountant.mechanism_specs)


def _public_keys(spec: QuerySpec, keys: dict[str, tuple[Any, ...]]) -> tuple[Any, ...]:
    if not spec.group_by:
        return (0,)  # one partition: the whole table (see `partition_column`)
    if len(spec.group_by) == 1:
        return tuple(keys[spec.group_by[0]])
    return tuple(itertools.product(*(keys[c] for c in spec.group_by)))


def plus_minus(mechanism: Any, alpha: float) -> float:
    """python-dp's own (1 − α) interval of the mechanism's noise, as a half-width."""
    interval = mechanism._mechanism.noise_confidence_interval(1.0 - alpha, 0.0)
    return float(interval.upper_bound)


def statistics(plan: Plan, alpha: float) -> tuple[Statistic, ...]:
    """Noise and accuracy per aggregate (then the group selection), from PipelineDP's mechanisms."""
    out = []
    for agg, share, mechanisms in zip(plan.spec.aggregates, plan.shares, plan.mechanisms, strict=True):  # fmt: skip
        labels = ("normalized sum", "count") if agg.kind == "mean" else (agg.kind,)
        parts = tuple(
            NoiseComponent(label, DISTRIBUTION, float(m.noise_parameter), plus_minus(m, alpha))
            for label, m in zip(labels, mechanisms, strict=True)
        )
        out.append(Statistic(agg.name, agg.kind, agg.column, share, parts))
    if plan.selection is not None:
        strategy = plan.selection.partition_selection_strategy.value
        part = NoiseComponent(SELECTION, f"{strategy} partition selection (δ {plan.delta:g})",
                              math.nan, None)  # fmt: skip
        out.append(Statistic(SELECTION, "selection", None, plan.selection_epsilon, (part,)))
    return tuple(out)


def run(
    plan: Plan, backend: Any, collection: Callable[[Aggregate | None], Any],
    collect: Callable[[list[Any]], list[list[Any]]],
) -> list[dict[str, Any]]:  # fmt: skip
    """Release the statement on `backend`: the only place PipelineDP reads data and draws noise.

    `collection(agg)` gives the (privacy id, group key, value) rows an aggregate reads (None: the
    rows the group selection reads); `collect` brings PipelineDP results to the driver (a list of
    (group key, metrics) per result, in one job where the backend can).
    """
    pdp = pipeline_dp()
    extractors = _extractors(pdp)
    keys: Any = list(plan.public_keys) if plan.public_keys is not None else None
    if plan.selection is not None:
        selector = pdp.NaiveBudgetAccountant(plan.selection_epsilon, plan.delta)
        selected = pdp.DPEngine(selector, backend).select_partitions(
            collection(None), plan.selection, extractors
        )
        selector.compute_budgets()
        (keys,) = collect([selected])
    if not keys:
        return []  # no group passed the selection
    accountant = pdp.NaiveBudgetAccountant(plan.aggregate_epsilon, 0.0)
    engine = pdp.DPEngine(accountant, backend)
    results = [
        engine.aggregate(collection(agg), params, extractors, public_partitions=keys)
        for agg, params in zip(plan.spec.aggregates, plan.params, strict=True)
    ]
    accountant.compute_budgets()
    if budgets(accountant) != plan.budgets:  # pragma: no cover - the same code path as the plan
        raise InvalidParameterError("PipelineDP computed other budgets than the preview stated")
    rows: dict[Any, dict[str, Any]] = {}
    for agg, result in zip(plan.spec.aggregates, collect(results), strict=True):
        for key, metrics in result:
            row = rows.setdefault(_plain(key), {})
            if agg.kind == "mean":
                row[agg.name], row[agg.name + MEAN_COUNT_SUFFIX] = metrics.mean, metrics.count
            else:
                row[agg.name] = getattr(metrics, agg.kind)
    group_by = plan.spec.group_by
    out = []
    try:  # post-processing: a stable order for display and replay (missing keys last)
        order = sorted(rows, key=_order)
    except TypeError:  # a group column mixing types: order by text
        order = sorted(rows, key=lambda key: tuple(map(str, _order(key))))
    for key in order:
        group = key if len(group_by) > 1 else (key,) if group_by else ()
        out.append({**dict(zip(group_by, group, strict=True)), **rows[key]})
    return out


def _plain(key: Any) -> Any:
    return tuple(key) if isinstance(key, tuple) else key  # a Spark Row is a tuple


def _order(key: Any) -> tuple[Any, ...]:
    parts = key if isinstance(key, tuple) else (key,)
    return tuple((True, "") if part is None else (False, part) for part in parts)


def released_values(plan: Plan, rows: list[dict[str, Any]], alpha: float) -> tuple[ReleasedValue, ...]:  # fmt: skip
    """Values with (1 − α) intervals from python-dp's noise intervals (post-processing only).

    Counts and sums: value ± the mechanism's half-width at α. A mean is PipelineDP's: the bounds'
    midpoint plus a noisy normalized sum (Σ(x − mid)) over the noisy count; its interval is the
    range of that ratio over both components' intervals at α/2 (union bound), shifted by the
    midpoint and clamped to the bounds, like the OpenDP engine's (`values.ratio_interval`).
    """
    spec, bounds = plan.spec, plan.bounds or {}
    out = []
    for row in rows:
        group = tuple(row.get(c) for c in spec.group_by)
        for agg, mechanisms in zip(spec.aggregates, plan.mechanisms, strict=True):
            value = row.get(agg.name)
            if agg.kind != "mean":
                half = plus_minus(mechanisms[0], alpha)
                number = None if value is None else float(value)
                low, high = (None, None) if number is None else (number - half, number + half)
                out.append(ReleasedValue(agg.name, number, low, high, group))
                continue
            assert agg.column is not None
            low_b, high_b = bounds[agg.column]
            middle = (low_b + high_b) / 2.0
            count = row.get(agg.name + MEAN_COUNT_SUFFIX)
            total = None if value is None or count is None else (value - middle) * max(1.0, count)
            low, high = ratio_interval(total, count, plus_minus(mechanisms[0], alpha / 2),
                                       plus_minus(mechanisms[1], alpha / 2))  # fmt: skip
            mean = min(max(float(value), low_b), high_b) if value is not None else middle
            low = low_b if low is None else min(max(low + middle, low_b), high_b)
            high = high_b if high is None else min(max(high + middle, low_b), high_b)
            out.append(ReleasedValue(agg.name, mean, low, high, group))
    return tuple(out)


def noise_details(plan: Plan) -> list[dict[str, Any]]:
    """Each mechanism's ε, δ, noise parameter and sensitivity, for the ledger's privacy statement."""
    entries = []
    for agg, mechanisms in zip(plan.spec.aggregates, plan.mechanisms, strict=True):
        labels = ("normalized sum", "count") if agg.kind == "mean" else (agg.kind,)
        for label, mechanism in zip(labels, mechanisms, strict=True):
            entries.append({
                "statistic": agg.name, "component": label, "mechanism": DISTRIBUTION,
                "epsilon": float(mechanism._mechanism.epsilon), "delta": 0.0,
                "scale": float(mechanism.noise_parameter),
                "l1_sensitivity": float(mechanism.sensitivity),
            })  # fmt: skip
    if plan.selection is not None:
        entries.append({
            "statistic": SELECTION, "component": SELECTION,
            "mechanism": f"{plan.selection.partition_selection_strategy.value} partition selection",
            "epsilon": plan.selection_epsilon, "delta": plan.delta,
            "max_groups_per_unit": plan.selection.max_partitions_contributed,
        })  # fmt: skip
    return entries
