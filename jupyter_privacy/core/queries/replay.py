"""Replay keys: the same question on the same data from the same budget must not spend twice.

The key hashes the budget, the canonical query, every parameter that shapes the release (ε, δ,
bounds, imputation, keys, candidates, contribution and size bounds) and a fingerprint of the data.
The confidence level α is left out: it changes only the reported accuracy, recomputed on replay.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

KEY_VERSION = 1
_CHUNK = 1 << 20


def file_fingerprint(path: str | Path) -> str:
    """SHA-256 of a file's bytes (the spilled Parquet of an in-memory frame, or the user's file)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def replay_key(
    *, budget: str, query: str, epsilon: float, delta: float, parameters: dict[str, Any],
    fingerprint: str,
) -> str:  # fmt: skip
    payload = {
        "v": KEY_VERSION, "budget": budget, "query": query, "epsilon": repr(float(epsilon)),
        "delta": repr(float(delta)), "parameters": parameters, "data": fingerprint,
    }  # fmt: skip
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return "dpq1:" + hashlib.sha256(encoded.encode("utf-8")).hexdigest()
