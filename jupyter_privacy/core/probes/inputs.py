"""Per-example losses in, checked arrays out: validation, probability→loss, and model adapters.

A probe works on any callable that returns per-example losses (lower = better fit) or the
probability of the true label; a Keras model is adapted in keras.py, scikit-learn classifiers here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from jupyter_privacy.core.data_errors import data_error
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.probes.metrics import FloatArray

ScoreKind = Literal["loss", "probability", "score"]
SCORE_KINDS: tuple[str, ...] = ("loss", "probability", "score")
LossFunction = Callable[[Any, Any], Any]

_MIN_PROBABILITY = 1e-12


def check_kind(kind: str) -> ScoreKind:
    if kind not in SCORE_KINDS:
        raise InvalidParameterError(
            f"unknown score kind {kind!r}; use one of {', '.join(SCORE_KINDS)}", parameter="kind"
        )
    return kind  # type: ignore[return-value]


def as_values(values: Any, name: str) -> FloatArray:
    """A non-empty 1-D array of finite floats, or an error naming the first bad entry."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"{name} must be numbers (one per example), got {type(values).__name__}",
            parameter=name,
        ) from None
    if array.ndim != 1:
        raise InvalidParameterError(
            f"{name} must be one number per example (a 1-D array), got shape {array.shape}; "
            "pass per-example losses, not a batch mean or a matrix",
            parameter=name,
        )
    if array.size == 0:
        raise InvalidParameterError(f"{name} is empty: a probe needs at least one example",
                                    parameter=name)  # fmt: skip
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise InvalidParameterError(
            f"{name} has {bad.size} NaN or infinite value(s), the first at index {bad[0]} "
            f"({array[bad[0]]}); fix the loss computation (clip probabilities) before probing",
            parameter=name,
        )
    return array


def to_attack_scores(values: Any, kind: str, name: str) -> FloatArray:
    """Turn losses / probabilities / scores into scores where higher means 'member'."""
    array = as_values(values, name)
    kind = check_kind(kind)
    if kind == "probability":
        if np.any((array < 0) | (array > 1)):
            raise InvalidParameterError(
                f"{name}: probabilities must be in [0, 1]; pass --kind loss for losses",
                parameter=name,
            )
        return np.log(np.clip(array, _MIN_PROBABILITY, 1.0))
    if kind == "loss":
        if np.any(array < 0):
            raise InvalidParameterError(
                f"{name}: cross-entropy losses are ≥ 0, got {array.min()}; "
                "pass --kind score for signed scores",
                parameter=name,
            )
        return -array
    return array


def check_pair(members: Any, non_members: Any, kind: str) -> tuple[FloatArray, FloatArray]:
    return (
        to_attack_scores(members, kind, "member values"),
        to_attack_scores(non_members, kind, "non-member values"),
    )


