"""DP queries against plain pandas on a generated frame (default 10 million rows), same run.

Each DP query is timed as a user calls it: the first one includes every set-up step (building the
PrivateTable from the pandas frame, converting and spilling the columns it reads to Arrow IPC, fingerprinting them,
calibrating, recording the spend; after a warm-up on 1,000 rows, since pandas' timings do not include
imports either); later ones are fresh draws (replay would skip OpenDP). "OpenDP run" is the floor
under a later query: OpenDP's measurement alone on its already written input. Baselines:
pandas computing the same aggregate (count: `Series.count()`, a pass counting non-missing values;
`len(df)` would be O(1)), pandas doing the same work as the DP query besides noise (fill missing
values, clip to the bounds, aggregate), and (the anchor) OpenDP's Context used directly on the
in-memory frame.

Large data (issue 9): a Parquet table of --large-rows rows (default 100 million), generated in chunks
as several files and removed afterwards, queried through a glob: a DP mean against polars' lazy scan
computing the same mean, each in its own subprocess so its peak RSS (/proc VmHWM) can be
compared with the table's size in memory (polars' estimated size of the generated chunks).
Run: .venv/bin/python benchmarks/queries.py [--rows N] [--repeat R] [--no-context]
                                            [--large-rows N | --no-large] [--large-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

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
    """`value` ~ N(40, 10) has a few hundred values outside its bounds (0, 100), so OpenDP clips
    it; `score` ~ U(0, 100) lies inside them, so the clip is a checked no-op (see DataFacts)."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({"group": rng.choice(GROUPS, rows), "value": rng.normal(40, 10, rows),
                         "score": rng.uniform(0, 100, rows)})  # fmt: skip


def context_mean(frame: pd.DataFrame, rows: int) -> float:
    import opendp.prelude as dp
    import polars as pl

    dp.enable_features("contrib")
    context = dp.Context.compositor(
        data=pl.from_pandas(frame[["group", "value"]]).lazy(),  # the columns of earlier rounds
        privacy_unit=dp.unit_of(contributions=1),
        privacy_loss=dp.loss_of(epsilon=1.0),
        split_evenly_over=1,
        margins=[dp.polars.Margin(by=[], max_length=rows)],
    )
    query = context.query().select(pl.col("value").fill_null(50.0).dp.mean((0.0, 100.0)))
    return float(query.release().collect().item())


def opendp_run_alone(table: PrivateTable, name: str, repeat: int) -> float:
    """The floor under a later query: OpenDP's measurement invoked on the already spilled input,
    with no fingerprint, ledger or post-processing (internal API; benchmark only)."""
    from jupyter_privacy.core.queries.mechanisms import run
    from jupyter_privacy.core.queries.spec import Aggregate, QuerySpec

    column = "score" if name == "mean, in bounds" else "value"
    aggregate = Aggregate("count") if name == "count" else Aggregate("mean", column)
    spec = QuerySpec((aggregate,), ("group",) if name == "grouped mean" else (), None)
    general = table._calibrate(spec, 1.0, 0.0)
    facts = table._source.data_facts(list(general.columns), table.bounds)
    calibrated = table._calibrate(spec, 1.0, 0.0, facts)
    scan = table._source.scan(list(calibrated.columns), calibrated.encoded)
    return timed(lambda: run(calibrated, scan), repeat)[0]


def write_parquet_parts(folder: Path, rows: int, per_file: int = 10_000_000) -> int:
    """Several Parquet files written chunk by chunk; returns the table's size in memory (bytes)."""
    size, start = 0, 0
    while start < rows:
        n = min(per_file, rows - start)
        rng = np.random.default_rng(start)
        chunk = pl.DataFrame({"value": rng.normal(40, 10, n), "group": rng.choice(GROUPS, n)})
        size += chunk.estimated_size()
        chunk.write_parquet(
            folder / f"part-{start // per_file:04d}.parquet", row_group_size=1 << 20
        )
        start += n
    return size


def peak_rss() -> int:
    """This process's peak resident memory (VmHWM; ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # pragma: no cover


def child(kind: str, pattern: str, rows: int) -> None:
    """One measurement in a fresh process: timings, then this process's peak RSS, as JSON."""
    baseline = peak_rss()
    result: dict[str, float] = {}
    if kind == "polars":
        scan = pl.scan_parquet(pattern)
        clipped = pl.col("value").fill_nan(50.0).fill_null(50.0).clip(0, 100).mean()
        result["mean s"], _ = timed(lambda: scan.select(pl.col("value").mean()).collect(
            engine="streaming"))  # fmt: skip
        result["clipped mean s"], _ = timed(
            lambda: scan.select(clipped).collect(engine="streaming")
        )
    else:
        folder = Path(tempfile.mkdtemp())
        ledger = open_ledger(f"sqlite:///{folder / 'ledger.db'}")
        ledger.create_budget("bench", 1e6)

        def first() -> object:
            table = PrivateTable(pattern, budget="bench", ledger=ledger, bounds={"value": (0, 100)},
                                 max_rows=rows)  # fmt: skip
            return table, table.mean("value", 1.0)

        result["first s"], (table, release) = timed(first)
        result["later s"], _ = timed(lambda: table.mean("value", 1.0, fresh=True))
        result["value"] = release.value
        shutil.rmtree(folder)
    result["baseline rss"] = baseline
    result["peak rss"] = peak_rss()
    print(json.dumps(result))


