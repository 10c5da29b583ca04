"""Close the run of a request whose runner was killed (power cut, `kill -9`, a closed terminal).

`run_request` records `request.ran` when its run ends, whatever happened; a runner killed before
that leaves the request `running` for good, and an approval is for one run. The owner closes such
a run here: it records `request.ran` with outcome `interrupted` and the DP releases the run made
before it stopped (those under the run's origin, checked against the plan as a finished run's
are), so their ε is counted in the request and the scientist gets what was spent for.

It refuses while the run may still be going: the runner process recorded in `request.started`
is alive on this machine, or the approved code's own process (its pid in the run folder of the
owner's store) is. A run started on another machine is closed there, or with `force` once that
machine is known to be gone. Replays the killed run reported are collected when its run folder
is on this machine (they spent nothing either way).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.ledger.provenance import current_actor
from jupyter_privacy.core.requests.errors import RequestStateError
from jupyter_privacy.core.requests.owner import OwnerStore, owner_store_dir
from jupyter_privacy.core.requests.records import get_request
from jupyter_privacy.core.requests.runner import CHILD_PID, RunOutcome, end_run

INTERRUPTED = "interrupted"


def close_interrupted_run(
    ledger: Ledger, request_id: Any, *, store: str | os.PathLike[str] | None = None,
    force: bool = False, actor: str | None = None,
) -> RunOutcome:  # fmt: skip
    """Record that the run of `request_id` ended without its runner; see the module docstring."""
    record = get_request(ledger, request_id)
    if record.status != "running" or record.run is None:
        raise RequestStateError(
            f"request {record.id} is {record.status}, not running: only a run whose runner was "
            "killed needs closing", request=record.id, status=record.status,
        )  # fmt: skip
    started = next(e for e in record.timeline if e.id == record.run.started_event)
    run_dir = _run_dir(record.id, started.details, store, ledger.url)
    if not force:
        _refuse_if_still_running(record.id, started.details, run_dir)
    ended = end_run(ledger, record, started.id, run_dir, INTERRUPTED, 0.0, actor or current_actor())
    _remove_leftovers(run_dir, started.details.get("tmp_dir"))
    return ended


def _remove_leftovers(run_dir: Path | None, tmp_dir: Any) -> None:
    """What the killed runner would have deleted: the working folder and the run's TMPDIR, with
    whatever the code wrote there. TMPDIR only as the runner makes it (jp-request-* directly in
    this machine's temporary folder), never a path an edited ledger names."""
    if run_dir is not None:
        shutil.rmtree(run_dir / "work", ignore_errors=True)
    if isinstance(tmp_dir, str) and tmp_dir.startswith("jp-request-") and "/" not in tmp_dir:
        shutil.rmtree(Path(tempfile.gettempdir()) / tmp_dir, ignore_errors=True)


def _refuse_if_still_running(request: int, started: dict[str, Any], run_dir: Path | None) -> None:
    host, pid = started.get("host"), started.get("pid")
    if host is None or pid is None:
        raise RequestStateError(
            f"request {request}'s run was started by an older version that did not record its "
            "runner; if no runner is left, close it with --force", request=request,
        )  # fmt: skip
    if host != socket.gethostname():
        raise RequestStateError(
            f"request {request} was started on host {host!r}: close it there, or with --force "
            "once that machine's runner is known to be gone", request=request,
        )  # fmt: skip
    if _alive(pid):
        raise RequestStateError(
            f"request {request} is still running here (runner process {pid}); wait for it, or "
            f"stop it (kill {pid}) and then close the run", request=request,
        )  # fmt: skip
    child = _read_pid(run_dir / CHILD_PID) if run_dir else None
    if child is not None and _alive(child):
        raise RequestStateError(
            f"request {request}'s approved code is still running (process {child}, its runner is "
            f"gone); stop it (kill -- -{child}) and then close the run", request=request,
        )  # fmt: skip


def _run_dir(request: int, started: dict[str, Any], store: Any, ledger_url: str) -> Path | None:
    name = started.get("run_dir")
    if not isinstance(name, str) or not name.startswith(f"request-{request}-") or "/" in name:
        return None
    path = OwnerStore(owner_store_dir(store, ledger_url)).root / "runs" / name
    return path if path.is_dir() else None


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _alive(pid: Any) -> bool:
    """Whether a process `pid` runs here (one owned by another user counts; a zombie left
    unreaped by a container's init does not)."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")
