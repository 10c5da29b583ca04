"""The seam between the DP query front and the engines that answer it.

The front (`PrivateTable`: public declarations, the operations, DP SQL, previews, `%%dp_sql`, the
CLI) is the same for every engine. An engine turns a `QuerySpec` into a `Prepared` statement, without
drawing noise: its preview (noise and accuracy from the engine's own calibration, data untouched),
what shapes the release (for the replay key), the data fingerprint, the privacy statement for the
ledger, and two callables: `compute` (the only place the engine runs on the data and draws noise)
and `values` (post-processing of what `compute` returned, also applied to a replayed release).
`release_prepared` then spends: the ledger checks the budget, calls `compute` inside its
transaction and records the release before anything is shown.

Engines today: OpenDP over polars (`table.PrivateTable` on pandas/polars frames and local files)
and PipelineDP on Apache Spark (`spark_table.SparkPrivateTable`, the `spark` extra). Another engine
(OpenDP's ibis pushdown, Tumult Analytics) is one more front subclass that prepares statements the
same way; `engine_for` picks one from the data's type without importing the engine's library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.queries.release import QueryPreview, QueryRelease, ReleasedValue
from jupyter_privacy.core.queries.replay import replay_key
from jupyter_privacy.core.queries.spec import QuerySpec

#: Engine names, as they appear in replay parameters and ledger details.
OPENDP, PIPELINEDP_SPARK = "opendp-polars", "pipelinedp-spark"

#: Module prefixes of data types that belong to the Spark engine (checked by name: no import).
_SPARK_MODULES = ("pyspark.sql.",)


@dataclass(frozen=True)
class Prepared:
    """One DP statement, calibrated and ready for the ledger; no noise drawn yet.

    `delta` is what the statement charges (0 unless groups are selected privately); `preview`
    states it with every statistic's noise. `compute()` returns the release's rows (JSON-ready
    dicts) and is called by the ledger inside its transaction; `values(rows)` turns stored rows into
    released values with intervals (pure post-processing).
    """

    spec: QuerySpec
    epsilon: float
    delta: float
    preview: QueryPreview
    mechanism: str
    parameters: dict[str, Any]
    fingerprint: str
    details: dict[str, Any]
    compute: Callable[[], list[dict[str, Any]]]
    values: Callable[[list[dict[str, Any]]], tuple[ReleasedValue, ...]]


def release_prepared(
    ledger: Ledger, budget: str, prepared: Prepared, *, fresh: bool, origin: str | None
) -> QueryRelease:
    """Spend for one statement and release it: replayed (nothing spent) when the same question on
    the same data was answered before, unless `fresh`."""
    spec = prepared.spec
    key = replay_key(budget=budget, query=spec.canonical(), epsilon=prepared.epsilon,
                     delta=prepared.delta, parameters=prepared.parameters,
                     fingerprint=prepared.fingerprint)  # fmt: skip
    entry = ledger.spend(
        budget, prepared.epsilon, prepared.delta, compute=lambda: {"rows": prepared.compute()},
        replay_key=key, fresh=fresh, mechanism=prepared.mechanism, description=spec.canonical(),
        details=prepared.details, origin=origin,
    )  # fmt: skip
    values = prepared.values(entry.value["rows"])
    fields = {f: getattr(prepared.preview, f) for f in QueryPreview.__dataclass_fields__}
    fields["budget_epsilon_remaining"] = ledger.budget(budget).epsilon_remaining
    return QueryRelease(**fields, values=values, replayed=entry.replayed, entry_id=entry.id)


def engine_for(data: Any) -> str:
    """Which engine answers queries on `data` (a Spark DataFrame: PipelineDP on Spark)."""
    module = type(data).__module__ + "."
    return PIPELINEDP_SPARK if module.startswith(_SPARK_MODULES) else OPENDP
