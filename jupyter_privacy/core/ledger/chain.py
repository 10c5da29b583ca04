"""Canonical encoding and hashing of ledger entries: the same bytes on every backend and platform."""

from __future__ import annotations

import datetime as _dt
import decimal
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

_HASHED_FIELDS = (
    "id", "budget_id", "kind", "epsilon", "delta", "rho", "mechanism", "description", "actor",
    "origin", "created_at", "value_json", "details_json", "replay_key", "prev_hash",
)  # fmt: skip

# Built once: `json.dumps` with options builds a new encoder on every call (twice per spend each).
_HASH_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_VALUE_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False)


def entry_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over the entry's fields and the previous entry's hash (so order and deletions show).

    An entry carrying its budget's running totals (schema 2) hashes them too; one without
    (written before the upgrade, or a ledger-wide event) hashes exactly as schema 1 did, so the
    upgrade leaves every old hash valid. Raises ValueError or TypeError for a value no entry
    written by the kit can hold (bytes, NaN): callers report that entry as edited.
    """
    payload = [row[name] for name in _HASHED_FIELDS]
    totals = row.get("totals_json")
    if totals is not None:
        payload.append(totals)
    return hashlib.sha256(_HASH_ENCODER.encode(payload).encode("utf-8")).hexdigest()


def hash_matches(row: Mapping[str, Any]) -> bool:
    """Whether the stored hash is the hash of the entry's fields (False for malformed values)."""
    try:
        return bool(entry_hash(row) == row["hash"])
    except (TypeError, ValueError):
        return False


def to_jsonable(value: Any) -> Any:
    """Released values come from pandas, polars, numpy or OpenDP: turn them into plain JSON types.

    NaN and infinities become None, since strict JSON has no spelling for them.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return to_jsonable(float(value))
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return to_jsonable(value.to_dict())
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy arrays and scalars
        return to_jsonable(value.tolist())
    if hasattr(value, "item") and callable(value.item):
        return to_jsonable(value.item())
    raise TypeError(f"cannot store a {type(value).__name__} in the ledger as JSON")


def dumps(value: Any) -> str:
    return encode(to_jsonable(value))


def encode(plain: Any) -> str:
    """Canonical JSON of a value already made plain by `to_jsonable`."""
    return _VALUE_ENCODER.encode(plain)


def utc_now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")


def loads(text: str) -> Any:
    return json.loads(text)
