"""`jupyter privacy report budgets --out budgets.html`: the budget dashboard as one offline page."""

from __future__ import annotations

import argparse
from typing import Any

from jupyter_privacy.cli.output import add_common, open_from_args, positive_int_arg, print_json


def register(sub: Any) -> None:
    report = sub.add_parser("report", help="offline HTML reports for people without JupyterLab")
    verbs = report.add_subparsers(dest="verb", metavar="VERB", required=True)
    budgets = verbs.add_parser(
        "budgets", help="every budget's charts, integrity and newest releases in one HTML file"
    )
    budgets.add_argument("--out", metavar="FILE", required=True, help="e.g. budgets.html")
    budgets.add_argument(
        "--releases", type=positive_int_arg, default=500, help="newest releases listed (500)"
    )
    budgets.add_argument(
        "--root", metavar="DIR", help="notebook paths are shown relative to it (default: here)"
    )
    add_common(budgets)
    budgets.set_defaults(handler=_budgets)


def _budgets(args: argparse.Namespace) -> int:
    from jupyter_privacy.charts.budget_report import write_budget_report
    from jupyter_privacy.core.errors import InvalidParameterError

    with open_from_args(args, read_only=True) as ledger:
        try:
            path = write_budget_report(ledger, args.out, releases=args.releases, root=args.root)
        except OSError as error:
            raise InvalidParameterError(
                f"cannot write {args.out} ({error.strerror}); choose a writable --out"
            ) from None
        budgets = len(ledger.budgets())
    if args.json:
        print_json({"out": str(path), "budgets": budgets})
    else:
        print(f"wrote {path} ({budgets} budget(s), {path.stat().st_size / 1024:.0f} KiB, offline)")
    return 0
