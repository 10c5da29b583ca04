"""ε versus utility for one DP query: how much accuracy each ε buys, computed without spending.

The curve comes from ONE OpenDP calibration (a `PrivateTable.preview` at a reference ε). Every
mechanism the queries use is additive noise whose scale is sensitivity / ε_statistic, and a query's ε
is split evenly over its statistics, so each noise scale is exactly proportional to 1/ε. The accuracy
at α is then OpenDP's own closed form for that distribution (`opendp.accuracy.*_scale_to_accuracy`).
This avoids OpenDP's parameter search at every point of the curve; tests check the curve against a
fresh `preview` at several ε. Nothing touches the data or the budget.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import pandas as pd

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.validation import check_delta, check_epsilon, check_positive_int

if TYPE_CHECKING:  # the queries package loads OpenDP: only when a curve is computed
    from jupyter_privacy.core.queries import PrivateTable, QueryPreview, Statistic

REFERENCE_EPSILON = 1.0
CURVE_POINTS = 50
CHOSEN = "chosen_epsilon"  # the chart's Vega parameter that the explorer's slider moves


def _accuracy_functions() -> dict[str, Callable[[float, float], float]]:
    from opendp import accuracy  # OpenDP's closed forms: scale → accuracy at α

    return {
        "Float Laplace": accuracy.laplacian_scale_to_accuracy,
        "Integer Laplace": accuracy.discrete_laplacian_scale_to_accuracy,
        "Float Gaussian": accuracy.gaussian_scale_to_accuracy,
        "Integer Gaussian": accuracy.discrete_gaussian_scale_to_accuracy,
    }


@dataclass(frozen=True)
class TradeoffCurve:
    """A query's noise at every ε, derived from its OpenDP calibration at `reference.epsilon`.

    `expected_rows` is a PUBLIC estimate of the table's size (never read from the data); with it a
    mean gets an approximate ± (the union-bound interval of docs/queries.md, worst case over the
    bounds). Without it a mean shows its noise scale only.
    """

    reference: QueryPreview
    bounds: dict[str, tuple[float, float]]
    expected_rows: int | None = None

    @property
    def alpha(self) -> float:
        return self.reference.alpha

    @property
    def confidence(self) -> str:
        return f"{(1 - self.alpha) * 100:g}%"

    def _component_accuracy(self, distribution: str, scale: float, alpha: float) -> float | None:
        function = _accuracy_functions().get(distribution)
        return None if function is None else float(function(scale, alpha))

    def _statistic_at(self, stat: Statistic, epsilon: float) -> dict[str, Any]:
        factor = self.reference.epsilon / epsilon
        scales = [c.scale * factor for c in stat.components]
        accuracy: float | None = None
        if stat.aggregate in ("count", "sum"):
            accuracy = self._component_accuracy(
                stat.components[0].distribution, scales[0], self.alpha
            )
        elif stat.aggregate == "mean" and self.expected_rows is not None and stat.column:
            accuracy = self._mean_accuracy(stat, scales)
        return {
            "epsilon": epsilon, "statistic": stat.name, "aggregate": stat.aggregate,
            "column": stat.column, "noise_scale": scales[0], "accuracy": accuracy,
            "utility": scales[0] if accuracy is None else accuracy,
            "measure": "noise scale" if accuracy is None else f"± at {self.confidence}",
        }  # fmt: skip

    def _mean_accuracy(self, stat: Statistic, scales: list[float]) -> float | None:
        """± of sum/count when the count is about `expected_rows` (the planner's formula)."""
        sum_part, count_part = stat.components
        half = self.alpha / 2  # each component at α/2: the union bound covers the mean at 1 − α
        a_sum = self._component_accuracy(sum_part.distribution, scales[0], half)
        a_count = self._component_accuracy(count_part.distribution, scales[1], half)
        from jupyter_privacy.core.queries.planning import mean_plus_minus  # loaded with the table

        assert stat.column is not None and self.expected_rows is not None
        return mean_plus_minus(a_sum, a_count, self.bounds[stat.column], self.expected_rows)

    def point(self, epsilon: float) -> pd.DataFrame:
        """One row per statistic at ε: noise scale and ± (what the slider shows)."""
        epsilon = check_epsilon(epsilon)
        return pd.DataFrame([self._statistic_at(s, epsilon) for s in self.reference.statistics])

    def frame(self, epsilons: Sequence[float]) -> pd.DataFrame:
        """The curve's data: one row per ε and statistic."""
        rows = [
            self._statistic_at(s, check_epsilon(e))
            for e in epsilons
            for s in self.reference.statistics
        ]
        return pd.DataFrame(rows)

    def sentence(self, epsilon: float, remaining: float | None, total: float | None) -> str:
        """The plain-language line: what ε buys and what is left of the budget afterwards."""
        return self.sentences([epsilon], remaining, total)[0]

    def sentences(
        self, epsilons: Sequence[float], remaining: float | None, total: float | None,
        *, replayed: Collection[float] = (), data: pd.DataFrame | None = None,
    ) -> list[str]:  # fmt: skip
        """`sentence` at many ε from one `frame` (`data`, if already computed for `epsilons`; the
        explorer's every slider position); an ε in `replayed` returns a stored release, which
        spends nothing."""
        records = (self.frame(epsilons) if data is None else data).to_dict("records")
        per = len(self.reference.statistics)
        out = []
        for index, epsilon in enumerate(epsilons):
            parts = []
            for row in records[index * per : (index + 1) * per]:
                subject = _subject(row["aggregate"], row["column"], row["statistic"],
                                   self.reference.group_by)  # fmt: skip
                if row["accuracy"] is not None and not pd.isna(row["accuracy"]):
                    parts.append(
                        f"{subject} is ± {row['accuracy']:.4g} with {self.confidence} confidence"
                    )
                else:
                    parts.append(f"{subject} gets noise of scale {row['noise_scale']:.4g}")
            text = f"at ε = {_number(epsilon)} " + "; ".join(parts)
            out.append(text + _budget_part(epsilon, remaining, total, epsilon in replayed))
        return out


def _budget_part(epsilon: float, remaining: float | None, total: float | None, free: bool) -> str:
    if remaining is None:
        return ""
    of = f" of {_number(total)}" if total is not None else ""
    if free:
        return f"; replays the stored release: nothing spent, {_number(remaining)}{of} left"
    after = remaining - epsilon
    if after >= -1e-12:
        return f"; {_number(after)}{of} left afterwards"
    return f"; more than the {_number(remaining)}{of} left: releasing is refused"


def _number(value: float) -> str:
    """3 significant digits, always with a decimal point (1.0, not 1), never -0.0."""
    text = f"{max(value, 0.0) if abs(value) < 1e-12 else value:.3g}"
    return text if any(c in text for c in ".en") else text + ".0"


def _subject(aggregate: str, column: str | None, name: str, group_by: tuple[str, ...]) -> str:
    per = f" per {', '.join(group_by)}" if group_by else ""
    if aggregate == "count":
        return f"the row count{per}"
    if aggregate == "mean":
        return f"the mean {column}{per}"
    if aggregate == "sum":
        return f"the sum of {column}{per}"
    return f"{name.replace('_', ' ')}{per}"


def tradeoff_curve(
    table: PrivateTable, query: str, *, alpha: float = 0.05, delta: float = 0.0,
    expected_rows: int | None = None,
) -> TradeoffCurve:  # fmt: skip
    """Calibrate `query` once with OpenDP (no data read, nothing spent) and derive its curve."""
    from jupyter_privacy.core.queries import PrivateTable, parse_sql

    if not isinstance(table, PrivateTable):
        raise InvalidParameterError(f"a trade-off needs a PrivateTable, got {type(table).__name__}")
    spec = parse_sql(query).spec
    reference = table.preview(spec, REFERENCE_EPSILON, delta=check_delta(delta), alpha=alpha,
                              expected_rows=expected_rows)  # fmt: skip
    # the rows given, else the table's declared count (ungrouped): the preview resolves both
    return TradeoffCurve(reference=reference, bounds=dict(table.bounds),
                         expected_rows=reference.expected_rows)  # fmt: skip


def epsilon_grid(low: float, high: float, points: int = CURVE_POINTS) -> list[float]:
    """`points` ε values evenly spaced on a log axis."""
    low, high = check_epsilon(low, "lowest ε"), check_epsilon(high, "highest ε")
    if low >= high:
        raise InvalidParameterError(f"the ε range must go up: got {low:g} to {high:g}")
    return [float(e) for e in np.geomspace(low, high, check_positive_int(points, "points"))]


def tradeoff_chart(
    curve: TradeoffCurve, epsilons: Sequence[float], chosen: float
) -> alt.LayerChart:
    """Utility against ε on log axes, the chosen ε marked by a rule driven by a Vega parameter.

    The rule and the marker points read parameters (`chosen_epsilon`, `chosen_utility_<i>`), so a
    live chart moves them without rebuilding the spec (see widgets.TradeoffExplorer).
    """
    data = curve.frame(epsilons)
    point = curve.point(chosen)
    measure = " / ".join(dict.fromkeys(data.measure))
    chosen_param = alt.param(name=CHOSEN, value=float(chosen))
    x_scale = alt.Scale(type="log", domain=[min(epsilons), max(epsilons)])
    y = alt.Y("utility:Q", title=measure + " (smaller is better)", scale=alt.Scale(type="log"))
    line = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("epsilon:Q", title="ε (log scale)", scale=x_scale),
            y=y,
            color=alt.Color("statistic:N", legend=alt.Legend(orient="bottom", title=None)),
            tooltip=[
                alt.Tooltip("epsilon:Q", format=".3g"),
                "statistic:N",
                "measure:N",
                alt.Tooltip("utility:Q", format=".4g"),
            ],
        )
    )
    rule = (
        alt.Chart()
        .mark_rule(color="black", strokeDash=[4, 3])
        .encode(x=alt.datum(alt.ExprRef(CHOSEN), type="quantitative", scale=x_scale))
    )
    layers: list[Any] = [line, rule]
    params = [chosen_param]
    for index, row in enumerate(point.itertuples()):
        utility = alt.param(name=f"chosen_utility_{index}", value=float(row.utility))
        params.append(utility)
        layers.append(
            alt.Chart()
            .mark_point(filled=True, size=70, color="black")
            .encode(
                x=alt.datum(alt.ExprRef(CHOSEN), type="quantitative", scale=x_scale),
                y=alt.datum(
                    alt.ExprRef(utility.name), type="quantitative", scale=alt.Scale(type="log")
                ),
            )
        )
    return (
        alt.layer(*layers)
        .add_params(*params)
        .properties(title=f"What each ε buys: {curve.reference.query}", width=460, height=260)
    )


def chosen_parameters(curve: TradeoffCurve, chosen: float) -> dict[str, float]:
    """The chart parameter values for a chosen ε (what the slider sends to the live chart)."""
    values = {CHOSEN: float(chosen)}
    for index, row in enumerate(curve.point(chosen).itertuples()):
        values[f"chosen_utility_{index}"] = float(row.utility)
    return values
