"""DP SQL: parse the supported subset with sqlglot into a `QuerySpec`; refuse the rest clearly.

Supported: SELECT [group columns,] COUNT(*), COUNT(col), SUM(col), AVG(col), MEDIAN(col), QUANTILE(col, q) or
PERCENTILE_CONT(q) WITHIN GROUP (ORDER BY col) FROM table [WHERE public predicate] [GROUP BY cols].
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlglot
from sqlglot import exp

from jupyter_privacy.core.errors import InvalidParameterError, UnsupportedQueryError
from jupyter_privacy.core.queries.spec import Aggregate, QuerySpec

SUPPORTED = (
    "supported DP SQL: SELECT [group columns,] COUNT(*), COUNT(col), SUM(col), AVG(col), MEDIAN(col), "
    "QUANTILE(col, q) or PERCENTILE_CONT(q) WITHIN GROUP (ORDER BY col) FROM one table "
    "[WHERE comparisons of columns with constants, joined by AND/OR/NOT, IN, BETWEEN, IS NULL] "
    "[GROUP BY columns]"
)

_REFUSED_CLAUSES = {
    "joins": "JOIN", "order": "ORDER BY", "limit": "LIMIT", "offset": "OFFSET",
    "having": "HAVING", "distinct": "DISTINCT", "with": "WITH (CTE)", "qualify": "QUALIFY",
    "windows": "WINDOW",
}  # fmt: skip

_COMPARISONS: dict[type[exp.Expression], str] = {
    exp.EQ: "__eq__", exp.NEQ: "__ne__", exp.GT: "__gt__", exp.GTE: "__ge__",
    exp.LT: "__lt__", exp.LTE: "__le__",
}  # fmt: skip


@dataclass(frozen=True)
class ParsedQuery:
    table: str
    spec: QuerySpec


def unsupported(what: str) -> UnsupportedQueryError:
    return UnsupportedQueryError(f"{what} is not supported in DP SQL; {SUPPORTED}", feature=what)


def parse_sql(text: str) -> ParsedQuery:
    """Parse one DP SQL statement (the table name is resolved by the caller)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidParameterError("give a SQL statement, e.g. SELECT COUNT(*) FROM people")
    try:
        statements = [s for s in sqlglot.parse(text.strip().rstrip(";")) if s is not None]
    except sqlglot.errors.ParseError as error:
        first = str(error).splitlines()[0]
        raise InvalidParameterError(f"SQL syntax error: {first}") from None
    if len(statements) != 1:
        raise unsupported("more than one statement")
    tree = statements[0]
    if not isinstance(tree, exp.Select):
        raise unsupported(f"a {type(tree).__name__.upper()} statement")
    for key, label in _REFUSED_CLAUSES.items():
        if tree.args.get(key):
            raise unsupported(label)
    if tree.find(exp.Window):
        raise unsupported("a window function (OVER …)")
    if any(node is not tree for node in tree.find_all(exp.Select)) or tree.find(exp.Subquery):
        raise unsupported("a subquery")
    table = _table_name(tree)
    group_by = _group_columns(tree)
    aggregates: list[Aggregate] = []
    for item in tree.expressions:
        alias = item.alias if isinstance(item, exp.Alias) else None
        node = item.this if isinstance(item, exp.Alias) else item
        if isinstance(node, exp.Star):
            raise unsupported("SELECT *")
        if isinstance(node, exp.Column):
            if node.name not in group_by:
                raise unsupported(
                    f"selecting the raw column {node.name!r} (only GROUP BY columns may be listed)"
                )
            continue
        aggregates.append(_aggregate(node, alias or None))
    where = tree.args.get("where")
    where_text = None
    if where is not None:
        where_to_polars(where.this)  # validate now, so errors show before anything else
        where_text = where.this.sql(normalize=True)
    return ParsedQuery(table=table, spec=QuerySpec(tuple(aggregates), tuple(group_by), where_text))


def _table_name(tree: exp.Select) -> str:
    source = tree.args.get("from_") or tree.args.get("from")
    if source is None:
        raise unsupported("a SELECT without FROM")
    if not isinstance(source.this, exp.Table):
        raise unsupported("a FROM clause that is not a single table")
    return str(source.this.name)


