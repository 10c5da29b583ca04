"""Releases per second on SQLite and on PostgreSQL, one process and four processes, against baselines
measured in the same run: a bare INSERT+COMMIT loop on the same backend (what any durable ledger pays).

PostgreSQL runs as a throw-away local cluster (fsync off, as in the tests). Run:
.venv/bin/python benchmarks/ledger.py [--spends N] [--no-postgres]
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


def bare_postgres(url: str, n: int) -> float:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table bare (id serial primary key, v text)"))
    with engine.connect() as conn:
        start = time.perf_counter()
        for i in range(n):
            with conn.begin():
                conn.execute(
                    sa.text("insert into bare (v) values (:v)"), {"v": json.dumps({"i": i})}
                )
        elapsed = time.perf_counter() - start
    engine.dispose()
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


def report(backend: str, base: float, one: float, four: float) -> None:
    print(f"{backend}: bare insert+commit (baseline): {base:8.0f} /s")
    print(f"{backend}: ledger, 1 process:  {one:8.0f} releases/s  ({one / base:.3f}x baseline)")
    print(f"{backend}: ledger, 4 processes: {four:8.0f} releases/s  ({four / base:.3f}x baseline)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spends", type=int, default=5000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = bare_sqlite(Path(folder) / "bare.db", args.spends)
        url = f"sqlite:///{Path(folder) / 'ledger.db'}"
        one = ledger_one_process(url, args.spends)
        four = ledger_four_processes(url, args.spends // 4)
        with open_ledger(url) as ledger:
            assert ledger.verify().ok
    report("sqlite", base, one, four)
    print(f"goal >= 2000/s in one process on SQLite: {'met' if one >= 2000 else 'NOT met'}")
    if args.no_postgres:
        return
    from jupyter_privacy.testing.postgres import PostgresCluster

    with PostgresCluster() as cluster:
        pg_base = bare_postgres(cluster.new_database(), args.spends)
        url = cluster.new_database()
        pg_one = ledger_one_process(url, args.spends)
        pg_four = ledger_four_processes(url, args.spends // 4)
        with open_ledger(url) as ledger:
            assert ledger.verify().ok
    report("postgres", pg_base, pg_one, pg_four)


if __name__ == "__main__":
    main()
