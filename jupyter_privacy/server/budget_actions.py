"""Request bodies of the budget actions (create, raise) checked field by field before the ledger
sees them: unknown fields and wrong types are refused with a sentence that names the field. The
ledger API checks the values themselves (ε > 0, δ in [0, 1), a raise only goes up, …)."""

from __future__ import annotations

from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError

MAX_TEXT = 2000
CREATE_FIELDS = {
    "name": str, "epsilon": float, "delta": float, "privacy_unit": str, "max_contributions": int,
    "composition": str, "notes": str,
}  # fmt: skip
RAISE_FIELDS = {"epsilon": float, "delta": float, "reason": str}


def _checked(
    body: dict[str, Any], fields: dict[str, type], required: tuple[str, ...]
) -> dict[str, Any]:
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise InvalidParameterError(
            f"unknown field(s) {', '.join(unknown)}; the body takes {', '.join(fields)}",
            parameter=unknown[0],
        )
    missing = [name for name in required if body.get(name) in (None, "")]
    if missing:
        raise InvalidParameterError(f"give {' and '.join(missing)}", parameter=missing[0])
    options: dict[str, Any] = {}
    for name, value in body.items():
        if value is None:
            continue
        kind = fields[name]
        if kind is str:
            if not isinstance(value, str):
                raise InvalidParameterError(f"{name} must be text", parameter=name)
            if len(value) > MAX_TEXT:
                raise InvalidParameterError(
                    f"{name} is longer than {MAX_TEXT} characters", parameter=name
                )
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidParameterError(
                f"{name} must be a number, got {type(value).__name__} {value!r}", parameter=name
            )
        options[name] = value
    return options


def create_options(body: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for `Ledger.create_budget` from a POST budgets body."""
    options = _checked(body, CREATE_FIELDS, ("name", "epsilon"))
    options["name"] = options["name"].strip()
    return options


def raise_options(body: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for `Ledger.raise_budget` from a POST budgets/<name>/raise body."""
    options = _checked(body, RAISE_FIELDS, ("reason",))
    if "epsilon" not in options and "delta" not in options:
        raise InvalidParameterError("give the new total epsilon and/or delta", parameter="epsilon")
    return options
