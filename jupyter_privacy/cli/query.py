"""`jupyter privacy query`: a DP SQL release (or a preview) on a CSV or Parquet file.

    jupyter privacy query --budget census --data people.csv --bounds wage=0:2500 \\
        --keys region=north,south --epsilon 0.5 "SELECT region, AVG(wage) FROM t GROUP BY region"
"""

from __future__ import annotations

import argparse
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
    query.add_argument("--fresh", action="store_true", help="draw again even if already released")
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


def _query(args: argparse.Namespace) -> int:
    # Imported here: OpenDP takes ~1 s to import and other commands must not pay for it.
    from jupyter_privacy.core.queries import PrivateTable, parse_sql

    spec = parse_sql(args.sql).spec
    keys = {c: v.split(",") for c, v in _pairs(args.keys, "--keys").items()}
    with open_from_args(args) as ledger:
        table = PrivateTable(
            args.data, budget=args.budget, bounds=_bounds(args.bounds), keys=keys,
            impute=_impute(args.impute), max_contributions=args.max_contributions,
            max_rows=args.max_rows, max_groups=args.max_groups, ledger=ledger,
        )  # fmt: skip
        try:
            if args.preview:
                result: Any = table.preview(spec, args.epsilon, delta=args.delta, alpha=args.alpha,
                                            split=args.split)  # fmt: skip
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
