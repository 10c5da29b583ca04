"""`jupyter privacy query`: a DP SQL release (or a preview) on a CSV or Parquet file.

    jupyter privacy query --budget census --data people.csv --bounds wage=0:2500 \\
        --keys region=north,south --epsilon 0.5 "SELECT region, AVG(wage) FROM t GROUP BY region"
"""

from __future__ import annotations

import argparse
import functools
from typing import Any

from jupyter_privacy.cli.output import (
    add_common,
    delta_arg,
    epsilon_arg,
    open_from_args,
    positive_int_arg,
    print_json,
)
from jupyter_privacy.core.errors import InvalidParameterError


def register(sub: Any) -> None:
    query = sub.add_parser(
        "query", help="release (or preview) a DP SQL query on a CSV/Parquet file",
        description="Answer one DP SQL statement through OpenDP, spending from a budget. "
        "Re-running the same query on the same data replays the stored release (nothing spent).",
    )  # fmt: skip
    query.add_argument("sql", help='e.g. "SELECT COUNT(*), AVG(wage) FROM t"')
    query.add_argument("--budget", required=True, help="the budget to spend from")
    query.add_argument(
        "--data", required=True, metavar="FILE",
        help=".csv or .parquet file, or a quoted glob of them (read lazily, never all at once)",
    )  # fmt: skip
    query.add_argument("--epsilon", type=epsilon_arg, required=True, help="ε for the statement")
    query.add_argument("--delta", type=delta_arg, default=0.0,
                       help="δ (only to select group keys privately)")  # fmt: skip
    query.add_argument("--bounds", action="append", default=[], metavar="COL=LO:HI",
                       help="public bounds of a numeric column (repeat per column)")  # fmt: skip
    query.add_argument("--keys", action="append", default=[], metavar="COL=A,B,C",
                       help="public categories of a group column (repeat per column)")  # fmt: skip
    query.add_argument("--impute", action="append", default=[], metavar="COL=VALUE",
                       help="value for missing entries, inside the bounds (default: midpoint)")  # fmt: skip
    query.add_argument("--max-contributions", type=positive_int_arg, default=None,
                       help="rows one privacy unit can contribute (default: the budget's)")  # fmt: skip
    query.add_argument("--max-rows", type=positive_int_arg, default=10_000_000,
                       help="public upper bound on the number of rows (default 10,000,000)")  # fmt: skip
    query.add_argument("--max-groups", type=positive_int_arg, default=None,
                       help="public bound on groups, to select undeclared keys privately")  # fmt: skip
    query.add_argument("--alpha", type=float, default=0.05, help="report accuracy at 1 − α")
    query.add_argument("--split", metavar="W1,W2,…",
                       help="ε weights per aggregate, in SELECT order (default: even)")  # fmt: skip
    query.add_argument(
        "--preview", action="store_true", help="noise and accuracy only; spend nothing"
    )
    query.add_argument("--rows", type=positive_int_arg, default=None, metavar="N",
                       help="with --preview: public row count (per group) a mean's ± is planned for")  # fmt: skip
    query.add_argument("--fresh", action="store_true", help="draw again even if already released")
    spark = query.add_argument_group("on Apache Spark (PipelineDP; the spark extra)")
    spark.add_argument("--spark-master", metavar="URL",
                       help="answer on Spark: local[N], spark://host:7077, yarn, …; --data may then "
                       "also be s3a://… or hdfs://… (Spark reads it)")  # fmt: skip
    spark.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                       help="a Spark setting, e.g. spark.executor.memory=4g (repeat)")  # fmt: skip
    spark.add_argument("--privacy-id", metavar="COL",
                       help="the privacy unit's id column: PipelineDP bounds each unit's rows")  # fmt: skip
    add_common(query)
    query.set_defaults(handler=_query)


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    out = {}
    for item in items:
        column, sep, value = item.partition("=")
        if not sep or not column.strip() or not value.strip():
            raise InvalidParameterError(f"{flag} takes COLUMN=VALUE, got {item!r}")
        out[column.strip()] = value.strip()
    return out


def _bounds(items: list[str]) -> dict[str, tuple[float, float]]:
    bounds = {}
    for column, text in _pairs(items, "--bounds").items():
        low, _sep, high = text.rpartition(":") if text.count(":") == 1 else ("", "", "")
        try:
            bounds[column] = (float(low), float(high))
        except ValueError:
            raise InvalidParameterError(
                f"--bounds {column}={text}: write LO:HI with numbers, e.g. {column}=0:100"
            ) from None
    return bounds


def _impute(items: list[str]) -> dict[str, float]:
    try:
        return {c: float(v) for c, v in _pairs(items, "--impute").items()}
    except ValueError:
        raise InvalidParameterError("--impute takes COLUMN=NUMBER") from None


def _spark_table(args: argparse.Namespace, declared: dict[str, Any], ledger: Any) -> Any:
    """PipelineDP on the Spark master (Spark starts only once the local files are found)."""
    from jupyter_privacy.core.queries.spark_source import spark_session
    from jupyter_privacy.core.queries.spark_table import SparkPrivateTable

    if not args.spark_master:
        raise InvalidParameterError("--privacy-id needs --spark-master (the Spark engine)")
    config = _pairs(args.spark_conf, "--spark-conf")
    session = functools.partial(spark_session, args.spark_master, config=config)
    return SparkPrivateTable(args.data, privacy_id=args.privacy_id, ledger=ledger, spark=session,
                             **declared)  # fmt: skip


def _query(args: argparse.Namespace) -> int:
    # Imported here: OpenDP takes ~1 s to import and other commands must not pay for it.
    from jupyter_privacy.core.queries import PrivateTable, parse_sql

    spec = parse_sql(args.sql).spec
    if args.rows is not None and not args.preview:
        raise InvalidParameterError("--rows plans a --preview's ±; a release's interval comes "
                                    "from its own noisy count")  # fmt: skip
    keys = {c: v.split(",") for c, v in _pairs(args.keys, "--keys").items()}
    declared = {"budget": args.budget, "bounds": _bounds(args.bounds), "keys": keys,
                "impute": _impute(args.impute), "max_contributions": args.max_contributions}  # fmt: skip
    with open_from_args(args) as ledger:
        if args.spark_master or args.privacy_id:
            table = _spark_table(args, declared, ledger)
        else:
            table = PrivateTable(args.data, max_rows=args.max_rows, max_groups=args.max_groups,
                                 ledger=ledger, **declared)  # fmt: skip
        try:
            if args.preview:
                result: Any = table.preview(spec, args.epsilon, delta=args.delta, alpha=args.alpha,
                                            split=args.split, expected_rows=args.rows)  # fmt: skip
            else:
                result = table.release(spec, args.epsilon, delta=args.delta, alpha=args.alpha,
                                       fresh=args.fresh, origin="cli", split=args.split)  # fmt: skip
        finally:
            table.close()
        if args.json:
            print_json({"preview" if args.preview else "release": result.to_dict(),
                        "budget": ledger.budget(args.budget).to_dict()})  # fmt: skip
        else:
            print(result)
    return 0