def _group_columns(tree: exp.Select) -> list[str]:
    group = tree.args.get("group")
    if group is None:
        return []
    columns = []
    for item in group.expressions:
        if not isinstance(item, exp.Column):
            raise unsupported(f"GROUP BY on an expression ({item.sql()})")
        columns.append(item.name)
    return columns


def _aggregate(node: exp.Expression, alias: str | None) -> Aggregate:
    if isinstance(node, exp.Count):
        if isinstance(node.this, exp.Star):
            return Aggregate("count", alias=alias)
        if isinstance(node.this, exp.Distinct):
            raise unsupported("COUNT(DISTINCT …)")
        return Aggregate("count", _column(node.this), alias=alias)
    if isinstance(node, exp.Sum):
        return Aggregate("sum", _column(node.this), alias=alias)
    if isinstance(node, exp.Avg):
        return Aggregate("mean", _column(node.this), alias=alias)
    if isinstance(node, exp.Median):
        return Aggregate("quantile", _column(node.this), 0.5, alias)
    if isinstance(node, exp.Quantile):
        return Aggregate("quantile", _column(node.this), _number(node.args["quantile"]), alias)
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        return Aggregate("quantile", _column(node.this), _number(node.expression), alias)
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont):
        ordered = node.expression.expressions if node.expression is not None else []
        if len(ordered) != 1:
            raise unsupported("PERCENTILE_CONT over several columns")
        return Aggregate("quantile", _column(ordered[0].this), _number(node.this.this), alias)
    raise unsupported(f"the expression {node.sql()!r}")


def _column(node: Any) -> str:
    if not isinstance(node, exp.Column):
        raise unsupported(f"an aggregate over an expression ({node.sql()}); aggregate a column")
    return str(node.name)


def _number(node: Any) -> float:
    if isinstance(node, exp.Literal) and not node.is_string:
        return float(node.this)
    raise unsupported(f"a non-constant quantile ({node.sql()})")


def parse_where(text: str) -> tuple[str, pl.Expr]:
    """A public predicate as (canonical SQL text, polars expression)."""
    try:
        node = sqlglot.parse_one(f"SELECT 1 FROM t WHERE {text}").args["where"].this
    except (sqlglot.errors.ParseError, KeyError, AttributeError):
        raise InvalidParameterError(
            f"cannot parse the filter {text!r} as a SQL predicate"
        ) from None
    return node.sql(normalize=True), where_to_polars(node)


def where_to_polars(node: exp.Expression) -> pl.Expr:
    """Translate a public predicate (constants and columns only) into a polars expression."""
    if isinstance(node, exp.Paren):
        return where_to_polars(node.this)
    if isinstance(node, exp.And):
        return where_to_polars(node.this) & where_to_polars(node.expression)
    if isinstance(node, exp.Or):
        return where_to_polars(node.this) | where_to_polars(node.expression)
    if isinstance(node, exp.Not):
        return ~where_to_polars(node.this)
    for kind, method in _COMPARISONS.items():
        if isinstance(node, kind):
            left, right = _operand(node.this), _operand(node.expression)
            return getattr(left, method)(right)  # type: ignore[no-any-return]
    if isinstance(node, exp.In):
        values = [_constant(v) for v in node.expressions]
        if not values or node.args.get("query") is not None:
            raise unsupported("IN without a list of constants")
        column = _operand(node.this)  # OpenDP 0.16 plans accept ==/| but not is_in
        either: pl.Expr = functools.reduce(operator.or_, (column == value for value in values))
        return either
    if isinstance(node, exp.Between):
        column = _operand(node.this)  # OpenDP 0.16 plans accept comparisons, not is_between
        return (column >= _operand(node.args["low"])) & (column <= _operand(node.args["high"]))
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        return _operand(node.this).is_null()
    raise unsupported(f"the WHERE condition {node.sql()!r}")


def _operand(node: exp.Expression) -> pl.Expr:
    if isinstance(node, exp.Column):
        return pl.col(node.name)
    return pl.lit(_constant(node))


def _constant(node: exp.Expression) -> Any:
    if isinstance(node, exp.Neg):
        return -_constant(node.this)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return str(node.this)
        number = float(node.this)
        return int(number) if number.is_integer() and "." not in str(node.this) else number
    raise unsupported(f"the operand {node.sql()!r} (compare columns with constants)")
