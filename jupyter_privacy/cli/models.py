"""`jupyter privacy models verify`: are the stored DP-SGD models the ones their releases describe?

Each recorded training keeps its weights (and per-epoch history) beside the ledger, with their
SHA-256 in the release's hash-chained details. This compares the files with those digests; run it
after `ledger verify`, which proves the digests themselves were not edited. No TensorFlow needed.
"""

from __future__ import annotations

import argparse
from typing import Any

from jupyter_privacy.cli.output import add_common, open_from_args, print_json


def register(sub: Any) -> None:
    models = sub.add_parser("models", help="check the stored DP-SGD models against the ledger")
    verbs = models.add_subparsers(dest="models_command", required=True, metavar="COMMAND")
    verify = verbs.add_parser(
        "verify", help="compare every recorded training's weights and history with their digests"
    )
    add_common(verify)
    verify.add_argument("--model-store", metavar="DIR",
                        help="where the models are kept (default: models/ beside the ledger)")  # fmt: skip
    verify.set_defaults(handler=_verify)


def _verify(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.training.audit import verify_stored_models

    with open_from_args(args, read_only=True) as ledger:
        report = verify_stored_models(ledger, args.model_store)
    if args.json:
        print_json(report.to_dict())
        return 0 if report.ok else 1
    if not report.checks:
        print(f"no recorded DP-SGD trainings ({report.store})")
        return 0
    verdict = "OK" if report.ok else f"PROBLEMS in {len(report.problems)} release(s)"
    print(f"stored models {verdict}: {len(report.checks)} training(s) checked in {report.store}")
    for check in report.checks:
        mark = "ok " if check.ok else "BAD"
        print(f"  {mark} release {check.release_id} ({check.budget}): weights {check.weights}, "
              f"history {check.history}")  # fmt: skip
    if not report.ok:
        print("restore the original files, or train again with fresh=True (which spends again)")
    return 0 if report.ok else 1
