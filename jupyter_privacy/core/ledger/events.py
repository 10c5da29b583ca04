"""Audit events in the hash chain: what happened that spends nothing (a request submitted, approved
or denied; a policy decision that stripped a field or refused a feature).

Events share the one chain with budgets and releases, so deleting or editing one shows in
`verify()` like any other entry. An event may name a budget (it then appears in that budget's
`events()`), or belong to the ledger as a whole (budget id 0). Event details must never carry data
values: callers record names, ids, digests under the ledger's key and reasons.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger.rows import entry_values

#: The `kind` of every event entry; the event's own type is stored in the entry's `mechanism` field.
EVENT_KIND = "event"
#: Budget id of events that belong to the ledger as a whole, not to one budget.
LEDGER_WIDE = 0
_EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Event:
    """One audit event read back from the chain."""

    id: int
    event: str
    budget: str | None
    description: str
    actor: str
    origin: str
    created_at: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_event_type(event: str) -> str:
    """Event types are dotted lower-case names, area first: `request.approved`, `policy.blocked`."""
    if not isinstance(event, str) or not _EVENT_TYPE.match(event):
        raise InvalidParameterError(
            f"event type {event!r} must be a dotted lower-case name such as 'request.approved'"
        )
    return event


def check_event_details(details: dict[str, Any] | None) -> dict[str, Any]:
    if details is not None and not isinstance(details, dict):
        raise InvalidParameterError("event details must be a dict of names to JSON values")
    return dict(details or {})


def event_from_row(row: Any, budget_name: str | None) -> Event:
    values = entry_values(row)
    return Event(
        id=values["id"], event=values["mechanism"], budget=budget_name,
        description=values["description"], actor=values["actor"], origin=values["origin"],
        created_at=values["created_at"], details=values["details_json"],
    )  # fmt: skip


def event_query(entries: sa.Table, *, budget_id: int | None, prefix: str | None) -> sa.Select[Any]:
    """Events newest first, optionally of one budget and of types `prefix` or `prefix.*`."""
    query = sa.select(entries).where(entries.c.kind == EVENT_KIND)
    if budget_id is not None:
        query = query.where(entries.c.budget_id == budget_id)
    if prefix is not None:
        query = query.where(
            sa.or_(
                entries.c.mechanism == prefix,
                entries.c.mechanism.startswith(prefix + ".", autoescape=True),
            )
        )
    return query.order_by(entries.c.id.desc())
