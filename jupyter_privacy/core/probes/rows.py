"""Checked inputs of the attribute and inversion probes: row matrices, labels, sensitive columns.

Errors name shapes and counts, never a value from the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.probes.metrics import FloatArray

MIN_TARGETS = 20  # fewer people than this make every accuracy interval uninformative


@dataclass(frozen=True)
class Rows:
    """One set of people: features as the attacker sees them (all columns) and their labels."""

    x: FloatArray
    y: Any
    name: str

    def __len__(self) -> int:
        return len(self.x)


def as_rows(data: Any, name: str, *, width: int | None = None, minimum: int = 1) -> Rows:
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise InvalidParameterError(f"{name} must be a pair (x, y): features and labels")
    try:
        x = np.asarray(data[0], dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{name}: features must be numbers (encode categories "
                                    "first, e.g. one-hot)") from None  # fmt: skip
    y = np.asarray(data[1])
    if x.ndim != 2:
        raise InvalidParameterError(f"{name}: features must be a matrix (rows, columns), got "
                                    f"shape {x.shape}")  # fmt: skip
    if len(y) != len(x):
        raise InvalidParameterError(f"{name}: {len(x)} rows of features but {len(y)} labels")
    if len(x) < minimum:
        raise InvalidParameterError(f"{name}: {len(x)} rows; the probe needs at least {minimum}")
    if width is not None and x.shape[1] != width:
        raise InvalidParameterError(f"{name} has {x.shape[1]} columns, the other sets {width}; "
                                    "give every set the same columns in the same order")  # fmt: skip
    bad = int(np.sum(~np.isfinite(x)))
    if bad:
        raise InvalidParameterError(f"{name}: {bad} missing or infinite feature value(s); impute "
                                    "or drop those rows first")  # fmt: skip
    return Rows(x, y, name)


def probe_sets(
    members: Any, non_members: Any, auxiliary: Any | None
) -> tuple[Rows, Rows, Rows | None]:
    m = as_rows(members, "members", minimum=MIN_TARGETS)
    n = as_rows(non_members, "non-members", width=m.x.shape[1], minimum=MIN_TARGETS)
    a = None if auxiliary is None else as_rows(auxiliary, "auxiliary", width=m.x.shape[1],
                                               minimum=MIN_TARGETS)  # fmt: skip
    return m, n, a


@dataclass(frozen=True)
class Sensitive:
    """Where the attribute sits: one column of codes, or a run of one-hot columns (ART's slice)."""

    columns: tuple[int, ...]

    @property
    def one_hot(self) -> bool:
        return len(self.columns) > 1

    @property
    def feature(self) -> int | slice:
        """ART's attack_feature."""
        return slice(self.columns[0], self.columns[-1] + 1) if self.one_hot else self.columns[0]

    def without(self, x: FloatArray) -> FloatArray:
        """The attacker's knowledge: every column but the attribute's."""
        return np.delete(x, list(self.columns), axis=1)

    def codes(self, x: FloatArray) -> Any:
        """The attribute as one code per row (the one-hot column's index, or the column's value)."""
        if self.one_hot:
            return np.argmax(x[:, list(self.columns)], axis=1)
        return x[:, self.columns[0]]


def sensitive_columns(sensitive: int | slice | Sequence[int], width: int) -> Sensitive:
    if isinstance(sensitive, slice):
        columns = tuple(range(width))[sensitive]
    elif isinstance(sensitive, int | np.integer):
        columns = (int(sensitive),)
    else:
        columns = tuple(int(c) for c in sensitive)
    if not columns or any(not 0 <= c < width for c in columns):
        raise InvalidParameterError(f"sensitive columns {list(columns)} are not within the "
                                    f"{width} feature columns")  # fmt: skip
    if list(columns) != list(range(columns[0], columns[0] + len(columns))):
        raise InvalidParameterError("a one-hot attribute's columns must be adjacent and in order")
    return Sensitive(columns)


def check_one_hot(sensitive: Sensitive, *sets: Rows) -> None:
    """Each row must hold exactly one 1 among a one-hot attribute's columns."""
    if not sensitive.one_hot:
        return
    for rows in sets:
        block = rows.x[:, list(sensitive.columns)]
        bad = int(np.sum((block.sum(axis=1) != 1) | ~np.isin(block, (0.0, 1.0)).all(axis=1)))
        if bad:
            raise InvalidParameterError(
                f"{rows.name}: {bad} row(s) do not hold exactly one 1 in the attribute's one-hot "
                "columns; drop rows with an unknown category first"
            )


def model_reads(sensitive: Sensitive, model_width: int, width: int) -> bool:
    """Whether the model's inputs include the attribute, from the number of columns it reads."""
    if model_width == width:
        return True
    if model_width == width - len(sensitive.columns):
        return False
    raise InvalidParameterError(
        f"the model reads {model_width} columns; the rows have {width} (with the attribute) or "
        f"{width - len(sensitive.columns)} (without it)"
    )
