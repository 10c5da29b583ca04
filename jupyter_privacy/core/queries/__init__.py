"""Differentially private queries on pandas and polars data through OpenDP (see docs/queries.md)."""

from jupyter_privacy.core.queries.examples import ExampleDataset, load_example
from jupyter_privacy.core.queries.release import (
    NoiseComponent,
    QueryPreview,
    QueryRelease,
    ReleasedValue,
    Statistic,
)
from jupyter_privacy.core.queries.spec import Aggregate, QuerySpec
from jupyter_privacy.core.queries.sql import parse_sql
from jupyter_privacy.core.queries.table import GroupedTable, PrivateTable

__all__ = [
    "Aggregate", "ExampleDataset", "GroupedTable", "NoiseComponent", "PrivateTable",
    "QueryPreview", "QueryRelease", "QuerySpec", "ReleasedValue", "Statistic", "load_example",
    "parse_sql",
]  # fmt: skip
