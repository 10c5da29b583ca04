"""The high-risk lane: budgets (and the datasets behind them) marked `high_risk` spend only with a
named approver, and each such release carries a stricter audit record.

- Marking is an owner's chained `access.high_risk` event on the lane budget; a dataset is marked
  by naming the lane budget it is served from (its registration's budget when it has one).
- An approval is either a second person's `access.approved` event (`jupyter privacy budget
  approve BUDGET --spender user:bob --epsilon 0.5 --reason …`: a person other than the spender,
  an owner when the budget has owners, with an ε/δ allowance and an optional expiry date), or the
  remote-data workflow's `request.approved` event (the run's origin `request:<id>/…` names it; its
  planned ε is the allowance). `approval_scope(event_id)` picks one explicitly.
- The audit record sits in the release's own chained entry (`details["high_risk_audit"]`): who
  (actor and principals), where (origin and host), why (the approval's reason and the spend's
  description), the approval and its approver, and the SHA-256 of the code that spent.

The kit checks approvals in the client (on PostgreSQL the database checks who may spend and who
may approve; a release inserted around the kit would lack the audit record, which
`high_risk_audit` lists as unapproved).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
import linecache
import socket
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.errors import AccessDeniedError, InvalidParameterError
from jupyter_privacy.core.ledger import access
from jupyter_privacy.core.ledger.events import EVENT_KIND
from jupyter_privacy.core.ledger.provenance import current_actor, current_origin
from jupyter_privacy.core.ledger.storage import translated_errors
from jupyter_privacy.core.validation import check_delta, check_epsilon

if TYPE_CHECKING:
    from jupyter_privacy.core.ledger.events import Event
    from jupyter_privacy.core.ledger.ledger import Ledger

HIGH_RISK, APPROVED, WITHDRAWN = "access.high_risk", "access.approved", "access.approval_withdrawn"
REQUEST_APPROVED, REQUEST_DENIED = "request.approved", "request.denied"
#: Events that grant or approve: written only through the kit's owner-checked functions (and, on
#: PostgreSQL, accepted by row security only from an owner).
OWNER_EVENTS = (access.GRANTED, access.REVOKED, APPROVED, WITHDRAWN, HIGH_RISK)
AUDIT_KEY = "high_risk_audit"
_APPROVAL: contextvars.ContextVar[int | None] = contextvars.ContextVar("jp_approval", default=None)
_PACKAGE = str(Path(__file__).resolve().parents[2])
_LIBRARIES = tuple(
    {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
)

#: The columns read here, as a lightweight table: the same on every ledger schema version.
entries_table = sa.table(
    "jp_entries", *(sa.column(c) for c in ("id", "budget_id", "kind", "epsilon", "delta",
                                           "mechanism", "actor", "details_json", "created_at")),
)  # fmt: skip


@contextlib.contextmanager
def approval_scope(event_id: int) -> Iterator[None]:
    """Spends in the block use this approval (an `access.approved` or `request.approved` event)."""
    if not isinstance(event_id, int) or isinstance(event_id, bool) or event_id < 1:
        raise InvalidParameterError("approval_scope takes the approval's ledger entry id (an int)")
    token = _APPROVAL.set(event_id)
    try:
        yield
    finally:
        _APPROVAL.reset(token)


@dataclass(frozen=True)
class Lane:
    """A budget's high-risk state: marked itself, or as the lane of marked datasets."""

    high_risk: bool
    datasets: tuple[str, ...] = ()


#: Prepared once (bound parameters hit SQLAlchemy's compiled cache on every lane spend).
_EVENTS = (
    sa.select(entries_table)
    .where(entries_table.c.kind == EVENT_KIND,
           entries_table.c.mechanism.in_(sa.bindparam("types", expanding=True)),
           entries_table.c.budget_id == sa.bindparam("budget_id"))
    .order_by(entries_table.c.id)
)  # fmt: skip
_USED = sa.select(sa.func.sum(entries_table.c.epsilon), sa.func.sum(entries_table.c.delta)).where(
    entries_table.c.budget_id == sa.bindparam("budget_id"), entries_table.c.kind == "release",
    entries_table.c.id > sa.bindparam("approval_id"),
    entries_table.c.details_json.like(sa.bindparam("pattern"), escape="/"),
)  # fmt: skip


def events_of(conn: Connection, budget_id: int, *types: str) -> list[Any]:
    return list(conn.execute(_EVENTS, {"types": list(types), "budget_id": budget_id}))


