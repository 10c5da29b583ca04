"""Parameter checks shared by the ledger, queries and accounting, so every entry point rejects the same
bad values with the same words."""

from __future__ import annotations

import math
import re
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


def _as_float(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            return float(str(value).strip()) if isinstance(value, str) else _raise_type(value, name)
        except ValueError:
            raise InvalidParameterError(
                f"{name} must be a number, got {value!r}", parameter=name
            ) from None
    return float(value)


def _raise_type(value: Any, name: str) -> float:
    raise InvalidParameterError(
        f"{name} must be a number, got {type(value).__name__} {value!r}", parameter=name
    )


def check_epsilon(value: Any, name: str = "epsilon") -> float:
    """ε must be a finite number > 0."""
    eps = _as_float(value, name)
    if math.isnan(eps) or math.isinf(eps):
        raise InvalidParameterError(
            f"{name} must be a finite number > 0, got {value!r}", parameter=name
        )
    if eps <= 0:
        raise InvalidParameterError(
            f"{name} must be > 0, got {eps!r}; use a positive value such as 1.0", parameter=name
        )
    return eps


def check_delta(value: Any, name: str = "delta") -> float:
    """δ must be finite, ≥ 0 and < 1 (0 means pure ε-DP)."""
    delta = _as_float(value, name)
    if math.isnan(delta) or math.isinf(delta):
        raise InvalidParameterError(
            f"{name} must be a finite number in [0, 1), got {value!r}", parameter=name
        )
    if delta < 0 or delta >= 1:
        raise InvalidParameterError(
            f"{name} must be in [0, 1), got {delta!r}; typical values are 0 or 1e-6",
            parameter=name,
        )
    return delta


def check_rho(value: Any, name: str = "rho") -> float:
    """zCDP ρ must be a finite number > 0."""
    return check_epsilon(value, name)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be a whole number ≥ 1, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value.strip()):  # ASCII digits
        value = int(value.strip())
    if not isinstance(value, int) or value < 1:
        raise InvalidParameterError(
            f"{name} must be a whole number ≥ 1, got {_short(value)}", parameter=name
        )
    return value


def check_budget_name(value: Any) -> str:
    """Budget names are short identifiers so they work unquoted in the CLI and magics."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(
            "budget name must be a non-empty string such as 'census-2026'", parameter="name"
        )
    name = value.strip()
    if not _NAME_PATTERN.match(name):
        raise InvalidParameterError(
            f"budget name {value!r} is not allowed: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            parameter="name",
        )
    return name


def budget_create_hint(name: str) -> str:
    """The command that creates budget `name`, or, when `name` would be refused, what a name
    must look like: an error never suggests a command that fails."""
    try:
        valid = check_budget_name(name)
    except InvalidParameterError:
        return (
            "budget names use 1-128 letters, digits, '.', '_' or '-', starting with a letter or "
            "digit; create one with jupyter privacy budget create NAME --epsilon <total>"
        )
    return f"create it with jupyter privacy budget create {valid} --epsilon <total>"
