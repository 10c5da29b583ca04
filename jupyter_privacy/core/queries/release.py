"""What a DP query hands back: frozen records of the released values and how they were released.

Every figure of noise (distribution, scale, accuracy) is read from OpenDP's own summary of the
measurement, so what the user sees is what OpenDP guarantees.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from tabulate import tabulate


@dataclass(frozen=True)
class NoiseComponent:
    """One noisy quantity inside a statistic (a mean has two: its sum and its count)."""

    label: str
    distribution: str
    scale: float
    accuracy: float | None


@dataclass(frozen=True)
class Statistic:
    """How one aggregate of a query was released: its share of ε and OpenDP's noise."""

    name: str
    aggregate: str
    column: str | None
    epsilon: float
    components: tuple[NoiseComponent, ...]
    #: a mean's planned ± at α for a public row count (`planning.mean_plus_minus`); None without one
    mean_accuracy: float | None = None

    @property
    def mechanism(self) -> str:
        return " + ".join(dict.fromkeys(c.distribution for c in self.components))

    @property
    def noise_scale(self) -> float:
        """The scale of the noise on the statistic's main quantity (for a mean: on its sum)."""
        return self.components[0].scale

    @property
    def accuracy(self) -> float | None:
        """OpenDP's ± at α for counts and sums; a mean's planned ± when a public row count was
        given (else None); None for quantiles (see docs/queries.md)."""
        if self.aggregate in ("count", "sum"):
            return self.components[0].accuracy
        if self.aggregate == "mean":
            return self.mean_accuracy
        return None


@dataclass(frozen=True)
class ReleasedValue:
    """One released number with its (1 − α) interval; `group` holds the group-by key values."""

    statistic: str
    value: float | None
    low: float | None
    high: float | None
    group: tuple[Any, ...] = ()

    @property
    def plus_minus(self) -> float | None:
        if self.value is None or self.low is None or self.high is None:
            return None
        return max(self.value - self.low, self.high - self.value)