def details_of(row: Any) -> dict[str, Any]:
    value = json.loads(row.details_json or "{}")
    return value if isinstance(value, dict) else {}


def lane_of(conn: Connection, budget_id: int, name: str = "") -> Lane:
    return lane_from(access.budget_access(conn, budget_id, name))


def lane_from(rows: access.BudgetAccess) -> Lane:
    datasets = tuple(sorted(m.removeprefix("dataset:") for m in rows.marks if m != "budget"))
    return Lane(rows.high_risk, datasets)


# -- the spend hook ---------------------------------------------------------------------------------
def check_spend(
    conn: Connection, budget_row: Any, *, epsilon: float, delta: float, origin: str | None,
    description: str, details: dict[str, Any] | None,
) -> dict[str, Any] | None:  # fmt: skip
    """Inside the spend's transaction, before anything is computed: the caller must be an owner
    or spender; a high-risk lane needs a valid approval. Returns the audit record to store with the
    release (None outside the lane); raises AccessDeniedError otherwise."""
    principals, rows = access.require_access(conn, budget_row, access.SPENDER, "spend from")
    dataset = (details or {}).get("dataset")
    if isinstance(dataset, str):
        lane_id = access.marked_datasets(conn).get(dataset)
        if lane_id is not None and lane_id != budget_row.id:
            raise AccessDeniedError(
                f"dataset '{dataset}' is high-risk: spend from its lane budget (id {lane_id}), not "
                f"'{budget_row.name}'", budget=budget_row.name, action="spend from",
                principals=principals,
            )  # fmt: skip
    lane = lane_from(rows)
    if not lane.high_risk:
        return None
    where = origin or current_origin()
    approval = _approval(conn, budget_row, principals, epsilon, delta, where)
    code_sha256, code_source = approval.pop("code") or calling_code()
    reason = approval.pop("reason")
    return {
        "high_risk": True, **approval, "datasets": list(lane.datasets),
        "who": {"actor": current_actor(), "principals": principals},
        "where": {"origin": where, "host": socket.gethostname()},
        "why": {"approval_reason": reason, "description": description},
        "code_sha256": code_sha256, "code_source": code_source,
    }  # fmt: skip


def check_event(conn: Connection, row: Any | None, event: str, details: dict[str, Any]) -> None:
    """Hook of Ledger.record_event, inside its transaction: an approval must not be forgeable
    through the kit's own API. Access events come only from the owner-checked functions above;
    a `request.approved` on a high-risk budget is the lane's approval, so only an owner of the
    budget who did not submit the request may record it."""
    budget = None if row is None else row.name
    if event in OWNER_EVENTS and not access.kit_is_writing():
        raise AccessDeniedError(
            f"'{event}' events are written only by jupyter privacy access / budget approve (which "
            "check that the caller owns the budget), not by record_event",
            budget=budget, action=f"record {event}", principals=access.caller_principals(conn),
        )  # fmt: skip
    if event != REQUEST_APPROVED or row is None:
        return
    if not access.budget_access(conn, row.id, row.name).high_risk:
        return
    principals = access.require(conn, row, access.OWNER, "approve requests on the high-risk")
    submitted = conn.execute(
        sa.select(entries_table.c.actor).where(entries_table.c.id == details.get("request"))
    ).scalar()
    if submitted is not None and submitted in {current_actor(), *map(access.person, principals)}:
        raise AccessDeniedError(
            f"{principals[0]} submitted request {details.get('request')}: a second person must "
            f"approve it on the high-risk budget '{row.name}'",
            budget=budget, action="approve", principals=principals,
        )  # fmt: skip


