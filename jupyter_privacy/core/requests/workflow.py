"""The steps of a request (PySyft's words): a scientist submits code with its plan, the data owner
approves or denies it with a reason, the owner's runner runs it (runner.py), and the scientist
reads the results, which are the run's DP releases and nothing else.

Every step is a hash-chained ledger event tied to the dataset's budget, with its actor. Event
details hold ids, digests, the plan, reasons and (for a submission) the code, never a data value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, Release
from jupyter_privacy.core.ledger.provenance import current_actor
from jupyter_privacy.core.requests.code import FUNCTION, load_code
from jupyter_privacy.core.requests.data import call_entry, mock_data
from jupyter_privacy.core.requests.datasets import get_dataset
from jupyter_privacy.core.requests.errors import RequestStateError
from jupyter_privacy.core.requests.guard import PlanGuard
from jupyter_privacy.core.requests.plan import Plan, Query, plan_digest
from jupyter_privacy.core.requests.records import (
    APPROVED,
    DENIED,
    SUBMITTED,
    RequestRecord,
    get_request,
)
from jupyter_privacy.core.requests.review import run_checks

MAX_TEXT = 2000


def _text(value: Any, name: str) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > MAX_TEXT:
        raise InvalidParameterError(f"{name} is longer than {MAX_TEXT} characters", parameter=name)
    return text


def submit_request(
    ledger: Ledger, code: Any, *, dataset: str, plan: Any, title: str = "",
    description: str = "", entry_point: str | None = None, actor: str | None = None,
) -> RequestRecord:  # fmt: skip
    """Submit `code` (a function, its source, or a .py/.ipynb path) to run on `dataset`'s private
    data, releasing exactly `plan` (a list of `Query`, `DpSgdTraining`, `FederatedTraining`)."""
    target = get_dataset(ledger, dataset)
    checked_plan = Plan.of(plan)
    stored = load_code(code, entry_point)
    for item in checked_plan.items:  # a query the mock's declarations cannot answer fails now
        if isinstance(item, Query):
            target.mock_table(ledger).preview(item.query, item.epsilon, delta=item.delta)
    title = _text(title, "title") or f"{stored.entry_point or 'notebook'} on {target.name}"
    details = {
        "dataset": target.name, "dataset_event": target.event_id, "budget": target.budget,
        "title": title, "description": _text(description, "description"),
        "code_kind": stored.kind, "entry_point": stored.entry_point, "code": stored.text,
        "code_sha256": stored.sha256, "plan": checked_plan.to_list(),
        "plan_sha256": plan_digest(checked_plan), "planned_epsilon": checked_plan.epsilon,
        "planned_delta": checked_plan.delta,
    }  # fmt: skip
    event = ledger.record_event(SUBMITTED, budget=target.budget, description=f"request: {title}",
                                details=details, actor=actor)  # fmt: skip
    return get_request(ledger, event.id)


def approve_request(ledger: Ledger, request_id: Any, *, reason: str = "",
                    actor: str | None = None, origin: str | None = None) -> RequestRecord:  # fmt: skip
    """Approve a pending request: its code (by SHA-256) and plan may then run once."""
    record = get_request(ledger, request_id)
    if record.status != "pending":
        raise RequestStateError(f"request {record.id} is {record.status}; only a pending request "
                                "can be approved", request=record.id, status=record.status)  # fmt: skip
    actor = actor or current_actor()
    if actor == record.scientist:
        raise RequestStateError(
            f"request {record.id} was submitted by {actor}; someone else (the data owner) must "
            "approve it", request=record.id,
        )  # fmt: skip
    blocking = [f.text for f in run_checks(ledger, record) if f.level == "block"]
    if blocking:
        raise RequestStateError(f"request {record.id} cannot be approved: " + "; ".join(blocking),
                                request=record.id)  # fmt: skip
    ledger.record_event(
        APPROVED, budget=record.budget, actor=actor, origin=origin,
        description=f"request {record.id} approved" + (f": {_text(reason, 'reason')}" if reason else ""),
        details={"request": record.id, "reason": _text(reason, "reason"),
                 "code_sha256": record.code.sha256, "plan_sha256": plan_digest(record.plan),
                 "planned_epsilon": record.plan.epsilon, "planned_delta": record.plan.delta},
    )  # fmt: skip
    return get_request(ledger, record.id)


def deny_request(ledger: Ledger, request_id: Any, *, reason: str, actor: str | None = None,
                 origin: str | None = None) -> RequestRecord:  # fmt: skip
    """Deny a pending request, or withdraw an approval before the run starts; nothing is spent."""
    reason = _text(reason, "reason")
    if not reason:
        raise InvalidParameterError("denying a request needs a reason the scientist can act on",
                                    parameter="reason")  # fmt: skip
    record = get_request(ledger, request_id)
    if record.status not in ("pending", "approved"):
        raise RequestStateError(f"request {record.id} is {record.status}; only a pending or "
                                "approved request can be denied", request=record.id,
                                status=record.status)  # fmt: skip
    ledger.record_event(
        DENIED, budget=record.budget, actor=actor, origin=origin,
        description=f"request {record.id} denied: {reason}",
        details={"request": record.id, "reason": reason, "code_sha256": record.code.sha256},
    )  # fmt: skip
    return get_request(ledger, record.id)


@dataclass
class MockRun:
    """A request tried on the mock: everything is public, so everything comes back."""

    value: Any
    releases: list[Release] = field(default_factory=list)


def try_on_mock(ledger: Ledger, code: Any, *, dataset: str, plan: Any = None,
                entry_point: str | None = None) -> MockRun:  # fmt: skip
    """Run a function request on the mock in this process, against a scratch copy of the budget.

    With `plan`, the same guard as on the owner's side refuses releases outside it, so a plan
    mismatch shows here rather than after approval.
    """
    stored = load_code(code, entry_point)
    if stored.kind != FUNCTION:
        raise InvalidParameterError(
            "a notebook request is tried by running it: in it, request_data('<dataset>') gives "
            "the mock"
        )
    data = mock_data(ledger, dataset)
    guard = None
    if plan is not None:
        guard = PlanGuard(data.ledger, Plan.of(plan), budget=data.budget, origin="mock")
    value = call_entry(stored.text, stored.entry_point, data)
    releases = guard.releases if guard else data.ledger.history(data.budget)
    return MockRun(value, list(releases))
