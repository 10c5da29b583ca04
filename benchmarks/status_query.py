"""The status bar's question, "which budget did this notebook last spend from?", on a busy SQLite
ledger: the indexed `last_release_from_notebook` query against the scan it replaced (each budget's
newest 200 releases through `history`), both measured in this run. Also the query on a ledger
without the origin index (one created before it existed, opened read-only).

Run: .venv/bin/python benchmarks/status_query.py [--releases N]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from jupyter_privacy import open_ledger
from jupyter_privacy.core.ledger import Ledger

ROOT = "/srv/lab"
NOTEBOOKS = 40
BUDGETS = 4


def old_scan(ledger: Ledger, notebook: str) -> str | None:
    """The replaced algorithm: each budget's newest 200 releases, matched in Python."""
    origins = (f"notebook:{notebook}", f"notebook:{ROOT}/{notebook}")
    newest: tuple[int, str] | None = None
    for budget in ledger.budgets():
        for release in ledger.history(budget.name, limit=200, newest_first=True):
            if release.origin.split("#", 1)[0] in origins:
                if newest is None or release.id > newest[0]:
                    newest = (release.id, budget.name)
                break
    return newest[1] if newest else None


def new_query(ledger: Ledger, notebook: str) -> str | None:
    release = ledger.last_release_from_notebook(notebook, f"{ROOT}/{notebook}")
    return release.budget if release else None


def timed(call: Callable[[], object], repeat: int = 30) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--releases", type=int, default=20_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="jp-status-bench-"))
    url = f"sqlite:///{folder / 'ledger.db'}"
    with open_ledger(url) as ledger:
        for b in range(BUDGETS):
            ledger.create_budget(f"b{b}", 1e6)
        ledger.spend("b0", 1e-6, value=0, origin=f"notebook:{ROOT}/early.ipynb#cell=1")
        for i in range(args.releases):
            origin = f"notebook:{ROOT}/nb{i % NOTEBOOKS}.ipynb#cell={i}"
            ledger.spend(f"b{i % BUDGETS}", 1e-6, value={"i": i}, origin=origin)
        cases = {
            "recent notebook (spent in the last 200)": "nb3.ipynb",
            "early notebook (one spend, then all the others)": "early.ipynb",
            "notebook that never spent": "never.ipynb",
        }
        print(f"{args.releases:,} releases over {BUDGETS} budgets from {NOTEBOOKS} notebooks")
        print(f"{'case':<50} {'old scan':>10} {'indexed':>10} {'ratio':>8}  answers (old / new)")
        for label, notebook in cases.items():
            old = timed(lambda n=notebook: old_scan(ledger, n))
            new = timed(lambda n=notebook: new_query(ledger, n))
            answers = f"{old_scan(ledger, notebook)} / {new_query(ledger, notebook)}"
            print(
                f"{label:<50} {old * 1e3:>8.2f}ms {new * 1e3:>8.2f}ms {new / old:>7.3f}×  {answers}"
            )
    with sqlite3.connect(folder / "ledger.db") as raw:
        raw.execute("DROP INDEX ix_jp_entries_origin")
    with open_ledger(f"sqlite:///file:{folder / 'ledger.db'}?mode=ro&uri=true") as ledger:
        old = timed(lambda: old_scan(ledger, "never.ipynb"))
        new = timed(lambda: new_query(ledger, "never.ipynb"))
        print(f"{'never spent, ledger without the origin index':<50} {old * 1e3:>8.2f}ms "
              f"{new * 1e3:>8.2f}ms {new / old:>7.3f}×")  # fmt: skip


if __name__ == "__main__":
    main()
