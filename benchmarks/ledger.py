"""Releases per second on SQLite, one process and four processes, against a baseline measured in the
same run: a bare sqlite3 INSERT+COMMIT loop on the same kind of file (what any durable ledger pays).

Run: .venv/bin/python benchmarks/ledger.py [--spends N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_privacy import open_ledger

WORKER = """
import sys, time
from jupyter_privacy import open_ledger
url, n = sys.argv[1], int(sys.argv[2])
with open_ledger(url) as ledger:
    t0 = time.perf_counter()
    for i in range(n):
        ledger.spend("bench", 1e-9, value={"i": i}, description="bench")
print(time.perf_counter() - t0)
"""


def bare_sqlite(path: Path, n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("create table t (id integer primary key, v text)")
    start = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("insert into t (v) values (?)", (json.dumps({"i": i}),))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return n / elapsed


def ledger_one_process(url: str, n: int) -> float:
    with open_ledger(url) as ledger:
        ledger.create_budget("bench", 1.0)
        start = time.perf_counter()
        for i in range(n):
            ledger.spend("bench", 1e-9, value={"i": i}, description="bench")
        return n / (time.perf_counter() - start)


def ledger_four_processes(url: str, n_each: int) -> float:
    start = time.perf_counter()
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, url, str(n_each)], stdout=subprocess.PIPE)
        for _ in range(4)
    ]
    for proc in procs:
        proc.communicate()
    return 4 * n_each / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spends", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = bare_sqlite(Path(folder) / "bare.db", args.spends)
        url = f"sqlite:///{Path(folder) / 'ledger.db'}"
        one = ledger_one_process(url, args.spends)
        four = ledger_four_processes(url, args.spends // 4)
        with open_ledger(url) as ledger:
            assert ledger.verify().ok
    print(f"bare sqlite3 insert+commit (baseline): {base:8.0f} /s")
    print(
        f"ledger, 1 process:                      {one:8.0f} releases/s  ({one / base:.2f}x baseline)"
    )
    print(
        f"ledger, 4 processes (total):            {four:8.0f} releases/s  ({four / base:.2f}x baseline)"
    )
    print(f"goal >= 2000/s in one process: {'met' if one >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
