"""DP SQL parsing: the supported subset becomes a QuerySpec; everything else is refused clearly."""

from __future__ import annotations

import polars as pl
import pytest

from jupyter_privacy.core.errors import InvalidParameterError, UnsupportedQueryError
from jupyter_privacy.core.queries import Aggregate, parse_sql
from jupyter_privacy.core.queries.sql import parse_where


def test_supported_statement_becomes_a_spec():
    parsed = parse_sql(
        "select region, count(*) as n, sum(wage), avg(wage) w, median(age), "
        "quantile(age, 0.9), percentile_cont(0.25) within group (order by age) "
        "from people where age > 30 and region in ('a', 'b') group by region;"
    )
    assert parsed.table == "people"
    spec = parsed.spec
    assert spec.group_by == ("region",)
    assert spec.aggregates == (
        Aggregate("count", alias="n"),
        Aggregate("sum", "wage"),
        Aggregate("mean", "wage", alias="w"),
        Aggregate("quantile", "age", 0.5),
        Aggregate("quantile", "age", 0.9),
        Aggregate("quantile", "age", 0.25),
    )
    assert [a.name for a in spec.aggregates] == [
        "n", "sum_wage", "w", "median_age", "p90_age", "p25_age",
    ]  # fmt: skip


def test_count_of_a_column_counts_its_values():
    spec = parse_sql("SELECT COUNT(income), COUNT(*) AS n FROM t").spec
    assert spec.aggregates == (Aggregate("count", "income"), Aggregate("count", alias="n"))
    assert [a.name for a in spec.aggregates] == ["count_income", "n"]
    assert spec.canonical() == "SELECT COUNT(income) AS count_income, COUNT(*) AS n FROM t"


def test_canonical_text_ignores_spelling():
    a = parse_sql("SELECT COUNT(*) FROM t WHERE x>1 AND y='b'").spec.canonical()
    b = parse_sql("select   count(*)\n from other where x > 1 and y = 'b'").spec.canonical()
    assert a == b


@pytest.mark.parametrize(
    ("sql", "feature"),
    [
        ("SELECT * FROM t", "SELECT *"),
        ("SELECT COUNT(*) FROM a JOIN b ON a.x = b.x", "JOIN"),
        ("SELECT COUNT(*) FROM (SELECT x FROM t)", "subquery"),
        ("SELECT COUNT(*) FROM t WHERE x IN (SELECT y FROM u)", "subquery"),
        ("SELECT SUM(x) OVER (PARTITION BY y) FROM t", "window"),
        ("SELECT COUNT(*) FROM t ORDER BY 1", "ORDER BY"),
        ("SELECT COUNT(*) FROM t LIMIT 3", "LIMIT"),
        ("SELECT g, COUNT(*) FROM t GROUP BY g HAVING SUM(x) > 3", "HAVING"),
        ("SELECT x FROM t", "raw column"),
        ("SELECT MAX(x) FROM t", "MAX"),
        ("SELECT SUM(x + 1) FROM t", "expression"),
        ("SELECT COUNT(*) FROM t WHERE x LIKE 'a%'", "WHERE condition"),
        ("SELECT COUNT(*) FROM t WHERE x > y + 1", "operand"),
        ("INSERT INTO t VALUES (1)", "INSERT"),
        ("SELECT COUNT(*) FROM t; SELECT COUNT(*) FROM t", "more than one"),
        ("SELECT COUNT(DISTINCT x) FROM t", "COUNT(DISTINCT"),
    ],
)
def test_outside_the_subset_raises_unsupported_with_the_supported_list(sql, feature):
    with pytest.raises(UnsupportedQueryError) as info:
        parse_sql(sql)
    assert feature.lower() in info.value.message.lower()
    assert "supported DP SQL: SELECT" in info.value.message


@pytest.mark.parametrize("sql", ["SELEC COUNT(*) FROM t", "SELECT COUNT(* FROM t", "", "   "])
def test_syntax_errors_are_invalid_parameters(sql):
    with pytest.raises(InvalidParameterError):
        parse_sql(sql)


def test_where_translates_to_polars():
    text, expr = parse_where("(age BETWEEN 20 AND 30 OR region IS NULL) AND NOT age = -5")
    frame = pl.DataFrame({"age": [25, 40, -5, 50], "region": ["a", None, "b", "c"]})
    assert frame.filter(expr)["age"].to_list() == [25, 40]
    assert "BETWEEN" in text


def test_quantile_out_of_range_and_duplicate_names():
    with pytest.raises(InvalidParameterError, match=r"\[0, 1\]"):
        parse_sql("SELECT QUANTILE(x, 1.5) FROM t")
    with pytest.raises(InvalidParameterError, match="share the name"):
        parse_sql("SELECT SUM(x), SUM(x) FROM t")
