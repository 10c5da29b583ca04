"""Run an approved request on the owner's side, in a separate process, and hand back only its DP
releases.

The runner checks before anything runs: the request is approved and has not run (an approval is
for one run), the code and plan are byte for byte the ones approved (SHA-256), the dataset is the
version the request was written against, and this machine holds its private files. It records
`request.started` (only the first such event counts, so two owners cannot both run it), then
starts `python -m jupyter_privacy.core.requests.child` with:

- the private path, plan and budget in a context file in a fresh run folder (mode 0700);
- the code in that folder, which the child checks against the approved digest again;
- its working directory inside the run folder and a TMPDIR of its own, both deleted when the run
  ends;
- stdout and stderr into the run folder's `output.log` (0600), for the owner only.

The only thing that comes back is the set of ledger releases the run made: those recorded under
the run's origin, plus replays the child reports by id, each checked against the approved plan.
The code's return value, printed output, exceptions, files and exit code are not handed to anyone
but the owner; `request.ran` records the outcome as one word (completed, failed, timed out).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_privacy.core.config import LEDGER_ENV
from jupyter_privacy.core.ledger import Ledger, Release
from jupyter_privacy.core.ledger.provenance import current_actor
from jupyter_privacy.core.requests.code import NOTEBOOK
from jupyter_privacy.core.requests.data import CONTEXT_ENV
from jupyter_privacy.core.requests.datasets import get_dataset
from jupyter_privacy.core.requests.errors import (
    CodeDigestError,
    PlanViolationError,
    RequestStateError,
)
from jupyter_privacy.core.requests.owner import OwnerStore, owner_store_dir
from jupyter_privacy.core.requests.plan import PlanTally, ReleaseFacts, plan_digest
from jupyter_privacy.core.requests.records import RAN, STARTED, RequestRecord, get_request

DEFAULT_TIMEOUT_S = 3600.0
#: The approved code's process id, in the run folder (`recovery` checks it before closing a run).
CHILD_PID = "child.pid"
#: Exit status of the child when the code file is not the approved code.
EXIT_DIGEST = 3


@dataclass(frozen=True)
class RunOutcome:
    """What the owner learns from a run; only `releases` reach the scientist."""

    request: int
    outcome: str  # completed | failed | timed out | interrupted (closed by `recovery`)
    releases: tuple[int, ...]
    epsilon: float
    delta: float
    seconds: float
    log: Path | None  # owner-only: the code's own output, which may show private values
    unplanned: tuple[int, ...] = ()

    def summary(self) -> str:
        made = (
            f"{len(self.releases)} DP release(s) ({', '.join(map(str, self.releases)) or 'none'})"
        )
        where = (
            f"owner-only log: {self.log}" if self.log else "its run folder is not on this machine"
        )
        text = (f"request {self.request} ran: {self.outcome} in {self.seconds:.1f} s; {made}, "
                f"ε {self.epsilon:g} and δ {self.delta:g} spent; the code's own output is withheld "
                f"from the scientist ({where})")  # fmt: skip
        if self.unplanned:
            text += (f"; releases {', '.join(map(str, self.unplanned))} were recorded under this "
                     "run but are not in the plan: they are not handed over")  # fmt: skip
        return text


def check_runnable(ledger: Ledger, record: RequestRecord) -> None:
    """Refuse, with the reason, a request that must not run now."""
    status = record.status
    if status != "approved":
        why = {
            "pending": "it is waiting for the data owner's approval",
            "denied": f"the data owner denied it ({record.decision.reason if record.decision else ''})",
            "running": "a run of it has already started (an approval is for one run); if its "
            f"runner was killed, close the run: jupyter privacy requests close {record.id}",
            "completed": "it already ran (an approval is for one run); submit it again to rerun",
            "failed": "it already ran and failed (an approval is for one run); submit it again",
        }[status]
        raise RequestStateError(f"request {record.id} cannot run: {why}", request=record.id,
                                status=status)  # fmt: skip
    decision = record.decision
    assert decision is not None
    if record.code.sha256 != decision.code_sha256:
        raise CodeDigestError(
            f"request {record.id} cannot run: its code (SHA-256 {record.code.sha256[:12]}…) is not "
            f"the code that was approved ({decision.code_sha256[:12]}…); the ledger was edited "
            "after approval. Run jupyter privacy ledger verify; submit the request again",
            request=record.id,
        )
    approved_plan = next((e.details.get("plan_sha256") for e in record.timeline
                          if e.id == decision.event_id), None)  # fmt: skip
    if approved_plan != plan_digest(record.plan):
        raise CodeDigestError(
            f"request {record.id} cannot run: its plan is not the plan that was approved; the "
            "ledger was edited after approval. Submit the request again",
            request=record.id,
        )
    dataset = get_dataset(ledger, record.dataset)
    if dataset.event_id != record.dataset_event:
        raise RequestStateError(
            f"request {record.id} cannot run: dataset '{record.dataset}' was registered again "
            f"(entry {dataset.event_id}) after the request was written against entry "
            f"{record.dataset_event}; submit it again",
            request=record.id,
        )


def run_request(
    ledger: Ledger, request_id: Any, *, store: str | os.PathLike[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S, actor: str | None = None,
) -> RunOutcome:  # fmt: skip
    """Run approved request `request_id` with the private data; see the module docstring."""
    record = get_request(ledger, request_id)
    check_runnable(ledger, record)
    owner = OwnerStore(owner_store_dir(store, ledger.url))
    private = owner.private_path(record.dataset, record.dataset_event)
    options = get_dataset(ledger, record.dataset).table_options()
    actor = actor or current_actor()
    run_dir = owner.new_run_dir(record.id)
    # A short temporary folder of its own (Ray's sockets must fit in 107 bytes), removed after.
    tmp = Path(tempfile.mkdtemp(prefix="jp-request-"))
    try:
        started = ledger.record_event(
            STARTED, budget=record.budget, description=f"request {record.id} started",
            details={"request": record.id, "code_sha256": record.code.sha256,
                     "host": socket.gethostname(), "pid": os.getpid(), "run_dir": run_dir.name,
                     "tmp_dir": tmp.name},
            actor=actor,
        )  # fmt: skip
        again = get_request(ledger, record.id)
        if again.run is None or again.run.started_event != started.id:  # another run was first
            record_ran(ledger, record, started.id, "refused", (), (), 0.0, actor)
            raise RequestStateError(f"request {record.id} is already running elsewhere")
        origin = run_origin(record.id, started.id)
        begin, outcome = time.monotonic(), "failed"
        try:
            outcome = _spawn(run_dir, tmp, record, origin, private, options, ledger.url, timeout)
        finally:  # whatever happened, the run's end and its releases are recorded
            ended = end_run(ledger, record, started.id, run_dir, outcome,
                            time.monotonic() - begin, actor)  # fmt: skip
    finally:
        shutil.rmtree(run_dir / "work", ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return ended


def run_origin(request_id: int, started_event: int) -> str:
    """The origin every release of one run is recorded under."""
    return f"request:{request_id}/run:{started_event}"


def end_run(
    ledger: Ledger, record: RequestRecord, started: int, run_dir: Path | None, outcome: str,
    seconds: float, actor: str,
) -> RunOutcome:  # fmt: skip
    """Record `request.ran` with the run's releases (checked against the plan; a completed run
    with unplanned ones counts as failed). `run_dir`: the run's folder here, if any."""
    report = run_dir / "releases.json" if run_dir else Path(os.devnull)
    releases, unplanned = collect_run_releases(ledger, record, started,
                                               run_origin(record.id, started), report)  # fmt: skip
    if unplanned and outcome == "completed":
        outcome = "failed"
    fresh = [r for r in releases if r.id > started]
    epsilon, delta = sum(r.epsilon for r in fresh), sum(r.delta for r in fresh)
    ids = tuple(r.id for r in releases)
    record_ran(ledger, record, started, outcome, ids, unplanned, seconds, actor,
               epsilon=epsilon, delta=delta)  # fmt: skip
    log = run_dir / "output.log" if run_dir else None
    return RunOutcome(record.id, outcome, ids, epsilon, delta, seconds, log, unplanned)


