"""Several processes spending at once never exceed the budget; a SIGKILL leaves no partial entry."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from jupyter_privacy import open_ledger

WORKER = """
import json, sys
from jupyter_privacy import open_ledger
from jupyter_privacy.core.errors import BudgetExceededError
url, n, worker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
granted = refused = 0
with open_ledger(url) as ledger:
    for i in range(n):
        try:
            ledger.spend("shared", 0.001, value={"w": worker, "i": i}, description=f"{worker}-{i}")
            granted += 1
        except BudgetExceededError:
            refused += 1
print(json.dumps({"granted": granted, "refused": refused}))
"""

ENDLESS = """
import sys
from jupyter_privacy import open_ledger
with open_ledger(sys.argv[1]) as ledger:
    i = 0
    while True:
        ledger.spend("crash", 1e-6, value={"i": i, "pad": "x" * 2000})
        i += 1
"""


@pytest.mark.slow
def test_four_processes_never_overspend(backend_url: str) -> None:
    ledger_url = backend_url
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("shared", 1.0)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, ledger_url, "500", f"w{k}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(4)
    ]
    results = [json.loads(w.communicate(timeout=600)[0]) for w in workers]
    assert all(w.returncode == 0 for w in workers)
    assert sum(r["granted"] for r in results) == 1000
    assert sum(r["refused"] for r in results) == 1000
    with open_ledger(ledger_url) as ledger:
        budget = ledger.budget("shared")
        releases = ledger.history("shared")
        assert budget.epsilon_spent == pytest.approx(1.0, abs=1e-12)
        assert sum(r.epsilon for r in releases) == pytest.approx(1.0, abs=1e-9)
        assert len(releases) == 1000
        assert len({r.description for r in releases}) == 1000  # nothing duplicated
        assert ledger.verify().ok


@pytest.mark.slow
def test_sigkill_mid_spend_leaves_a_verifiable_ledger(backend_url: str) -> None:
    ledger_url = backend_url
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("crash", 1.0)
    proc = subprocess.Popen([sys.executable, "-c", ENDLESS, ledger_url])
    try:
        deadline = time.monotonic() + 60
        with open_ledger(ledger_url) as ledger:
            while ledger.budget("crash").release_count < 200 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with open_ledger(ledger_url) as ledger:
        report = ledger.verify()
        assert report.ok, report.problems
        budget = ledger.budget("crash")
        assert budget.release_count >= 200
        assert budget.release_count == len(ledger.history("crash"))
        # still writable after the crash
        ledger.spend("crash", 1e-6, value=None)
        assert ledger.verify().ok
