"""A query as data: which aggregates, over which groups, under which public filter.

The Python API and the SQL parser both produce a `QuerySpec`; its canonical text is part of the
replay key, so the same question asked either way replays the same release.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from jupyter_privacy.core.errors import InvalidParameterError

AggregateKind = Literal["count", "sum", "mean", "quantile"]
AGGREGATES: tuple[str, ...] = ("count", "sum", "mean", "quantile")


@dataclass(frozen=True)
class Aggregate:
    kind: AggregateKind
    column: str | None = None
    quantile: float | None = None
    alias: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in AGGREGATES:
            raise InvalidParameterError(
                f"unknown aggregate {self.kind!r}; use one of: {', '.join(AGGREGATES)}"
            )
        if self.kind != "count" and not self.column:
            raise InvalidParameterError(f"{self.kind} needs a column")
        if self.kind == "quantile":
            q = self.quantile
            if q is None or isinstance(q, bool) or not 0.0 <= float(q) <= 1.0:
                raise InvalidParameterError(
                    f"a quantile must be a number in [0, 1] (0.5 is the median), got {q!r}"
                )

    @property
    def name(self) -> str:
        """Output name: the SQL alias if given, else e.g. `count`, `mean_wage`, `p90_wage`."""
        if self.alias:
            return self.alias
        if self.kind == "count":
            return f"count_{self.column}" if self.column else "count"
        if self.kind == "quantile":
            q = float(self.quantile or 0.0)
            prefix = "median" if q == 0.5 else f"p{q * 100:g}".replace(".", "_")
            return f"{prefix}_{self.column}"
        return f"{self.kind}_{self.column}"

    def canonical(self) -> str:
        if self.kind == "count":
            return f"COUNT({self.column})" if self.column else "COUNT(*)"
        if self.kind == "quantile":
            return f"QUANTILE({self.column}, {float(self.quantile or 0.0)!r})"
        return f"{self.kind.upper()}({self.column})"


@dataclass(frozen=True)
class QuerySpec:
    aggregates: tuple[Aggregate, ...]
    group_by: tuple[str, ...] = ()
    where: str | None = None  # canonical SQL text of a public predicate

    def __post_init__(self) -> None:
        if not self.aggregates:
            raise InvalidParameterError("a query needs at least one aggregate such as COUNT(*)")
        names = [a.name for a in self.aggregates]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InvalidParameterError(
                f"two aggregates share the name {duplicates[0]!r}; give them different aliases "
                "(… AS name) or drop the repeat"
            )
        clash = set(names) & set(self.group_by)
        if clash:
            raise InvalidParameterError(
                f"aggregate name {sorted(clash)[0]!r} is also a group column; rename it with AS"
            )

    def split_fractions(self, split: Any) -> tuple[float, ...] | None:
        """The share of ε each aggregate gets, from `split`: weights in SELECT order (a sequence,
        or text like "1,3"), or {statistic name: weight}. None (or equal weights) means even."""
        if split is None:
            return None
        names = [a.name for a in self.aggregates]
        example = ",".join(["1"] * len(names))
        if isinstance(split, str):
            split = [part.strip() for part in split.split(",")]
        if isinstance(split, Mapping):
            unknown = sorted(set(split) - set(names))
            if unknown or len(split) != len(names):
                raise InvalidParameterError(
                    f"the ε split names {', '.join(map(str, unknown)) or 'too few statistics'}; "
                    f"give a weight for each of: {', '.join(names)}"
                )
            split = [split[n] for n in names]
        weights = list(split)
        if len(weights) != len(names):
            raise InvalidParameterError(
                f"the ε split has {len(weights)} weight(s) for {len(names)} statistic(s) "
                f"({', '.join(names)}); give one each, e.g. {example}"
            )
        try:
            numbers = [float(w) for w in weights]
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"ε split weights must be numbers, e.g. {example}; got {split!r}"
            ) from None
        if not all(math.isfinite(w) and w > 0 for w in numbers):
            raise InvalidParameterError(f"ε split weights must be finite and > 0; got {split!r}")
        total = math.fsum(numbers)
        fractions = tuple(w / total for w in numbers)
        return None if len(set(numbers)) == 1 else fractions

    def canonical(self) -> str:
        """One spelling per query (independent of whitespace, case and keyword style)."""
        select = [*self.group_by, *(f"{a.canonical()} AS {a.name}" for a in self.aggregates)]
        text = "SELECT " + ", ".join(select) + " FROM t"
        if self.where:
            text += f" WHERE {self.where}"
        if self.group_by:
            text += " GROUP BY " + ", ".join(self.group_by)
        return text
