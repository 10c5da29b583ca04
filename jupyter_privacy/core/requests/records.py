"""Requests as the ledger's events tell them: no other store, so the state of a request is exactly
what the hash chain says, on every machine that reads the same ledger (a team's PostgreSQL).

A request's id is the ledger entry id of its `request.submitted` event, which holds the whole
submission (code, plan, dataset version). Later events name it in `details["request"]`:

    request.submitted → request.approved | request.denied → request.started → request.ran

Conservative folding when people act at the same time: a denial wins over any approval (an
approval is void once anyone denied), decisions recorded after a run started are ignored, and only
the first `request.started` counts (the runner that recorded a later one stops without running).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jupyter_privacy.core.ledger import Event, Ledger
from jupyter_privacy.core.requests.code import NOTEBOOK, Code, notebook_source
from jupyter_privacy.core.requests.errors import UnknownRequestError
from jupyter_privacy.core.requests.plan import Plan

SUBMITTED, APPROVED, DENIED = "request.submitted", "request.approved", "request.denied"
STARTED, RAN = "request.started", "request.ran"


@dataclass(frozen=True)
class Decision:
    approved: bool
    actor: str
    reason: str
    at: str
    event_id: int
    code_sha256: str = ""


@dataclass(frozen=True)
class RunRecord:
    started_event: int
    started_at: str
    actor: str
    outcome: str | None = None  # completed | failed | timed out | refused; None while running
    releases: tuple[int, ...] = ()
    epsilon: float = 0.0
    delta: float = 0.0
    finished_at: str | None = None


@dataclass(frozen=True)
class RequestRecord:
    id: int
    dataset: str
    dataset_event: int
    budget: str
    title: str
    description: str
    scientist: str
    submitted_at: str
    code: Code
    plan: Plan
    decision: Decision | None = None
    run: RunRecord | None = None
    timeline: tuple[Event, ...] = field(default=(), repr=False)

    @property
    def status(self) -> str:
        if self.run is not None:
            return "running" if self.run.outcome is None else (
                "completed" if self.run.outcome == "completed" else "failed")  # fmt: skip
        if self.decision is not None:
            return "approved" if self.decision.approved else "denied"
        return "pending"

    @property
    def source(self) -> str:
        """The code as Python text (a notebook's code cells, joined)."""
        return notebook_source(self.code.text) if self.code.kind == NOTEBOOK else self.code.text

    def summary(self) -> dict[str, Any]:
        """Everything but the code: what lists and the sidebar show."""
        decision, run = self.decision, self.run
        return {
            "id": self.id, "dataset": self.dataset, "dataset_event": self.dataset_event,
            "budget": self.budget, "title": self.title, "description": self.description,
            "scientist": self.scientist, "submitted_at": self.submitted_at, "status": self.status,
            "code_kind": self.code.kind, "entry_point": self.code.entry_point,
            "code_sha256": self.code.sha256, "plan": self.plan.to_list(),
            "planned_epsilon": self.plan.epsilon, "planned_delta": self.plan.delta,
            "decision": None if decision is None else {
                "approved": decision.approved, "actor": decision.actor, "reason": decision.reason,
                "at": decision.at, "event_id": decision.event_id},
            "run": None if run is None else {
                "outcome": run.outcome, "actor": run.actor, "started_at": run.started_at,
                "finished_at": run.finished_at, "releases": list(run.releases),
                "epsilon": run.epsilon, "delta": run.delta},
        }  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "code": self.code.text,
                "timeline": [_timeline_entry(e) for e in self.timeline]}  # fmt: skip


def _timeline_entry(event: Event) -> dict[str, Any]:
    """An event without the bulky code: who did what, when, and why."""
    details = {k: v for k, v in event.details.items() if k not in ("code", "plan")}
    return {"id": event.id, "event": event.event, "actor": event.actor, "at": event.created_at,
            "origin": event.origin, "description": event.description, "details": details}  # fmt: skip


def _submitted(event: Event) -> RequestRecord:
    d = event.details
    return RequestRecord(
        id=event.id, dataset=d["dataset"], dataset_event=int(d["dataset_event"]), budget=d["budget"],
        title=d.get("title", ""), description=d.get("description", ""), scientist=event.actor,
        submitted_at=event.created_at, code=Code(d["code_kind"], d["code"], d.get("entry_point", "")),
        plan=Plan.of(d["plan"]), timeline=(event,),
    )  # fmt: skip


def _fold(record: RequestRecord, event: Event) -> RequestRecord:
    from dataclasses import replace

    timeline = (*record.timeline, event)
    d, run, decision = event.details, record.run, record.decision
    if event.event in (APPROVED, DENIED) and run is None:
        if decision is None or (decision.approved and event.event == DENIED):
            decision = Decision(event.event == APPROVED, event.actor, d.get("reason", ""),
                                event.created_at, event.id, d.get("code_sha256", ""))  # fmt: skip
    elif event.event == STARTED and run is None and decision is not None and decision.approved:
        run = RunRecord(event.id, event.created_at, event.actor)
    elif event.event == RAN and run is not None and d.get("run") == run.started_event:
        run = replace(
            run, outcome=str(d.get("outcome", "failed")), finished_at=event.created_at,
            releases=tuple(int(i) for i in d.get("releases", [])),
            epsilon=float(d.get("epsilon", 0.0)), delta=float(d.get("delta", 0.0)),
        )  # fmt: skip
    return replace(record, decision=decision, run=run, timeline=timeline)


def load_requests(ledger: Ledger, *, budget: str | None = None) -> list[RequestRecord]:
    """Every request of the ledger (or of one budget), oldest first, folded from its events."""
    records: dict[int, RequestRecord] = {}
    for event in reversed(ledger.event_log("request", budget=budget)):  # oldest first
        if event.event == SUBMITTED:
            records[event.id] = _submitted(event)
            continue
        target = event.details.get("request")
        if isinstance(target, int) and target in records:
            records[target] = _fold(records[target], event)
    return list(records.values())


def get_request(ledger: Ledger, request_id: Any) -> RequestRecord:
    try:
        wanted = int(request_id)
    except (TypeError, ValueError):
        raise UnknownRequestError(f"a request id is a number, got {request_id!r}") from None
    for record in load_requests(ledger):
        if record.id == wanted:
            return record
    raise UnknownRequestError(
        f"no request {wanted} in ledger {ledger.display_url}; list them with: jupyter privacy "
        "requests list",
        request=wanted,
    )