def large_data(rows: int, where: str | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="dp-large-", dir=where))
    try:
        start = time.perf_counter()
        in_memory = write_parquet_parts(folder, rows)
        on_disk = sum(p.stat().st_size for p in folder.glob("*.parquet"))
        print(f"\nlarge data: {rows:,} rows in {len(list(folder.glob('*.parquet')))} Parquet files"
              f" ({on_disk / 2**30:.2f} GiB on disk, {in_memory / 2**30:.2f} GiB in memory, "
              f"value column alone {rows * 8 / 2**30:.2f} GiB); generated in "
              f"{time.perf_counter() - start:.0f} s")  # fmt: skip
        pattern = str(folder / "*.parquet")
        runs = {}
        for kind in ("polars", "dp"):
            out = subprocess.run([sys.executable, __file__, "--child", kind, "--pattern", pattern,
                                  "--large-rows", str(rows)], capture_output=True, text=True,
                                 check=True)  # fmt: skip
            runs[kind] = json.loads(out.stdout.strip().splitlines()[-1])
        polars_run, dp_run = runs["polars"], runs["dp"]
        for name, data in runs.items():
            print(f"{name:<7} peak RSS {data['peak rss'] / 2**30:.2f} GiB "
                  f"(after imports {data['baseline rss'] / 2**30:.2f} GiB) = "
                  f"{data['peak rss'] / in_memory:.0%} of the table in memory")  # fmt: skip
        base = polars_run["mean s"]
        print(f"polars lazy mean {base:.2f} s; clipped mean {polars_run['clipped mean s']:.2f} s")
        print(f"DP mean first {dp_run['first s']:.2f} s ({dp_run['first s'] / base:.1f}×), later "
              f"{dp_run['later s']:.2f} s ({dp_run['later s'] / base:.1f}×; "
              f"{dp_run['later s'] / polars_run['clipped mean s']:.1f}× the clipped mean)")  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-context", action="store_true")
    parser.add_argument("--large-rows", type=int, default=100_000_000)
    parser.add_argument("--no-large", action="store_true")
    parser.add_argument("--no-small", action="store_true")
    parser.add_argument("--large-dir", help="where to write the Parquet files (default: TMPDIR)")
    parser.add_argument("--child", choices=["dp", "polars"], help=argparse.SUPPRESS)
    parser.add_argument("--pattern", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.pattern, args.large_rows)
    if not args.no_small:
        in_memory(args)
    if not args.no_large:
        large_data(args.large_rows, args.large_dir)


def in_memory(args: argparse.Namespace) -> None:
    frame = make_frame(args.rows)
    folder = Path(tempfile.mkdtemp())
    ledger = open_ledger(f"sqlite:///{folder / 'ledger.db'}")
    ledger.create_budget("bench", 1e6)

    base = {
        "count": timed(lambda: frame["value"].count(), args.repeat)[0],  # len() is O(1)
        "mean": timed(lambda: frame["value"].mean(), args.repeat)[0],
        "mean, in bounds": timed(lambda: frame["score"].mean(), args.repeat)[0],
        "grouped mean": timed(lambda: frame.groupby("group")["value"].mean(), args.repeat)[0],
    }
    clipped = lambda: frame["value"].fillna(50.0).clip(0, 100)  # noqa: E731 - what DP computes
    same_work = {
        "count": base["count"],
        "mean": timed(lambda: clipped().mean(), args.repeat)[0],
        "mean, in bounds": timed(
            lambda: frame["score"].fillna(50.0).clip(0, 100).mean(), args.repeat
        )[0],
        "grouped mean": timed(lambda: clipped().groupby(frame["group"]).mean(), args.repeat)[0],
    }

    def new_table(data: pd.DataFrame = frame) -> PrivateTable:
        return PrivateTable(data, budget="bench", ledger=ledger,
                            bounds={"value": (0, 100), "score": (0, 100)},
                            keys={"group": GROUPS}, max_rows=args.rows)  # fmt: skip

    queries = {
        "count": lambda t: t.count(1.0, fresh=True),
        "mean": lambda t: t.mean("value", 1.0, fresh=True),
        "mean, in bounds": lambda t: t.mean("score", 1.0, fresh=True),
        "grouped mean": lambda t: t.group_by("group").mean("value", 1.0, fresh=True),
    }
    # Warm-up on 1,000 rows: imports and OpenDP's one-off initialisation are paid once per
    # process, like pandas' own, which the pandas timings above do not include either.
    for run in queries.values():
        run(new_table(frame.head(1000)))
    print(f"rows {args.rows:,}; median of {args.repeat} runs; ratios are DP time / pandas time")
    print(
        f"{'query':<16}{'pandas s':>10}{'first s':>10}{'first ×':>10}{'later s':>10}{'later ×':>10}"
        f"{'pandas+clip s':>15}{'later ×':>12}{'OpenDP run s':>14}{'×':>6}"
    )
    for name, run in queries.items():
        firsts = []
        for _ in range(args.repeat):  # everything a new session pays, on a new table each time
            table = new_table()
            firsts.append(timed(lambda run=run, table=table: run(table))[0])
            table.close()
        first = statistics.median(firsts)
        table = new_table()
        run(table)  # warm: spill, fingerprint and budget record are cached on the table
        later, _ = timed(lambda run=run, table=table: run(table), args.repeat)
        floor = opendp_run_alone(table, name, args.repeat)
        table.close()
        print(f"{name:<16}{base[name]:>10.4f}{first:>10.3f}{first / base[name]:>10.1f}"
              f"{later:>10.3f}{later / base[name]:>10.1f}{same_work[name]:>15.4f}"
              f"{later / same_work[name]:>12.1f}{floor:>14.4f}{floor / base[name]:>6.1f}")  # fmt: skip
    if not args.no_context:
        anchor, _ = timed(lambda: context_mean(frame, args.rows))
        print(f"anchor: OpenDP Context on the in-memory frame, one mean: {anchor:.3f} s "
              f"= {anchor / base['mean']:.0f}× pandas")  # fmt: skip


if __name__ == "__main__":
    main()
