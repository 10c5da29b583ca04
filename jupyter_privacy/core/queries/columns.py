"""Column types and the facts checked on a table's data, shared by both kinds of source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from jupyter_privacy.core.errors import InvalidParameterError

NUMERIC_KINDS = (pl.Float32, pl.Float64, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8,
                 pl.UInt16, pl.UInt32, pl.UInt64, pl.Boolean)  # fmt: skip
_WIDTHS: dict[Any, int] = {pl.Boolean: 1, pl.Int8: 1, pl.UInt8: 1, pl.Int16: 2, pl.UInt16: 2,
                           pl.Int32: 4, pl.UInt32: 4, pl.Float32: 4}  # fmt: skip


def check_numeric(schema: pl.Schema, bounds: dict[str, tuple[float, float]]) -> None:
    for column in bounds:
        if not isinstance(schema[column], NUMERIC_KINDS):
            raise InvalidParameterError(
                f"column {column!r} is {schema[column]}, not numeric; bounds (and SUM, AVG, "
                "quantiles) need a numeric column"
            )


def casts(schema: pl.Schema, bounds: dict[str, tuple[float, float]]) -> list[pl.Expr]:
    """Declared numeric columns become Float64 (Laplace on floats), categoricals become strings."""
    check_numeric(schema, bounds)
    categorical = [c for c, t in schema.items() if isinstance(t, pl.Categorical)]
    return [  # OpenDP refuses Categorical (its codes follow the data's order)
        *(pl.col(c).cast(pl.Float64) for c in bounds),
        *(pl.col(c).cast(pl.String) for c in categorical if c not in bounds),
    ]


@dataclass(frozen=True)
class DataFacts:
    """What was checked on an in-memory table's data before a release, so that OpenDP can leave
    out steps that would change nothing: filling (`complete` columns have no missing value or NaN)
    and clipping (`bounded` columns are complete and every value is inside the declared bounds).

    The measurement then declares these facts in its input domain, and OpenDP's privacy map is that
    of the general query (same noise scales); its output distribution on this data is the same too,
    because the left-out steps are the identity here. (How long a query takes can differ; the
    timing is not part of any release.)
    """

    complete: frozenset[str] = frozenset()
    bounded: frozenset[str] = frozenset()


NO_FACTS = DataFacts()  # nothing checked: OpenDP keeps every step (previews, files)


def narrowest_column(schema: pl.Schema) -> str:
    """A COUNT without WHERE over files reads one column: the narrowest numeric one scans fastest."""
    numeric = [c for c, t in schema.items() if isinstance(t, NUMERIC_KINDS)]
    return min(
        numeric, key=lambda c: _WIDTHS.get(schema[c].base_type(), 8), default=schema.names()[0]
    )