def _approval(conn: Connection, row: Any, principals: list[str], epsilon: float, delta: float,
              origin: str) -> dict[str, Any]:  # fmt: skip
    chosen = _APPROVAL.get()
    request = _request_of(origin)
    problems: list[str] = []
    found = events_of(conn, row.id, APPROVED, REQUEST_APPROVED, WITHDRAWN, REQUEST_DENIED)
    closed = {(e.mechanism, details_of(e).get("approval" if e.mechanism == WITHDRAWN else "request"))
              for e in found if e.mechanism in (WITHDRAWN, REQUEST_DENIED)}  # fmt: skip
    candidates = [e for e in found if e.mechanism in (APPROVED, REQUEST_APPROVED)]
    if chosen is not None:
        candidates = [c for c in candidates if c.id == chosen]
        if not candidates:
            problems.append(f"entry {chosen} is not an approval of '{row.name}'")
    elif request is not None:
        candidates = [c for c in candidates if c.mechanism == REQUEST_APPROVED
                      and details_of(c).get("request") == request]  # fmt: skip
    else:
        candidates = [c for c in candidates if c.mechanism == APPROVED]
    for candidate in reversed(candidates):  # newest first
        problem = _invalid(conn, row, candidate, principals, epsilon, delta, closed)
        if problem is None:
            return _approval_fields(conn, candidate)
        problems.append(f"approval {candidate.id}: {problem}")
    shown = "; ".join(problems) or "no approval for this spender"
    raise AccessDeniedError(
        f"budget '{row.name}' is high-risk: spending needs a second person's approval ({shown}). "
        f"Ask an owner:  jupyter privacy budget approve {row.name} --spender "
        f"{principals[0]} --epsilon {epsilon:g} --reason '…'",
        budget=row.name, action="spend from", principals=principals,
    )  # fmt: skip


def _request_of(origin: str) -> int | None:
    if not origin.startswith("request:"):
        return None
    text = origin[len("request:") :].split("/", 1)[0]
    return int(text) if text.isdigit() else None


def _invalid(conn: Connection, row: Any, approval: Any, principals: list[str], epsilon: float,
             delta: float, closed: set[tuple[str, Any]]) -> str | None:  # fmt: skip
    d = details_of(approval)
    names = {access.person(p) for p in principals}
    if approval.mechanism == APPROVED:
        if (WITHDRAWN, approval.id) in closed:
            return "withdrawn"
        if d.get("spender") not in principals:
            return f"it approves {d.get('spender')}, not {principals[0]}"
        if names & {access.person(p) for p in d.get("approver", [])} or approval.actor in names:
            return "approved by the spender themself"
        expires = d.get("expires")
        if expires and dt.date.today() > dt.date.fromisoformat(str(expires)):
            return f"expired on {expires}"
        limit_eps, limit_delta = float(d.get("epsilon", 0.0)), float(d.get("delta", 0.0))
    else:
        request = d.get("request")
        if (REQUEST_DENIED, request) in closed:
            return f"request {request} was denied"
        submitted = conn.execute(
            sa.select(entries_table.c.actor).where(entries_table.c.id == request)
        ).scalar()
        if submitted is not None and submitted == approval.actor:
            return "approved by the person who submitted the request"
        limit_eps = float(d.get("planned_epsilon") or 0.0)
        limit_delta = float(d.get("planned_delta") or 0.0)
    used_eps, used_delta = _used(conn, row.id, approval.id)
    if (
        used_eps + epsilon > limit_eps * (1 + 1e-9)
        or used_delta + delta > limit_delta * (1 + 1e-9) + 1e-300
    ):
        return (f"it allows ε {limit_eps:g}, δ {limit_delta:g}; {used_eps:g}, {used_delta:g} used, "
                f"this spend asks ε {epsilon:g}, δ {delta:g}")  # fmt: skip
    return None


def _used(conn: Connection, budget_id: int, approval_id: int) -> tuple[float, float]:
    """ε and δ already released under an approval, summed by the database: a release names its
    approval at the start of its audit record (canonical JSON, keys sorted; a caller's own value
    under that key is replaced, and text inside strings is escaped, so the pattern is exact)."""
    text = f'"{AUDIT_KEY}":{{"approval":{approval_id},'
    pattern = "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    used = conn.execute(_USED, {"budget_id": budget_id, "approval_id": approval_id,
                                "pattern": pattern}).one()  # fmt: skip
    return float(used[0] or 0.0), float(used[1] or 0.0)


def _approval_fields(conn: Connection, approval: Any) -> dict[str, Any]:
    d = details_of(approval)
    code = None
    if approval.mechanism == REQUEST_APPROVED and d.get("code_sha256"):
        code = (str(d["code_sha256"]), f"request:{d.get('request')}")
    return {"approval": approval.id, "approval_kind": approval.mechanism,
            "approved_by": approval.actor, "approved_at": approval.created_at,
            "reason": str(d.get("reason", "")), "code": code}  # fmt: skip