@dataclass(frozen=True)
class QueryPreview:
    """Noise and accuracy of a query at a given ε, computed without touching the data or the budget."""

    query: str
    budget: str
    epsilon: float
    delta: float
    alpha: float
    statistics: tuple[Statistic, ...]
    group_by: tuple[str, ...] = ()
    privacy_unit: str = ""
    threshold: int | None = None
    budget_epsilon_remaining: float | None = None  # a preview: what a release would spend from
    expected_rows: int | None = None  # the public row count (per group) behind means' planned ±

    @property
    def mechanism(self) -> str:
        names = (c.distribution for s in self.statistics for c in s.components)
        return " + ".join(dict.fromkeys(names))

    @property
    def noise_scale(self) -> float:
        return self.statistics[0].noise_scale

    @property
    def accuracy(self) -> float | None:
        return self.statistics[0].accuracy

    @property
    def epsilon_split(self) -> dict[str, float]:
        return {s.name: s.epsilon for s in self.statistics}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        rows = [
            [s.name, f"{s.epsilon:.4g}", s.mechanism, noise_scales(s), format_number(s.accuracy)]
            for s in self.statistics
        ]
        headers = ["statistic", "ε", "mechanism", "noise scale", f"± at α={self.alpha:g}"]
        head = f"preview (nothing spent): ε {self.epsilon:g}, δ {self.delta:g} of '{self.budget}'"
        if self.budget_epsilon_remaining is not None:
            head += f" (ε {format_number(self.budget_epsilon_remaining)} remaining)"
        notes = "".join(f"\n{note}" for note in accuracy_notes(self))
        return (
            head
            + "\n"
            + tabulate(rows, headers=headers, tablefmt="simple")
            + notes
            + self._threshold_note()
        )

    def _repr_html_(self) -> str:
        """The preview as a notebook table (IPython and Jupyter pick this up)."""
        from jupyter_privacy.core.queries.html import preview_html  # html imports this module

        return preview_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Plain-text front ends (a terminal, `text/plain`) show the text table, not the fields."""
        printer.text(str(self))

    def _threshold_note(self) -> str:
        if self.threshold is None:
            return ""
        return f"\ngroups are selected privately: those with a noisy count below {self.threshold} are dropped"


@dataclass(frozen=True)
class QueryRelease(QueryPreview):
    """A DP release: values with accuracy, what it cost, and where the ledger recorded it."""

    values: tuple[ReleasedValue, ...] = ()
    replayed: bool = False
    entry_id: int | None = None

    @property
    def value(self) -> float | None:
        """The single released number of a one-statistic, ungrouped query."""
        if len(self.values) != 1:
            raise ValueError(
                f"this release holds {len(self.values)} values; use .values or .to_pandas()"
            )
        return self.values[0].value

    @property
    def interval(self) -> tuple[float | None, float | None]:
        if len(self.values) != 1:
            raise ValueError("this release holds several values; read .values[i].low/.high")
        return (self.values[0].low, self.values[0].high)

    def to_pandas(self) -> Any:
        """One row per released value: group columns, statistic, value, ±, interval, ε."""
        import pandas as pd

        eps = self.epsilon_split
        records = []
        for item in self.values:
            record: dict[str, Any] = dict(zip(self.group_by, item.group, strict=True))
            record.update(
                statistic=item.statistic, value=item.value, plus_minus=item.plus_minus,
                low=item.low, high=item.high, epsilon=eps.get(item.statistic),
            )  # fmt: skip
            records.append(record)
        return pd.DataFrame.from_records(records)

    def __str__(self) -> str:
        eps, num = self.epsilon_split, format_number
        rows = [
            [*item.group, item.statistic, num(item.value), num(item.plus_minus),
             f"[{num(item.low)}, {num(item.high)}]", f"{eps.get(item.statistic, 0):.4g}"]
            for item in self.values
        ]  # fmt: skip
        confidence = f"{(1 - self.alpha) * 100:g}%"
        headers = [*self.group_by, "statistic", "value", "±", f"{confidence} interval", "ε"]
        state = "replayed, nothing spent" if self.replayed else f"spent ε {self.epsilon:g}"
        if self.delta:
            state += f", δ {self.delta:g}"
        left = (
            f"; ε left {self.budget_epsilon_remaining:.4g}"
            if self.budget_epsilon_remaining is not None
            else ""
        )
        foot = f"{state} from '{self.budget}' (entry {self.entry_id}{left}); {self.mechanism}"
        table = tabulate(rows, headers=headers, tablefmt="simple")
        notes = "".join(f"\n{note}" for note in accuracy_notes(self))
        return table + "\n" + foot + notes + self._threshold_note()

    def _repr_html_(self) -> str:
        """The release as a notebook table: values, ±, intervals, cost, budget left, replay."""
        from jupyter_privacy.core.queries.html import release_html  # html imports this module

        return release_html(self)

    # IPython takes a class's own dataclass __repr__ before an inherited _repr_pretty_
    _repr_pretty_ = QueryPreview._repr_pretty_


def format_number(value: float | None) -> str:
    """Six significant digits; "-" for a value OpenDP does not give (a quantile's interval)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.6g}"


def noise_scales(stat: Statistic) -> str:
    """One scale, or each component's with its label (a mean: "sum 3.3e+04; count 13.3")."""
    if len(stat.components) == 1:
        return format_number(stat.components[0].scale)
    return "; ".join(f"{c.label} {format_number(c.scale)}" for c in stat.components)


def accuracy_notes(query: QueryPreview) -> list[str]:
    """One line per mean or quantile saying where its ± comes from, or what to add for one. A
    release's mean needs none: its interval comes from its own noisy count."""
    per = f" per {', '.join(query.group_by)}" if query.group_by else ""
    notes = []
    for stat in query.statistics:
        if stat.aggregate == "mean" and not isinstance(query, QueryRelease):
            if stat.mean_accuracy is not None:
                notes.append(
                    f"{stat.name}: ± planned for {query.expected_rows:,} rows{per} (a public "
                    "estimate; worst case over the bounds, sum and count each at α/2); a "
                    "release's interval comes from its own noisy count"
                )
            elif query.expected_rows is not None:
                notes.append(
                    f"{stat.name}: no ± at this ε: the count's ± reaches the "
                    f"{query.expected_rows:,} rows expected{per}; raise ε"
                )
            else:
                notes.append(
                    f"{stat.name}: its ± depends on how many rows it averages; add "
                    f"expected_rows=N (--rows N), a public row count{per}, for a ± on the mean"
                )
        elif stat.aggregate == "quantile":
            notes.append(f"{stat.name}: no ±: OpenDP states no accuracy for the exponential "
                         "mechanism behind quantiles")  # fmt: skip
    return notes
