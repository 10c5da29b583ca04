"""A fingerprint of the training data, recorded with the release so an auditor can tell which data a
model's ε refers to (and a retraining on the same data shows up as such)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np


def data_fingerprint(*arrays: Any) -> str:
    """`sha256:<hex>` over each array's dtype, shape and bytes (order matters)."""
    digest = hashlib.sha256()
    for array in arrays:
        values = np.ascontiguousarray(np.asarray(array))
        digest.update(f"{values.dtype.str}|{values.shape}|".encode())
        digest.update(values.tobytes())
    return f"sha256:{digest.hexdigest()}"