def calling_code() -> tuple[str, str]:
    """SHA-256 of the source that called into the kit: the notebook cell (IPython keeps cells in
    linecache) or the script file; the first frame outside this package and installed libraries."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith((_PACKAGE, *_LIBRARIES, "<frozen")):
            lines = linecache.getlines(filename, frame.f_globals)
            if lines:
                label = (
                    "notebook cell" if "ipykernel" in filename else f"file {Path(filename).name}"
                )
                return hashlib.sha256("".join(lines).encode()).hexdigest(), label
        frame = frame.f_back  # type: ignore[assignment]
    return "", "unavailable"


# -- management ---------------------------------------------------------------------------------
def mark_high_risk(ledger: Ledger, *, budget: str | None = None, dataset: str | None = None,
                   reason: str, high_risk: bool = True) -> Event:  # fmt: skip
    """Mark a budget (or a dataset on its lane budget) high-risk; owners only. A dataset's lane is
    the budget it was registered with, unless `budget` names another."""
    if not reason or not str(reason).strip():
        raise InvalidParameterError("marking a budget high-risk needs a reason (why, who decided)")
    if dataset is not None and budget is None:
        budget = _registered_budget(ledger, dataset)
    if budget is None:
        raise InvalidParameterError("name the budget (or a dataset and its lane budget) to mark")
    mark = f"dataset:{dataset}" if dataset is not None else "budget"
    details = {"high_risk": bool(high_risk), "reason": str(reason).strip()}
    if dataset is not None:
        details["dataset"] = str(dataset)
    what = f"dataset '{dataset}' on lane '{budget}'" if dataset else f"budget '{budget}'"
    access.change_row(ledger, budget, access.LANE + mark, access.HIGH_RISK, add=bool(high_risk),
                      event=HIGH_RISK, action="mark high-risk", details=details,
                      description=f"{what} {'marked' if high_risk else 'unmarked'} high-risk: "
                      f"{details['reason']}")  # fmt: skip
    return ledger.event_log(HIGH_RISK, budget=budget, limit=1)[0]


def _registered_budget(ledger: Ledger, dataset: str) -> str:
    for event in ledger.event_log("dataset"):
        if event.details.get("dataset") == dataset and event.details.get("budget"):
            return str(event.details["budget"])
    raise InvalidParameterError(
        f"dataset '{dataset}' is not registered in this ledger; give the lane budget it is "
        "served from (--budget)"
    )


def approve(ledger: Ledger, budget: str, *, spender: str, epsilon: float, delta: float = 0.0,
            reason: str, expires: str | None = None) -> Event:  # fmt: skip
    """A second person's approval for `spender` to spend up to (ε, δ) from a high-risk budget."""
    spender = access.check_principal(spender)
    epsilon, delta = check_epsilon(epsilon), check_delta(delta)
    if not reason or not str(reason).strip():
        raise InvalidParameterError("an approval needs a reason (what may be released and why)")
    if expires is not None:
        try:
            dt.date.fromisoformat(str(expires))
        except ValueError:
            raise InvalidParameterError(
                f"expires must be a date like 2026-12-31, got {expires!r}"
            ) from None
    approver = _require_owner(ledger, budget, "approve spends from")
    if access.person(spender) in {access.person(p) for p in approver}:
        raise AccessDeniedError(
            f"{approver[0]} cannot approve their own spending: a second person must approve",
            budget=budget, action="approve", principals=approver,
        )  # fmt: skip
    details = {"spender": spender, "epsilon": epsilon, "delta": delta, "reason": str(reason).strip(),
               "expires": str(expires) if expires else None, "approver": approver}  # fmt: skip
    with access.kit_writes():
        return ledger.record_event(APPROVED, budget=budget, details=details,
                                   description=f"{spender} may spend ε {epsilon:g}: {details['reason']}")  # fmt: skip


def withdraw(ledger: Ledger, budget: str, approval: int, *, reason: str) -> Event:
    """Withdraw an approval before it is used up; owners only."""
    _require_owner(ledger, budget, "withdraw approvals of")
    with access.kit_writes():
        return ledger.record_event(WITHDRAWN, budget=budget, details={"approval": int(approval),
                                   "reason": str(reason)}, description=f"approval {approval} withdrawn")  # fmt: skip


def _require_owner(ledger: Ledger, budget: str, action: str) -> list[str]:
    with translated_errors(ledger.url), ledger._engine.connect() as conn:
        row = ledger._require_budget(conn, budget)
        try:
            return access.require(conn, row, access.OWNER, action)
        except AccessDeniedError as refused:
            refused.fields["action"] = action
            error = refused
    access.record_refusal(ledger, error)
    raise error
