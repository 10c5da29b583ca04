"""A fingerprint of the training data, recorded with the release so an auditor can tell which data a
model's ε refers to (and a retraining on the same data shows up as such).

Keyed under the ledger's secret (core/ledger/secret.py): an unkeyed hash of the data would let a
reader who knows all rows but one test guesses for the last one. It is also where training input
first becomes arrays: input that is not numeric is refused here, by column name and type, before
numpy or TensorFlow can quote one of its values in an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jupyter_privacy.core.data_errors import private_data
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger.secret import DataKey

_NAMES = ("x", "y")


def data_fingerprint(*arrays: Any, key: DataKey) -> str:
    """`hmac-sha256:<hex>` over each array's dtype, shape and bytes (order matters)."""
    mac = key.mac()
    for position, array in enumerate(arrays):
        values = numeric_array(array, _NAMES[position] if position < len(_NAMES) else "data")
        mac.update(f"{values.dtype.str}|{values.shape}|".encode())
        mac.update(values.data if values.size else b"")
    return key.finish(mac)


def numeric_array(array: Any, name: str) -> np.ndarray[Any, Any]:
    """`array` as a contiguous numeric numpy array, or an error naming only its column and type."""
    columns = [str(c) for c in getattr(array, "columns", [])]
    with private_data(f"converting {name} to an array", columns):
        values = np.ascontiguousarray(np.asarray(array))
    if values.dtype.kind not in "biuf":  # strings, objects, dates: Keras would fail on a value
        dtypes: Any = getattr(array, "dtypes", None)
        items = dtypes.items() if hasattr(dtypes, "items") else []
        bad = [str(c) for c, t in items if getattr(t, "kind", "O") not in "biuf"]
        where = f"column {bad[0]!r} of {name}" if bad else name
        raise InvalidParameterError(
            f"{where} is not numeric ({values.dtype.name}); convert every feature and label to "
            "numbers (e.g. encode categories) before training",
            **({"column": bad[0]} if bad else {}),
        )
    return values


def check_class_labels(y: Any, classes: int, name: str = "y") -> None:
    """Sparse class indices must be whole numbers in [0, classes): TensorFlow's own error (and its
    C++ log line) would list the offending labels; this one gives the first bad row only."""
    labels = numeric_array(y, name).reshape(-1)
    bad = ~np.isfinite(labels) | (labels < 0) | (labels >= classes) | (labels != np.round(labels))
    if bad.any():
        row = int(np.argmax(bad)) + 1
        raise InvalidParameterError(
            f"{name} data row {row} is not a class index in [0, {classes}) (the model has "
            f"{classes} outputs; the value is not shown); fix the labels or the output layer",
            row=row,
        )
