"""DP queries against plain pandas on a generated frame (default 10 million rows), same run.

Each DP query is timed as a user calls it: the first one includes every set-up step (building the
PrivateTable from the pandas frame, writing the Arrow IPC spill, fingerprinting the data, calibrating,
recording the spend); later ones are fresh draws (replay would skip OpenDP). Baselines: pandas
computing the same aggregate, and (the anchor) OpenDP's Context used directly on the in-memory frame.
Run: .venv/bin/python benchmarks/queries.py [--rows N] [--repeat R] [--no-context]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.queries import PrivateTable

GROUPS = [f"g{i}" for i in range(8)]


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def make_frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"group": rng.choice(GROUPS, rows), "value": rng.normal(40, 10, rows)})


def context_mean(frame: pd.DataFrame, rows: int) -> float:
    import opendp.prelude as dp
    import polars as pl

    dp.enable_features("contrib")
    context = dp.Context.compositor(
        data=pl.from_pandas(frame).lazy(),
        privacy_unit=dp.unit_of(contributions=1),
        privacy_loss=dp.loss_of(epsilon=1.0),
        split_evenly_over=1,
        margins=[dp.polars.Margin(by=[], max_length=rows)],
    )
    query = context.query().select(pl.col("value").fill_null(50.0).dp.mean((0.0, 100.0)))
    return float(query.release().collect().item())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-context", action="store_true")
    args = parser.parse_args()
    frame = make_frame(args.rows)
    folder = Path(tempfile.mkdtemp())
    ledger = open_ledger(f"sqlite:///{folder / 'ledger.db'}")
    ledger.create_budget("bench", 1e6)

    base = {
        "count": timed(lambda: frame["value"].count(), args.repeat)[0],  # len() is O(1)
        "mean": timed(lambda: frame["value"].mean(), args.repeat)[0],
        "grouped mean": timed(lambda: frame.groupby("group")["value"].mean(), args.repeat)[0],
    }
    clipped = lambda: frame["value"].fillna(50.0).clip(0, 100)  # noqa: E731 - what DP computes
    same_work = {
        "count": base["count"],
        "mean": timed(lambda: clipped().mean(), args.repeat)[0],
        "grouped mean": timed(lambda: clipped().groupby(frame["group"]).mean(), args.repeat)[0],
    }

    def new_table() -> PrivateTable:
        return PrivateTable(frame, budget="bench", ledger=ledger, bounds={"value": (0, 100)},
                            keys={"group": GROUPS}, max_rows=args.rows)  # fmt: skip

    queries = {
        "count": lambda t: t.count(1.0, fresh=True),
        "mean": lambda t: t.mean("value", 1.0, fresh=True),
        "grouped mean": lambda t: t.group_by("group").mean("value", 1.0, fresh=True),
    }
    print(f"rows {args.rows:,}; median of {args.repeat} runs; ratios are DP time / pandas time")
    print(
        f"{'query':<14}{'pandas s':>10}{'first s':>10}{'first ×':>10}{'later s':>10}{'later ×':>10}"
    )
    for name, run in queries.items():
        first, _ = timed(lambda run=run: run(new_table()))  # everything a new session pays
        table = new_table()
        run(table)  # warm: spill, fingerprint and budget record are cached on the table
        later, _ = timed(lambda run=run, table=table: run(table), args.repeat)
        table.close()
        print(f"{name:<14}{base[name]:>10.4f}{first:>10.3f}{first / base[name]:>10.1f}"
              f"{later:>10.3f}{later / base[name]:>10.1f}{same_work[name]:>15.4f}"
              f"{later / same_work[name]:>12.1f}")  # fmt: skip
    if not args.no_context:
        anchor, _ = timed(lambda: context_mean(frame, args.rows))
        print(f"anchor: OpenDP Context on the in-memory frame, one mean: {anchor:.3f} s "
              f"= {anchor / base['mean']:.0f}× pandas")  # fmt: skip


if __name__ == "__main__":
    main()
