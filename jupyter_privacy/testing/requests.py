"""Test support for remote data science requests: a private table with planted sentinels, its
registration, and an honest request. Shared by tests/requests, tests/server and tests/ui."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jupyter_privacy.core.ledger import Ledger

OWNER, SCIENTIST = "olivia", "sam"
#: Planted in the private data; nothing a scientist receives may contain either.
SENTINEL_NAME = "zq-sentinel-8c1f"
SENTINEL_WAGE = "4321.9876"
REGIONS = ["north", "south", "east", "west"]
BOUNDS = {"age": (18, 90), "wage": (0, 5000)}
COUNT = "SELECT COUNT(*) FROM t"
MEAN_BY_REGION = "SELECT region, AVG(wage) FROM t GROUP BY region"
HONEST = """
def analysis(data):
    data.table.query("SELECT COUNT(*) FROM t", epsilon=0.5)
    data.table.query("SELECT region, AVG(wage) FROM t GROUP BY region", epsilon=1.0)
"""

#: Approved code that tries every way out with the private rows: stdout, stderr, the working
#: directory, TMPDIR, a query outside its plan (with a private name in it), an exception, a return.
LEAKY = """
def analysis(data):
    import pathlib, sys, tempfile
    frame = data.frame()
    print(frame.to_string())                                   # stdout
    print(frame.to_csv(), file=sys.stderr)                     # stderr
    pathlib.Path("leak.csv").write_text(frame.to_csv())         # the working directory
    pathlib.Path(tempfile.gettempdir(), "leak.txt").write_text(frame.to_csv())  # TMPDIR
    print("tmpdir:", tempfile.gettempdir())
    data.table.query("SELECT COUNT(*) FROM t", epsilon=0.5)
    secret = frame["name"][3]
    try:                                                       # a query it was not approved for
        data.table.query(f"SELECT COUNT(*) FROM t WHERE name = '{secret}'", epsilon=0.5)
    except Exception as error:
        print("refused:", error)
    if not data.mock:
        raise RuntimeError("leaking through an error: " + frame.to_csv())
    return frame                                               # a return value
"""


def honest_plan() -> list[dict[str, Any]]:
    return [{"query": COUNT, "epsilon": 0.5}, {"query": MEAN_BY_REGION, "epsilon": 1.0}]


def private_frame(rows: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "name": [f"person-{i}" for i in range(rows)],
        "age": rng.integers(18, 90, rows),
        "wage": rng.uniform(100, 2000, rows).round(2),
        "region": rng.choice(REGIONS, rows),
    })  # fmt: skip
    frame.loc[3, "name"] = SENTINEL_NAME
    frame.loc[3, "wage"] = float(SENTINEL_WAGE)
    return frame


def register_people(ledger: Ledger, private_csv: Path, store: Path, **options: Any) -> Any:
    """Budget `people` (ε 3, δ 1e-5) and dataset `people` over `private_csv` (written if missing)."""
    from jupyter_privacy.core.requests.datasets import register_dataset

    if not private_csv.exists():
        private_csv.parent.mkdir(parents=True, exist_ok=True)
        private_frame().to_csv(private_csv, index=False)
    if "people" not in [b.name for b in ledger.budgets()]:
        ledger.create_budget("people", 3.0, 1e-5, privacy_unit="one person")
    return register_dataset(
        ledger, "people", private=private_csv, budget="people", bounds=BOUNDS,
        keys={"region": REGIONS}, store=store, actor=OWNER, seed=1, **options,
    )  # fmt: skip