def as_reference_losses(values: Any, n_examples: int, name: str) -> FloatArray:
    """Reference losses, shape (models, examples): one row per reference model."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != n_examples:
        raise InvalidParameterError(
            f"{name} must have shape (reference models, {n_examples}) to match its targets, "
            f"got {array.shape}",
            parameter=name,
        )
    for row in array:
        as_values(row, name)
    if np.any(array < 0):
        raise InvalidParameterError(f"{name}: losses must be ≥ 0", parameter=name)
    return array


def probability_losses(predict_proba: Callable[[Any], Any]) -> LossFunction:
    """Adapter: a `predict_proba(x)` (e.g. scikit-learn's) → per-example cross-entropy losses."""

    def losses(x: Any, y: Any) -> FloatArray:
        probabilities = np.asarray(predict_proba(x), dtype=np.float64)
        labels = np.asarray(y).astype(int)
        if probabilities.ndim != 2 or probabilities.shape[0] != labels.shape[0]:
            raise InvalidParameterError(
                f"predict_proba returned shape {probabilities.shape} for {labels.shape[0]} "
                "labels; expected (examples, classes)"
            )
        true_class = probabilities[np.arange(labels.shape[0]), labels]
        losses: FloatArray = -np.log(np.clip(true_class, _MIN_PROBABILITY, 1.0))
        return losses

    return losses


def losses_of(model: LossFunction, x: Any, y: Any, name: str) -> FloatArray:
    """Call a loss function and check it gave one finite, non-negative loss per example."""
    values = as_values(model(x, y), name)
    expected = len(y)
    if values.shape[0] != expected:
        raise InvalidParameterError(
            f"{name}: the model returned {values.shape[0]} losses for {expected} examples; "
            "it must return one loss per example (reduction='none')",
            parameter=name,
        )
    return values


def load_pair(
    members_path: str | Path, non_members_path: str | Path, kind: str | None = None
) -> tuple[FloatArray, FloatArray, ScoreKind]:
    """Load both sets; a JSON file may declare its kind, and the two kinds must agree."""
    members, member_kind = load_values(members_path)
    non_members, non_member_kind = load_values(non_members_path)
    declared = {k for k in (member_kind, non_member_kind) if k is not None}
    if len(declared) > 1:
        raise InvalidParameterError(
            f"{members_path} holds {member_kind} values but {non_members_path} holds "
            f"{non_member_kind} values; save both sets the same way"
        )
    if kind is not None and declared and kind not in declared:
        raise InvalidParameterError(f"--kind {kind} contradicts the files' kind {declared.pop()}")
    chosen = check_kind(kind or (declared.pop() if declared else "loss"))
    return members, non_members, chosen


def load_values(path: str | Path, column: str | None = None) -> tuple[FloatArray, str | None]:
    """Read saved per-example values and their declared kind (JSON `{"kind", "values"}` only).

    Formats: .npy; .json (a list, or an object with "values" and "kind"); .csv/.txt (one column,
    or the column named `column`, or "loss").
    """
    file = Path(path)
    if not file.is_file():
        raise InvalidParameterError(f"file not found: {file}", parameter="path")
    suffix = file.suffix.lower()
    try:
        if suffix == ".npy":
            return as_values(np.load(file, allow_pickle=False), str(file)), None
        if suffix == ".json":
            data = json.loads(file.read_text())
            if isinstance(data, dict):
                kind = check_kind(str(data.get("kind", "loss")))
                return as_values(data.get("values", []), str(file)), kind
            return as_values(data, str(file)), None
        return as_values(_read_table(file, column), str(file)), None
    except OSError as error:
        raise InvalidParameterError(
            f"cannot read {file}: {error.strerror}", parameter="path"
        ) from None
    except ValueError as error:  # numpy/json/float() quote the text they cannot read
        if isinstance(error, InvalidParameterError):
            raise
        failure = data_error(error, doing=f"reading {file}", hint="save one number per example")
        raise failure from None


def _read_table(file: Path, column: str | None) -> Sequence[float]:
    import csv

    with file.open(newline="") as handle:
        rows = [row for row in csv.reader(handle) if row and row[0].strip()]
    if not rows:
        return []
    header = rows[0]
    has_header = any(not _is_number(cell) for cell in header)
    if has_header:
        wanted = column or ("loss" if "loss" in header else header[0])
        if wanted not in header:
            raise InvalidParameterError(f"{file}: no column {wanted!r}; columns: {header}")
        index, rows = header.index(wanted), rows[1:]
    elif len(header) != 1 and column is None:
        raise InvalidParameterError(f"{file}: several columns and no header; save one column")
    else:
        index = 0
    return [float(row[index]) for row in rows]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_reference_losses(path: str | Path) -> Any:
    """Reference losses saved as a (models, examples) matrix: .npy or .json (list of lists)."""
    file = Path(path)
    if not file.is_file():
        raise InvalidParameterError(f"file not found: {file}", parameter="path")
    try:
        if file.suffix.lower() == ".npy":
            return np.load(file, allow_pickle=False)
        return np.asarray(json.loads(file.read_text()), dtype=np.float64)
    except (OSError, ValueError) as error:
        failure = data_error(error, doing=f"reading reference losses from {file}",
                             hint="save a .npy or a JSON list of lists")  # fmt: skip
        raise failure from None
