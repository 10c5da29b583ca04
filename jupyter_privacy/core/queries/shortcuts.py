"""The one-aggregate calls (`table.count(...)`, `table.group_by("region").mean(...)`): shorthands
that build an aggregate tuple and go through the table's single `_ask` path, so every shorthand is
validated, calibrated, spent and replayed exactly like SQL."""

from __future__ import annotations

from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.queries.spec import Aggregate


class AggregateShortcuts:
    """Mixed into `PrivateTable` (and so `SparkPrivateTable`), which provides `_ask` and `keys`."""

    keys: dict[str, tuple[Any, ...]]

    def _ask(self, aggregates: tuple[Aggregate, ...], group_by: tuple[str, ...], epsilon: float,
             options: dict[str, Any], where: str | None = None) -> Any:  # fmt: skip
        raise NotImplementedError

    def count(self, epsilon: float, *, column: str | None = None, **options: Any) -> Any:
        """Rows (or, with `column`, the column's non-missing values, as SQL's COUNT(col))."""
        return self._ask((Aggregate("count", column),), (), epsilon, options)

    def sum(self, column: str, epsilon: float, **options: Any) -> Any:
        return self._ask((Aggregate("sum", column),), (), epsilon, options)

    def mean(self, column: str, epsilon: float, **options: Any) -> Any:
        return self._ask((Aggregate("mean", column),), (), epsilon, options)

    def quantile(self, column: str, q: float, epsilon: float, **options: Any) -> Any:
        return self._ask((Aggregate("quantile", column, q),), (), epsilon, options)

    def median(self, column: str, epsilon: float, **options: Any) -> Any:
        return self.quantile(column, 0.5, epsilon, **options)

    def histogram(self, column: str, epsilon: float, **options: Any) -> Any:
        """Noisy counts over the column's declared categories."""
        if column not in self.keys:
            raise InvalidParameterError(
                f"a histogram needs declared keys for {column!r}: keys={{…}}"
            )
        return self._ask((Aggregate("count"),), (column,), epsilon, options)

    def group_by(self, *columns: str) -> GroupedTable:
        if not columns:
            raise InvalidParameterError("group_by needs at least one column")
        return GroupedTable(self, tuple(columns))


class GroupedTable:
    """`table.group_by("region").mean("wage", epsilon=1.0)`: count, sum, mean per group."""

    def __init__(self, table: AggregateShortcuts, columns: tuple[str, ...]) -> None:
        self._table, self._columns = table, columns

    def count(self, epsilon: float, *, column: str | None = None, **options: Any) -> Any:
        return self._table._ask((Aggregate("count", column),), self._columns, epsilon, options)

    def sum(self, column: str, epsilon: float, **options: Any) -> Any:
        return self._table._ask((Aggregate("sum", column),), self._columns, epsilon, options)

    def mean(self, column: str, epsilon: float, **options: Any) -> Any:
        return self._table._ask((Aggregate("mean", column),), self._columns, epsilon, options)

    def agg(self, *aggregates: Aggregate, epsilon: float, **options: Any) -> Any:
        return self._table._ask(tuple(aggregates), self._columns, epsilon, options)
