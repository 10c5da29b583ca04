"""Item 3 of #13: a process killed mid-query leaves no plaintext column in shared memory.

An in-memory table spills each column it queries to an Arrow file (in /dev/shm when there is
room). Before: a `kill -9` left `jupyter-privacy-*/column-0.arrow` with the plaintext column until
reboot. Now files are 0600 in a 0700 folder, a watchdog process removes them when its parent
dies, and the next process that spills removes what a dead process (and its watchdog) left.
"""

from __future__ import annotations

import os
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SENTINEL = 987654.321  # a wage nobody else has: its 8 bytes must not stay anywhere on disk

CHILD = textwrap.dedent(
    f"""
    import sys
    import numpy as np, pandas as pd
    from jupyter_privacy.core.ledger import open_ledger
    from jupyter_privacy.core.queries import PrivateTable

    ledger = open_ledger(sys.argv[1])
    if not ledger.budgets():
        ledger.create_budget("b", 1000.0)
    wages = np.random.default_rng(0).uniform(0, 1e6, 200_000)
    wages[123] = {SENTINEL!r}
    table = PrivateTable(pd.DataFrame({{"wage": wages}}), budget="b", ledger=ledger,
                         bounds={{"wage": (0, 1e6)}}, max_rows=10**6)
    table.query("SELECT SUM(wage) FROM t", 0.01, fresh=True)  # spills (a replay would not)
    print("SPILLED", table._source._spills.path, flush=True)
    while True:  # killed mid-query by the test
        table.query("SELECT SUM(wage) FROM t", 0.01, fresh=True)
    """
)


def spawn(ledger_url: str, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen([sys.executable, str(script), ledger_url], stdout=subprocess.PIPE,
                             text=True)  # fmt: skip
    line = child.stdout.readline() if child.stdout else ""
    assert line.startswith("SPILLED"), line
    return child, Path(line.split(" ", 1)[1].strip())


def holds_sentinel(folder: Path) -> list[Path]:
    raw = struct.pack("<d", SENTINEL)  # how Arrow stores the float
    return [p for p in folder.rglob("*") if p.is_file() and raw in p.read_bytes()]


def wait_gone(folder: Path, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not folder.exists()


def watchdog_of(pid: int) -> int:
    """The spill watchdog the process started (its child, in a session of its own)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in map(int, children):
        if "-I" in Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")[1:3][0].decode():
            return child
    raise AssertionError(f"no watchdog among {children}")


@pytest.mark.slow
def test_kill_9_mid_query_leaves_no_plaintext(ledger_url, tmp_path) -> None:
    child, folder = spawn(ledger_url, tmp_path)
    try:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        files = list(folder.iterdir())
        assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
        assert holds_sentinel(folder)  # the plaintext column, while the process lives
        time.sleep(0.5)  # inside a query now
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert wait_gone(folder)  # the watchdog saw its parent die and removed the column


@pytest.mark.slow
def test_next_process_sweeps_what_a_dead_one_and_its_watchdog_left(ledger_url, tmp_path) -> None:
    child, folder = spawn(ledger_url, tmp_path)
    os.kill(watchdog_of(child.pid), signal.SIGKILL)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    time.sleep(0.5)
    assert holds_sentinel(folder)  # nobody was left to clean up
    second, second_folder = spawn(ledger_url, tmp_path)  # the next process that spills sweeps
    try:
        assert not folder.exists() and second_folder.exists()
    finally:
        second.kill()
        second.wait(timeout=30)


def test_closing_a_table_removes_its_spills(ledger) -> None:
    import numpy as np
    import pandas as pd

    from jupyter_privacy.core.queries import PrivateTable

    ledger.create_budget("b", 100.0)
    table = PrivateTable(pd.DataFrame({"wage": np.full(2000, 10.0)}), budget="b", ledger=ledger,
                         bounds={"wage": (0, 1000)}, max_rows=100_000)  # fmt: skip
    table.query("SELECT AVG(wage) FROM t", 5.0)
    folder = table._source._spills.path
    (path,) = table._source._files.values()
    assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
    table.close()
    assert not folder.exists()
