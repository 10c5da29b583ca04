"""CLI start-up: `jupyter privacy budget list` against `python -c "import sqlalchemy"`, measured in
the same run (interleaved, median of N), so machine load hits both alike. Goal: within 2×.

A command that only reads the ledger needs SQLAlchemy and little else; OpenDP, polars, pandas,
numpy and scipy must load only in the commands that use them. Run:
.venv/bin/python benchmarks/cli_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_privacy import open_ledger


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cli-startup-"))
    url = f"sqlite:///{folder / 'ledger.db'}"
    with open_ledger(url) as ledger:
        for i in range(5):
            ledger.create_budget(f"budget-{i}", 1.0)
    env = {**os.environ, "JUPYTER_PRIVACY_LEDGER": url}
    bindir = Path(sys.executable).parent
    commands = {
        'python -c "import sqlalchemy" (baseline)': [sys.executable, "-c", "import sqlalchemy"],
        "jupyter-privacy budget list": [str(bindir / "jupyter-privacy"), "budget", "list"],
        "jupyter privacy budget list": [str(bindir / "jupyter"), "privacy", "budget", "list"],
        "jupyter-privacy --help": [str(bindir / "jupyter-privacy"), "--help"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # warm the file cache
        timed(argv, env)
    for _ in range(args.runs):
        for name, argv in commands.items():
            times[name].append(timed(argv, env))
    shutil.rmtree(folder, ignore_errors=True)
    baseline = statistics.median(next(iter(times.values())))
    print(f"median of {args.runs} runs each, interleaved; load average {os.getloadavg()[0]:.2f}")
    print(f"{'command':<46}{'median s':>10}{'ratio':>8}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<46}{median:>10.3f}{median / baseline:>7.2f}×")


if __name__ == "__main__":
    main()
