"""DP-SGD charts: ε and accuracy per epoch (live during training), and ε against accuracy over a sweep.

Validation accuracy is DP-released (or measured on data declared public); the exact training
accuracy appears only when the analyst asked for it (`show_private_metrics=True`), labelled as not
private. ε is TF Privacy / dp-accounting's, stated with its accountant, sampling assumption and δ in
every row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import altair as alt
import pandas as pd

from jupyter_privacy.core.training import EpochRecord, TrainingProgress, TrainingResult

EPOCH_COLUMNS = ["epoch", "metric", "value", "delta", "accountant", "sampling"]
#: The exact training accuracy's label: shown only with show_private_metrics=True.
PRIVATE_ACCURACY = "training accuracy (exact, not private)"
SWEEP_COLUMNS = ["noise_multiplier", "epsilon", "delta", "val_accuracy", "accountant",
                 "sampling", "epochs", "release_id"]  # fmt: skip


def epoch_data(records: TrainingProgress | Iterable[EpochRecord]) -> pd.DataFrame:
    """Long format, one row per epoch and metric: ε so far, validation accuracy, and the exact
    training accuracy only when the analyst opted in to see it (labelled as not private)."""
    items = records.records if isinstance(records, TrainingProgress) else list(records)
    rows: list[dict[str, Any]] = []
    for record in items:
        for metric, value in (("ε", record.epsilon), ("validation accuracy", record.val_accuracy),
                              (PRIVATE_ACCURACY, record.accuracy)):  # fmt: skip
            if value is not None:
                rows.append({"epoch": record.epoch, "metric": metric, "value": float(value),
                             "delta": record.delta, "accountant": record.accountant,
                             "sampling": record.sampling})  # fmt: skip
    return pd.DataFrame(rows, columns=EPOCH_COLUMNS)


def training_chart(
    records: TrainingProgress | Iterable[EpochRecord], unit: str = "epoch"
) -> alt.VConcatChart:
    """Two panels sharing the epoch axis: ε spent so far, and accuracy. `unit="round"` labels the
    axis for federated training, whose records count rounds."""
    data = epoch_data(records)
    base = alt.Chart(data).encode(
        x=alt.X("epoch:Q", title=unit, axis=alt.Axis(tickMinStep=1)),
        tooltip=["epoch:Q", "metric:N", alt.Tooltip("value:Q", format=".4g"), "accountant:N",
                 "sampling:N", alt.Tooltip("delta:Q", format=".1e")],
    )  # fmt: skip
    epsilon = (
        base.transform_filter(alt.datum.metric == "ε")
        .mark_line(point=True, color="#c0392b")
        .encode(y=alt.Y("value:Q", title="ε so far"))
        .properties(width=420, height=120)
    )
    accuracy = (
        base.transform_filter(alt.datum.metric != "ε")
        .mark_line(point=True)
        .encode(
            y=alt.Y("value:Q", title="accuracy", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("metric:N", legend=alt.Legend(orient="bottom", title=None)),
        )
        .properties(width=420, height=160)
    )
    kind = "DP federated averaging" if unit == "round" else "DP-SGD"
    return alt.vconcat(epsilon, accuracy).properties(title=f"{kind}: ε and accuracy per {unit}")


def sweep_data(results: Iterable[TrainingResult]) -> pd.DataFrame:
    """One row per trained model: its σ, its (ε, δ) and its last validation accuracy."""
    rows = []
    for result in results:
        last = result.records[-1] if result.records else None
        rows.append({
            "noise_multiplier": result.epsilon.noise_multiplier, "epsilon": result.epsilon.epsilon,
            "delta": result.epsilon.delta,
            "val_accuracy": None if last is None else last.val_accuracy,
            "accountant": result.epsilon.accountant, "sampling": result.epsilon.sampling,
            "epochs": result.plan.epochs, "release_id": result.release.id,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)


def sweep_chart(data: pd.DataFrame) -> alt.LayerChart:
    """Validation accuracy against ε (log axis), each point labelled with its noise multiplier σ."""
    base = alt.Chart(data).encode(
        x=alt.X("epsilon:Q", title="ε (log scale)", scale=alt.Scale(type="log")),
        y=alt.Y("val_accuracy:Q", title="validation accuracy", scale=alt.Scale(domain=[0, 1])),
    )
    line = base.mark_line(point=True).encode(
        order="epsilon:Q",
        tooltip=[alt.Tooltip("noise_multiplier:Q", title="σ"), alt.Tooltip("epsilon:Q", format=".3g"),
                 alt.Tooltip("delta:Q", format=".1e"), alt.Tooltip("val_accuracy:Q", format=".3f"),
                 "accountant:N", "sampling:N", "release_id:Q"],
    )  # fmt: skip
    labels = base.mark_text(dy=-10).encode(text=alt.Text("noise_multiplier:Q", format=".3g"))
    return alt.layer(line, labels).properties(
        title="DP-SGD sweep: what each ε buys (labels: noise multiplier σ)", width=420, height=240
    )
