"""Stored rows → records, checking every field on the way: a value edited into a shape the kit never
writes ('abc' for an ε, '{' for JSON, bytes for a date) becomes a LedgerIntegrityError that names the
row and the fields, never a crash deep in a caller (decimal.InvalidOperation, JSONDecodeError).

`verify()` uses the same checks (`malformed_fields`) to report each such field as an edit.
"""

from __future__ import annotations

import decimal
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, LedgerIntegrityError
from jupyter_privacy.core.ledger.composition import Usage, composition_rule, dec
from jupyter_privacy.core.ledger.models import Budget, Release
from jupyter_privacy.core.ledger.totals import parse_totals


class _Malformed(Exception):
    """A stored value of a shape the kit never writes."""


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Malformed
    return int(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _Malformed
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Malformed
    return value


def _decimal_text(value: Any) -> str:
    try:
        if dec(_text(value)).is_finite():
            return str(value)
    except (decimal.InvalidOperation, ValueError):
        pass
    raise _Malformed


def _json(value: Any) -> Any:
    try:
        return json.loads(_text(value))
    except ValueError:
        raise _Malformed from None


def _json_object(value: Any) -> dict[str, Any]:
    parsed = _json(value)
    if not isinstance(parsed, dict):
        raise _Malformed
    return parsed


def _totals(value: Any) -> dict[str, Any]:
    totals = parse_totals(value)
    if totals is None:
        raise _Malformed
    return json.loads(value)  # type: ignore[no-any-return]


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else check(value)


Checks = Mapping[str, Callable[[Any], Any]]

ENTRY_CHECKS: Checks = {
    "id": _int, "budget_id": _int, "kind": _text, "epsilon": _number, "delta": _number,
    "rho": _optional(_number), "mechanism": _text, "description": _text, "actor": _text,
    "origin": _text, "created_at": _text, "value_json": _json, "details_json": _json_object,
    "replay_key": _optional(_text), "prev_hash": _text, "hash": _text,
    "totals_json": _optional(_totals),
}  # fmt: skip
BUDGET_CHECKS: Checks = {
    "id": _int, "name": _text, "composition": _text, "epsilon_total": _number,
    "delta_total": _number, "privacy_unit": _text, "max_contributions": _int, "notes": _text,
    "created_at": _text, "created_by": _text, "epsilon_spent": _decimal_text,
    "delta_spent": _decimal_text, "rho_spent": _decimal_text, "release_count": _int,
    "last_release_at": _optional(_text),
}  # fmt: skip


def malformed_fields(row: Any, checks: Checks) -> list[str]:
    """Names of the row's fields whose stored value fails its check."""
    mapping = row._mapping if hasattr(row, "_mapping") else row
    bad = []
    for name, check in checks.items():
        if name not in mapping:
            continue  # a schema-1 row has no totals_json
        try:
            check(mapping[name])
        except _Malformed:
            bad.append(name)
    return bad


def _decoded(row: Any, checks: Checks, what: str) -> dict[str, Any]:
    mapping = row._mapping
    values: dict[str, Any] = {}
    bad = []
    for name, check in checks.items():
        if name not in mapping:
            continue
        try:
            values[name] = check(mapping[name])
        except _Malformed:
            bad.append(name)
    if bad:
        raise LedgerIntegrityError(
            f"{what} holds a malformed {', '.join(bad)} (edited outside jupyter-privacy); run "
            "`jupyter privacy ledger verify` to list every problem, then restore a backup",
            fields=bad,
        )
    return values


def entry_values(row: Any) -> dict[str, Any]:
    """An entry's fields, checked, with value/details/totals parsed from their JSON."""
    entry_id = row._mapping.get("id")
    where = f"entry {entry_id}" if isinstance(entry_id, int) else "an entry"
    return _decoded(row, ENTRY_CHECKS, f"{where} of the ledger")


def usage_of(values: Mapping[str, Any]) -> Usage:
    return Usage(
        epsilon=dec(values["epsilon_spent"]),
        delta=dec(values["delta_spent"]),
        rho=dec(values["rho_spent"]),
    )


def budget_from_row(row: Any) -> Budget:
    """A budgets row with its spent ε/δ worked out by the budget's composition rule."""
    name = row._mapping.get("name")
    what = f"budget '{name}'" if isinstance(name, str) else "a budget row"
    values = _decoded(row, BUDGET_CHECKS, what)
    try:
        rule = composition_rule(values["composition"])
    except InvalidParameterError as error:
        raise LedgerIntegrityError(
            f"{what} holds an unknown composition rule (edited outside jupyter-privacy); run "
            "`jupyter privacy ledger verify` to list every problem, then restore a backup"
        ) from error
    totals = (values["epsilon_total"], values["delta_total"])
    eps_spent, delta_spent = rule.spent(totals, usage_of(values))
    return Budget(
        name=values["name"], epsilon_total=values["epsilon_total"],
        delta_total=values["delta_total"], composition=values["composition"],
        privacy_unit=values["privacy_unit"], max_contributions=values["max_contributions"],
        notes=values["notes"], created_at=values["created_at"], created_by=values["created_by"],
        epsilon_spent=eps_spent, delta_spent=delta_spent,
        rho_spent=float(dec(values["rho_spent"])), release_count=values["release_count"],
        last_release_at=values["last_release_at"],
    )  # fmt: skip


def release_from_row(row: Any, budget_name: str) -> Release:
    values = entry_values(row)
    return Release(
        id=values["id"], budget=budget_name, epsilon=values["epsilon"], delta=values["delta"],
        rho=values["rho"], mechanism=values["mechanism"], description=values["description"],
        actor=values["actor"], origin=values["origin"], created_at=values["created_at"],
        value=values["value_json"], details=values["details_json"],
        replay_key=values["replay_key"],
    )  # fmt: skip


def entry_dict(row: Any) -> dict[str, Any]:
    """Every stored field of an entry, JSON fields parsed (`value`, `details`, `totals`)."""
    values = entry_values(row)
    values["value"] = values.pop("value_json")
    values["details"] = values.pop("details_json")
    values["totals"] = values.pop("totals_json", None)
    return values
