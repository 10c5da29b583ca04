"""What running a request on the owner's side costs over making the same releases in-process.

    .venv/bin/python benchmarks/requests.py [--repeat 3]

On the pilot's data (CPS 1988, 28,155 rows, as a CSV file) it prints, from one run:

- the baseline: the request's two DP queries released in this process by a `PrivateTable` over
  the same file (fresh draws, OpenDP already imported, measurements cached; median of
  `--repeat`), and the first such release (which builds OpenDP's measurements);
- a new Python process that only imports the kit's query engine (OpenDP, polars);
- the whole approved run (`run_request`: checks, events, a new Python process that imports OpenDP
  and builds the table, the two releases, the plan check, cleanup), median of `--repeat` runs, each
  on a fresh request, as a ratio to the baseline;
- review (code, previews of both queries on the mock) and submission, once each.

Spends only on a temporary ledger. Record results in docs/benchmarks.md with the date, machine and
load (`uptime`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = ("SELECT region, COUNT(*), AVG(wage) FROM t GROUP BY region",
           "SELECT AVG(wage) FROM t WHERE parttime = 'no'")  # fmt: skip
CODE = f'''
def analysis(data):
    data.table.query("{QUERIES[0]}", epsilon=0.5)
    data.table.query("{QUERIES[1]}", epsilon=0.5)
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from jupyter_privacy.core.ledger import open_ledger
    from jupyter_privacy.core.queries import PrivateTable
    from jupyter_privacy.core.requests.datasets import register_dataset
    from jupyter_privacy.core.requests.records import get_request
    from jupyter_privacy.core.requests.review import review_request
    from jupyter_privacy.core.requests.runner import run_request
    from jupyter_privacy.core.requests.workflow import approve_request, submit_request
    from jupyter_privacy.pilot.steps import pilot_dataset

    folder = Path(tempfile.mkdtemp(prefix="jp-bench-requests-"))
    example = pilot_dataset()
    private = folder / "cps1988.csv"
    example.frame.to_csv(private, index=False)
    ledger = open_ledger(f"sqlite:///{folder / 'ledger.db'}")
    ledger.create_budget("cps", 1000.0, 1e-5)
    register_dataset(ledger, "cps", private=private, budget="cps", bounds=example.bounds,
                     keys=example.keys, store=folder / "store", actor="owner")  # fmt: skip

    table = PrivateTable(str(private), budget="cps", bounds=example.bounds, keys=example.keys,
                         ledger=ledger)  # fmt: skip
    baseline = []
    for _ in range(args.repeat + 1):  # the first builds OpenDP's measurements: a warm-up
        begin = time.perf_counter()
        for sql in QUERIES:
            table.query(sql, epsilon=0.5, fresh=True)
        baseline.append(time.perf_counter() - begin)
    base = statistics.median(baseline[1:])

    begin = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import jupyter_privacy.core.queries"], check=True)
    process_s = time.perf_counter() - begin

    plan = [{"query": sql, "epsilon": 0.5} for sql in QUERIES]
    begin = time.perf_counter()
    record = submit_request(ledger, CODE, dataset="cps", plan=plan, actor="scientist")
    submit_s = time.perf_counter() - begin
    begin = time.perf_counter()
    review_request(ledger, get_request(ledger, record.id))
    review_s = time.perf_counter() - begin
    runs = []
    for index in range(args.repeat):
        if index:
            record = submit_request(ledger, CODE, dataset="cps", plan=plan, actor="scientist")
        approve_request(ledger, record.id, actor="owner")
        begin = time.perf_counter()
        outcome = run_request(ledger, record.id, store=folder / "store", timeout=600)
        runs.append(time.perf_counter() - begin)
        assert outcome.outcome == "completed", outcome.log.read_text()
    run = statistics.median(runs)
    print(f"in-process releases (baseline): {base:.2f} s (median of {args.repeat})  1.0×")
    print(f"in-process, first (builds the measurements): {baseline[0]:.2f} s  "
          f"{baseline[0] / base:.1f}×")  # fmt: skip
    print(f"a new process importing OpenDP: {process_s:.2f} s  {process_s / base:.1f}×")
    print(f"approved run, separate process: {run:.2f} s (median of {args.repeat})  "
          f"{run / base:.1f}×")  # fmt: skip
    print(f"submission: {submit_s:.2f} s; review with both previews: {review_s:.2f} s")


if __name__ == "__main__":
    main()
