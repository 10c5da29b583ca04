"""Attack risk against ε: what (ε, δ)-DP allows a membership-inference attacker, and what probes saw.

The ceiling is `core.probes.metrics.dp_ceiling` (the hypothesis-testing region of (ε, δ)-DP,
Kairouz et al. 2015): the largest advantage (TPR − FPR) and ROC AUC any attack can reach against any
(ε, δ)-DP release, and the largest TPR at a chosen low FPR. Probe reports are measured attacks on
trained models, drawn as points at the ε each model was trained with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import altair as alt
import pandas as pd

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.probes.metrics import dp_ceiling
from jupyter_privacy.core.probes.report import ProbeReport
from jupyter_privacy.core.validation import check_delta, check_epsilon

COLUMNS = ["epsilon", "delta", "source", "metric", "value"]


def _epsilon_of(item: ProbeReport | tuple[float, ProbeReport]) -> tuple[float, ProbeReport]:
    if isinstance(item, tuple):
        return check_epsilon(item[0]), item[1]
    if item.ceiling is None or "epsilon" not in item.ceiling:
        raise InvalidParameterError(
            "this probe report records no ε; pass (epsilon, report) pairs instead"
        )
    return check_epsilon(item.ceiling["epsilon"]), item


def risk_data(
    epsilons: Sequence[float], delta: float = 0.0, *, fpr: float = 0.001,
    probes: Iterable[ProbeReport | tuple[float, ProbeReport]] = (),
) -> pd.DataFrame:  # fmt: skip
    """Long format: the DP ceiling's advantage, AUC and TPR@FPR at each ε, then each probe's figures."""
    delta = check_delta(delta)
    fpr_label = f"TPR at FPR {fpr:g}"
    rows: list[dict[str, Any]] = []
    for epsilon in epsilons:
        ceiling = dp_ceiling(check_epsilon(epsilon), delta)
        for metric, value in (("advantage", ceiling.advantage), ("AUC", ceiling.auc),
                              (fpr_label, ceiling.tpr_at_fpr(fpr))):  # fmt: skip
            rows.append({"epsilon": epsilon, "delta": delta, "source": "DP ceiling (any attack)",
                         "metric": metric, "value": float(value)})  # fmt: skip
    for item in probes:
        epsilon, report = _epsilon_of(item)
        source = f"probe: {report.attack}"
        for metric, value in (("advantage", report.advantage), ("AUC", report.auc),
                              (fpr_label, report.tpr_at(fpr).tpr)):  # fmt: skip
            rows.append({"epsilon": epsilon, "delta": delta, "source": source, "metric": metric,
                         "value": float(value)})  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def risk_chart(data: pd.DataFrame) -> alt.FacetChart:
    """One panel per metric: the ceiling as a line over ε (log axis), probe results as points."""
    base = alt.Chart(data).encode(
        x=alt.X("epsilon:Q", title="ε (log scale)", scale=alt.Scale(type="log")),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("source:N", legend=alt.Legend(orient="bottom", title=None)),
        tooltip=["source:N", "metric:N", alt.Tooltip("epsilon:Q", format=".3g"),
                 alt.Tooltip("value:Q", format=".3f")],
    )  # fmt: skip
    ceiling = base.transform_filter(alt.datum.source == "DP ceiling (any attack)").mark_line()
    probes = base.transform_filter(alt.datum.source != "DP ceiling (any attack)").mark_point(
        filled=True, size=80
    )
    return (
        alt.layer(ceiling, probes, data=data)
        .properties(width=220, height=180)
        .facet(column=alt.Column("metric:N", title=None))
        .properties(
            title="Membership-inference risk: the most (ε, δ)-DP allows, and what probes measured"
        )
    )
