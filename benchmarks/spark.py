"""DP queries on Spark (PipelineDP, `local[2]`) against the polars path (OpenDP) on the same Parquet files.

For each size in --rows (default 10 and 100 million) a table is generated as Parquet files in a
temporary folder (removed afterwards) and one statement is asked of it,
`SELECT grp, AVG(value) FROM t GROUP BY grp` over 8 declared groups, by:

- polars, plain (the baseline): a lazy scan computing the clipped, imputed mean per group;
- the polars path (OpenDP): `PrivateTable(glob)`: first query (fingerprint, calibration, spend)
  and a later fresh draw;
- Spark, plain: the same aggregate in Spark SQL (the JVM engine, no DP);
- the Spark path (PipelineDP on `local[2]`): `SparkPrivateTable(glob)`: first and later query.
  PipelineDP runs in Python workers, row by row, which is its cost per row. With --privacy-id-rows
  N (default 1M, 0 to skip) the Spark path is also timed with a privacy-unit id column on the
  first N rows (10 rows per unit): PipelineDP then bounds each unit's rows, a shuffle by unit.

Rows are privacy units (max_contributions 1, declared) so both engines do the same work. Timings
are wall-clock seconds of one run each ("later": a fresh draw, at the smallest size only);
µs/row = seconds / rows × 1e6. Spark's start-up (JVM, session) is timed apart. Sizes above
--spark-dp-rows (default 100M: the whole run takes ~25 min on a quiet 2-core machine) get a
projection from the largest measured Spark DP cost per row, marked as such.
Run: .venv/bin/python benchmarks/spark.py [--rows 1000000,10000000] [--spark-dp-rows N]
[--privacy-id-rows N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.queries import PrivateTable

GROUPS = [f"g{i}" for i in range(8)]
SQL = "SELECT grp, AVG(value) FROM t GROUP BY grp"
PER_FILE = 10_000_000


def seconds(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def write_table(folder: Path, rows: int) -> None:
    """Parquet files of ≤ 10M rows: value ~ N(40, 10) (bounds 0-100), 8 groups, uid (10 rows each)."""
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, rows, PER_FILE):
        n = min(PER_FILE, rows - start)
        rng = np.random.default_rng(start)
        pl.DataFrame({
            "value": rng.normal(40, 10, n), "grp": rng.choice(GROUPS, n),
            "uid": np.arange(start, start + n) // 10,
        }).write_parquet(folder / f"part-{start // PER_FILE:04d}.parquet", row_group_size=1 << 20)  # fmt: skip


def polars_plain(pattern: str) -> object:
    value = pl.col("value").fill_nan(50.0).fill_null(50.0).clip(0, 100).mean()
    return pl.scan_parquet(pattern).group_by("grp").agg(value).collect(engine="streaming")


def spark_plain(spark, pattern: str) -> object:
    from pyspark.sql import functions as F

    value = F.least(F.greatest(F.coalesce(F.nanvl("value", F.lit(50.0)), F.lit(50.0)), F.lit(0.0)), F.lit(100.0))  # fmt: skip
    return spark.read.parquet(pattern).groupBy("grp").agg(F.avg(value)).collect()


def measure(spark, ledger, pattern: str, rows: int, *, privacy_id: str | None = None,
            spark_dp: bool = True, later: bool = True) -> dict:  # fmt: skip
    from jupyter_privacy.core.queries.spark_table import SparkPrivateTable

    declared = {"budget": "bench", "ledger": ledger, "bounds": {"value": (0, 100)},
                "keys": {"grp": GROUPS}}  # fmt: skip
    out: dict[str, float] = {}
    if privacy_id is None:
        out["polars plain"], _ = seconds(lambda: polars_plain(pattern))
        table = PrivateTable(pattern, max_contributions=1, max_rows=rows, **declared)
        out["polars DP first"], _ = seconds(lambda: table.query(SQL, 1.0))
        out["polars DP later"], _ = seconds(lambda: table.query(SQL, 1.0, fresh=True))
        out["spark plain"], _ = seconds(lambda: spark_plain(spark, pattern))
    if not spark_dp:
        return out
    contributions = 10 if privacy_id else 1
    spark_table = SparkPrivateTable(pattern, spark=spark, privacy_id=privacy_id,
                                    max_contributions=contributions, **declared)  # fmt: skip
    out["spark DP first"], _ = seconds(lambda: spark_table.query(SQL, 1.0))
    if later:
        out["spark DP later"], _ = seconds(lambda: spark_table.query(SQL, 1.0, fresh=True))
    return out


def report(rows: int, figures: dict, label: str = "") -> None:
    base = figures.get("polars plain")
    print(f"\n{rows:,} rows{label}")
    print(f"{'what':<22}{'seconds':>10}{'µs/row':>10}{'vs polars plain':>18}")
    for what, value in figures.items():
        ratio = f"{value / base:.1f}×" if base else "-"
        print(f"{what:<22}{value:>10.2f}{value / rows * 1e6:>10.3f}{ratio:>18}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000000,100000000", help="comma-separated sizes")
    parser.add_argument("--spark-dp-rows", type=int, default=100_000_000,
                        help="largest size the Spark DP path runs at (~12 µs a row on a quiet "
                        "2-core machine: 100M rows take ~20 min); larger sizes are projected from "
                        "the largest measured")  # fmt: skip
    parser.add_argument("--privacy-id-rows", type=int, default=1_000_000)
    parser.add_argument("--dir", default=None, help="where to write the Parquet files (temporary)")
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.rows.split(",")]
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    print(f"load average before: {os.getloadavg()}")
    from jupyter_privacy.core.queries.spark_source import spark_session

    started, spark = seconds(lambda: spark_session(
        "local[2]", app_name="jupyter-privacy-bench",
        config={"spark.ui.enabled": "false", "spark.driver.memory": "4g"}))  # fmt: skip
    print(f"Spark session start: {started:.1f} s (JVM, local[2])")
    root = Path(tempfile.mkdtemp(prefix="jp-spark-bench-", dir=args.dir))
    ledger = open_ledger(f"sqlite:///{root / 'ledger.db'}")
    ledger.create_budget("bench", 1e9, 1e-3, privacy_unit="one row")
    per_row = None
    try:
        for rows in sorted(sizes):
            folder = root / f"rows-{rows}"
            written, _ = seconds(lambda: write_table(folder, rows))  # noqa: B023
            print(f"\nwrote {rows:,} rows in {written:.1f} s "
                  f"({sum(p.stat().st_size for p in folder.iterdir()) / 2**30:.2f} GiB Parquet)")  # fmt: skip
            figures = measure(spark, ledger, str(folder / "*.parquet"), rows,
                              spark_dp=rows <= args.spark_dp_rows, later=rows == min(sizes))  # fmt: skip
            if "spark DP first" in figures:
                per_row = figures["spark DP first"] / rows
            elif per_row is not None:
                figures["spark DP (projected)"] = per_row * rows
            report(rows, figures)
            shutil.rmtree(folder, ignore_errors=True)
        if args.privacy_id_rows:
            rows = args.privacy_id_rows
            folder = root / f"rows-{rows}-units"
            write_table(folder, rows)
            figures = measure(
                spark, ledger, str(folder / "*.parquet"), rows, privacy_id="uid", later=False
            )
            report(rows, figures, " with a privacy-unit id column (10 rows per unit)")
        print(f"\nload average after: {os.getloadavg()}")
    finally:
        spark.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
