"""The whole pilot with default settings, per step, against a baseline measured in the same run:
papermill executing an empty notebook (kernel start and stop), once per step. Goal: ≤ 3 minutes.

Run: .venv/bin/python benchmarks/pilot.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from jupyter_privacy.core.templates import list_templates
from jupyter_privacy.pilot import run_pilot

GOAL_SECONDS = 180.0


def empty_notebook_seconds(folder: Path) -> float:
    book = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                             "display_name": "Python 3"}})  # fmt: skip
    book.cells = [nbformat.v4.new_code_cell("1 + 1")]
    source = folder / "empty.ipynb"
    nbformat.write(book, source)
    start = time.perf_counter()
    papermill.execute_notebook(str(source), str(folder / "empty-out.ipynb"), progress_bar=False)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        steps = len(list_templates())
        baseline = steps * empty_notebook_seconds(folder)
        start = time.perf_counter()
        result = run_pilot(folder / "out", {}, ledger_url=f"sqlite:///{folder / 'ledger.db'}",
                           echo=lambda _text: None)  # fmt: skip
        total = time.perf_counter() - start
    for step in result.steps:
        print(f"{step.name:34s} {step.seconds:6.1f} s")
    print(f"{'gates, scan and report':34s} {total - sum(s.seconds for s in result.steps):6.1f} s")
    print(f"pilot total: {total:.1f} s ({'PASSED' if result.passed else 'FAILED'}); "
          f"{steps} empty notebooks (baseline): {baseline:.1f} s; ratio {total / baseline:.1f}x")  # fmt: skip
    print(f"goal <= {GOAL_SECONDS:.0f} s: {'met' if total <= GOAL_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
