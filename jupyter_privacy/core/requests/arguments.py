"""The plan options shared by `jupyter privacy requests submit` and `%%dp_request submit`:
`--query SQL --epsilon E [--delta D]` pairs (one per query, in order), or `--plan FILE` (a JSON or
YAML list of planned releases, e.g. a DP-SGD or federated training)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from jupyter_privacy.core.requests.errors import PlanError

if TYPE_CHECKING:  # declaring the options (every CLI start) needs no plan machinery
    from jupyter_privacy.core.requests.plan import Plan


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--query", action="append", default=[], metavar="SQL",
                        help="a DP SQL query the code releases (repeat, each with its --epsilon)")  # fmt: skip
    parser.add_argument("--epsilon", action="append", default=[], type=float, metavar="E",
                        help="ε of the --query at the same position")  # fmt: skip
    parser.add_argument("--delta", action="append", default=[], type=float, metavar="D",
                        help="δ of the --query at the same position (default 0)")  # fmt: skip
    parser.add_argument("--plan", metavar="FILE",
                        help="a JSON/YAML list of planned releases (queries, dp-sgd or federated "
                        "trainings), instead of --query/--epsilon")  # fmt: skip


def plan_from_arguments(args: argparse.Namespace) -> Plan:
    from jupyter_privacy.core.requests.plan import Plan

    if args.plan and args.query:
        raise PlanError("give the plan either as --plan FILE or as --query/--epsilon pairs")
    if args.plan:
        from jupyter_privacy.core.files import read_yaml_file  # YAML reads JSON too; the CLI
        # declares this option without loading a YAML parser (its start-up stays light)

        return Plan.of(read_yaml_file(args.plan, "plan file") or [])
    if len(args.epsilon) != len(args.query) or (args.delta and len(args.delta) != len(args.query)):
        raise PlanError(
            f"give one --epsilon (and, if any, one --delta) per --query: {len(args.query)} "
            f"queries, {len(args.epsilon)} epsilons, {len(args.delta)} deltas"
        )
    deltas: list[Any] = args.delta or [0.0] * len(args.query)
    return Plan.of([
        {"kind": "query", "query": q, "epsilon": e, "delta": d}
        for q, e, d in zip(args.query, args.epsilon, deltas, strict=True)
    ])  # fmt: skip
