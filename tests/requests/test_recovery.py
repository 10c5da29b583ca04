"""Closing a run whose runner was killed: a real runner process is SIGKILLed by the approved code
after its first release, then the owner closes the run and the scientist gets what was spent."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from jupyter_privacy import requests as rq
from jupyter_privacy.cli import main
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.requests.errors import RequestStateError
from jupyter_privacy.core.requests.records import RAN, STARTED, get_request
from jupyter_privacy.core.requests.recovery import _alive, close_interrupted_run
from jupyter_privacy.core.requests.results import request_results
from jupyter_privacy.core.requests.runner import CHILD_PID, run_request
from jupyter_privacy.core.requests.workflow import approve_request, submit_request
from jupyter_privacy.testing.requests import COUNT, OWNER, SCIENTIST, SENTINEL_NAME

pytestmark = pytest.mark.slow  # a runner process and the approved code's process, each with OpenDP

# The approved code releases the count, kills its runner, then waits for the test's flag file.
KILLS_ITS_RUNNER = """
def analysis(data):
    import os, signal, tempfile, time
    data.table.query("SELECT COUNT(*) FROM t", epsilon=0.5)
    rows = data.frame().to_csv()
    open("rows.csv", "w").write(rows)  # in the working folder
    open(os.path.join(tempfile.gettempdir(), "rows.csv"), "w").write(rows)  # in its TMPDIR
    os.kill(os.getppid(), signal.SIGKILL)
    for _ in range(600):
        if os.path.exists({flag!r}):
            return
        time.sleep(0.1)
"""

RUNNER = """
import sys
from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.requests.runner import run_request
with open_ledger(sys.argv[1]) as ledger:
    run_request(ledger, int(sys.argv[2]), store=sys.argv[3], timeout=300)
"""


def _approved(ledger: Ledger, code: str) -> int:
    record = submit_request(ledger, code, dataset="people",
                            plan=[{"query": COUNT, "epsilon": 0.5}], actor=SCIENTIST)  # fmt: skip
    approve_request(ledger, record.id, reason="ok", actor=OWNER)
    return record.id


def _wait_until(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def test_a_killed_runner_s_run_is_closed_with_its_releases(
    ledger: Ledger, ledger_url: str, dataset, store: Path, tmp_path: Path
) -> None:
    flag = tmp_path / "let-the-code-finish"
    request_id = _approved(ledger, KILLS_ITS_RUNNER.format(flag=str(flag)))
    runner = subprocess.run([sys.executable, "-c", RUNNER, ledger_url, str(request_id), str(store)],
                            capture_output=True, timeout=300)  # fmt: skip
    assert runner.returncode == -9  # killed by the code, before it could record the run's end
    record = get_request(ledger, request_id)
    assert record.status == "running" and ledger.budget("people").epsilon_spent == pytest.approx(
        0.5
    )
    with pytest.raises(RequestStateError, match="close the run: jupyter privacy requests close"):
        run_request(ledger, request_id, store=store)

    run_dir = next(store.glob(f"runs/request-{request_id}-*"))
    child = int((run_dir / CHILD_PID).read_text())
    tmp = Path(tempfile.gettempdir()) / record.timeline[-1].details["tmp_dir"]
    left = [run_dir / "work" / "rows.csv", tmp / "rows.csv"]
    assert all(SENTINEL_NAME in path.read_text() for path in left)  # what a killed runner leaves
    with pytest.raises(RequestStateError, match=f"still running \\(process {child}"):
        close_interrupted_run(ledger, request_id, store=store)  # the code has not finished
    events = len(ledger.event_log())
    flag.touch()
    _wait_until(lambda: not _alive(child))

    outcome = rq.close(request_id, ledger=ledger, store=store, actor=OWNER)
    assert outcome.outcome == "interrupted" and len(outcome.releases) == 1
    assert outcome.epsilon == pytest.approx(0.5)
    record = get_request(ledger, request_id)
    assert record.status == "failed" and record.run.outcome == "interrupted"
    assert [e.event for e in record.timeline][-2:] == [STARTED, RAN]
    assert len(ledger.event_log()) == events + 1
    assert [r.id for r in request_results(ledger, request_id).releases] == list(outcome.releases)
    assert ledger.budget("people").epsilon_spent == pytest.approx(0.5)  # closing spends nothing
    assert not (run_dir / "work").exists() and not tmp.exists()  # closing removes them
    assert outcome.log == run_dir / "output.log"
    scientist_sees = json.dumps([ledger.export(), request_results(ledger, request_id).to_dict()],
                                default=str)  # fmt: skip
    assert SENTINEL_NAME not in scientist_sees
    with pytest.raises(RequestStateError, match="not running"):
        close_interrupted_run(ledger, request_id, store=store)
    assert ledger.verify().ok


def test_a_live_runner_or_another_host_is_not_closed_without_force(
    ledger: Ledger, ledger_url: str, dataset, store: Path, capsys
) -> None:
    request_id = _approved(ledger, "def analysis(data):\n    pass\n")
    record = get_request(ledger, request_id)
    here = {"request": request_id, "code_sha256": record.code.sha256, "pid": 1}
    ledger.record_event(STARTED, budget="people", actor=OWNER,
                        details={**here, "host": "owner-box-that-burned-down"})  # fmt: skip
    with pytest.raises(RequestStateError, match="started on host 'owner-box-that-burned-down'"):
        close_interrupted_run(ledger, request_id, store=store)
    assert get_request(ledger, request_id).status == "running"
    assert main(["requests", "close", str(request_id), "--store", str(store),
                 "--ledger", ledger_url]) == 2  # fmt: skip
    assert "--force" in capsys.readouterr().err
    assert main(["requests", "close", str(request_id), "--force", "--store", str(store),
                 "--ledger", ledger_url]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert f"request {request_id}: run closed as interrupted; 0 DP release(s)" in out
    assert get_request(ledger, request_id).run.outcome == "interrupted"


def test_a_runner_alive_on_this_machine_is_not_closed(ledger: Ledger, dataset, store) -> None:
    import os
    import socket

    request_id = _approved(ledger, "def analysis(data):\n    pass\n")
    record = get_request(ledger, request_id)
    ledger.record_event(STARTED, budget="people", actor=OWNER,
                        details={"request": request_id, "code_sha256": record.code.sha256,
                                 "host": socket.gethostname(), "pid": os.getpid()})  # fmt: skip
    with pytest.raises(
        RequestStateError, match=f"still running here \\(runner process {os.getpid()}"
    ):
        close_interrupted_run(ledger, request_id, store=store)
    assert get_request(ledger, request_id).status == "running"