def record_ran(
    ledger: Ledger, record: RequestRecord, run: int, outcome: str, releases: tuple[int, ...],
    unplanned: tuple[int, ...], seconds: float, actor: str, *, epsilon: float = 0.0,
    delta: float = 0.0,
) -> None:  # fmt: skip
    ledger.record_event(
        RAN, budget=record.budget, actor=actor,
        description=f"request {record.id} ran: {outcome}, {len(releases)} release(s)",
        details={"request": record.id, "run": run, "outcome": outcome, "releases": list(releases),
                 "unplanned_releases": list(unplanned), "epsilon": epsilon, "delta": delta,
                 "seconds": round(seconds, 1)},
    )  # fmt: skip


def _spawn(run_dir: Path, tmp: Path, record: RequestRecord, origin: str, private: Path,
           table_options: dict[str, Any], ledger_url: str, timeout: float) -> str:  # fmt: skip
    work = run_dir / "work"
    work.mkdir(mode=0o700)
    code_file = run_dir / ("request.ipynb" if record.code.kind == NOTEBOOK else "request.py")
    code_file.write_text(record.code.text, encoding="utf-8")
    context = {
        "request": record.id, "origin": origin, "dataset": record.dataset, "budget": record.budget,
        "private": str(private), "table_options": table_options, "plan": record.plan.to_list(),
        "code_file": str(code_file), "code_kind": record.code.kind,
        "entry_point": record.code.entry_point, "code_sha256": record.code.sha256,
        "report": str(run_dir / "releases.json"), "executed": str(run_dir / "executed.ipynb"),
    }  # fmt: skip
    context_file = run_dir / "context.json"
    context_file.write_text(json.dumps(context), encoding="utf-8")
    env = {**os.environ, LEDGER_ENV: ledger_url, CONTEXT_ENV: str(context_file), "TMPDIR": str(tmp)}
    env.pop("JPY_SESSION_NAME", None)
    log_path = run_dir / "output.log"
    with open(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_privacy.core.requests.child", str(context_file)],
            cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        (run_dir / CHILD_PID).write_text(str(process.pid), encoding="utf-8")
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _end_group(process)
            return "timed out"
    return "completed" if code == 0 else "failed"


def _end_group(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _reported_ids(report: Path) -> set[int]:
    """Release ids the child reported: a JSON list of whole numbers, or nothing."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(data, list) or len(data) > 1000:
        return set()
    return {i for i in data if isinstance(i, int) and not isinstance(i, bool) and i > 0}


def collect_run_releases(ledger: Ledger, record: RequestRecord, started: int, origin: str,
                         report: Path) -> tuple[list[Release], tuple[int, ...]]:  # fmt: skip
    """The run's releases (new ones under its origin, replays the child reported), each checked
    against the plan; those that do not match are returned apart, by id only."""
    reported = _reported_ids(report)
    candidates: dict[int, Release] = {}
    for release in ledger.history(record.budget, newest_first=True):
        if release.id > started and release.origin == origin:
            candidates[release.id] = release
        elif release.id in reported and release.id <= started and release.replay_key:
            candidates[release.id] = release  # a replay: made earlier, spends nothing now
    tally = PlanTally()
    accepted, unplanned = [], []
    for release in sorted(candidates.values(), key=lambda r: r.id):
        facts = ReleaseFacts.of(budget=release.budget, epsilon=release.epsilon,
                                delta=release.delta, description=release.description,
                                details=release.details,
                                replay_key=release.replay_key)  # fmt: skip
        try:
            tally.add(record.plan.match(facts, tally, record.budget), facts)
            accepted.append(release)
        except PlanViolationError:
            unplanned.append(release.id)
    return accepted, tuple(unplanned)
