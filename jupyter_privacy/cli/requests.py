"""`jupyter privacy requests submit|list|show|approve|deny|run|close|results`: remote data science
with the data owner's approval (docs/requests.md).

    jupyter privacy requests submit --dataset cps --code analysis.py \\
        --query "SELECT AVG(wage) FROM t" --epsilon 0.5          # the scientist
    jupyter privacy requests show 12                             # the owner reviews
    jupyter privacy requests approve 12 --reason "aggregates only"
    jupyter privacy requests run 12                              # on the owner's machine
    jupyter privacy requests close 12                            # after a runner was killed
    jupyter privacy requests results 12                          # the scientist: DP releases only

The actor of each step is the operating-system user (`$USER`).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from jupyter_privacy.cli.output import add_common, open_from_args, print_json
from jupyter_privacy.core.requests.statuses import STATUSES


def register(sub: Any) -> None:
    from jupyter_privacy.core.requests.arguments import add_plan_arguments

    requests = sub.add_parser("requests", help="remote data science requests and their approval")
    verbs = requests.add_subparsers(dest="verb", metavar="VERB", required=True)

    submit = verbs.add_parser("submit", help="ask to run code on a dataset's private data")
    submit.add_argument("--dataset", required=True)
    submit.add_argument("--code", required=True, metavar="FILE",
                        help="a .py file with the entry function, or an .ipynb notebook")  # fmt: skip
    submit.add_argument("--function", metavar="NAME",
                        help="the entry function (default: the file's only top-level function)")  # fmt: skip
    submit.add_argument("--title", default="")
    submit.add_argument("--description", default="")
    add_plan_arguments(submit)
    add_common(submit)
    submit.set_defaults(handler=_submit)

    listing = verbs.add_parser("list", help="requests, oldest first")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--dataset")
    add_common(listing)
    listing.set_defaults(handler=_list)

    show = verbs.add_parser("show", help="review a request: code, planned ε, accuracy previews")
    show.add_argument("id")
    add_common(show)
    show.set_defaults(handler=_show)

    approve = verbs.add_parser("approve", help="approve a pending request (someone else's)")
    approve.add_argument("id")
    approve.add_argument("--reason", default="")
    add_common(approve)
    approve.set_defaults(handler=_approve)

    deny = verbs.add_parser("deny", help="deny a request, or withdraw an approval before it runs")
    deny.add_argument("id")
    deny.add_argument("--reason", required=True)
    add_common(deny)
    deny.set_defaults(handler=_deny)

    run = verbs.add_parser("run", help="run an approved request here, with the private data")
    run.add_argument("id")
    run.add_argument("--timeout", type=float, default=3600.0, help="seconds (default 3600)")
    run.add_argument("--store", metavar="DIR",
                     help="the owner's private store (default: requests/ beside the ledger)")  # fmt: skip
    add_common(run)
    run.set_defaults(handler=_run)

    close = verbs.add_parser(
        "close",
        help="close a run whose runner was killed: record it interrupted, with its releases",
    )
    close.add_argument("id")
    close.add_argument("--force", action="store_true",
                       help="skip the check that no runner or code of the run is still alive here "
                       "(for a run started on a machine that is gone)")  # fmt: skip
    close.add_argument("--store", metavar="DIR",
                       help="the owner's private store (default: requests/ beside the ledger)")  # fmt: skip
    add_common(close)
    close.set_defaults(handler=_close)

    results = verbs.add_parser("results", help="a request's DP releases (all a scientist gets)")
    results.add_argument("id")
    add_common(results)
    results.set_defaults(handler=_results)


def emit(args: argparse.Namespace, data: Any, text: Any) -> None:
    """JSON for scripts with --json, else the text (shared by the requests and datasets verbs)."""
    if args.json:
        print_json(data)
    else:
        print(text)


def _submit(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.requests.arguments import plan_from_arguments
    from jupyter_privacy.core.requests.workflow import submit_request

    plan = plan_from_arguments(args)
    with open_from_args(args) as ledger:
        record = submit_request(ledger, args.code, dataset=args.dataset, plan=plan,
                                title=args.title, description=args.description,
                                entry_point=args.function)  # fmt: skip
    emit(args, record.summary(),
         f"submitted request {record.id} ({record.title}) for dataset '{record.dataset}': "
         f"planned ε {record.plan.epsilon:g}; waiting for the data owner's approval")  # fmt: skip
    return 0


def _list(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.requests.api import requests
    from jupyter_privacy.core.requests.tables import requests_table

    with open_from_args(args, read_only=True) as ledger:
        found = requests(args.status, dataset=args.dataset, ledger=ledger)
    emit(args, [r.summary() for r in found], requests_table(found))
    return 0


def _show(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.requests.records import get_request
    from jupyter_privacy.core.requests.review import review_request

    with open_from_args(args, read_only=True) as ledger:
        review = review_request(ledger, get_request(ledger, args.id))
    emit(args, review.to_dict(), review.text())
    return 0


def _decide(args: argparse.Namespace, approve: bool) -> int:
    from jupyter_privacy.core.requests.workflow import approve_request, deny_request

    with open_from_args(args) as ledger:
        if approve:
            record = approve_request(ledger, args.id, reason=args.reason, origin="cli")
        else:
            record = deny_request(ledger, args.id, reason=args.reason, origin="cli")
    decision = record.decision
    assert decision is not None
    emit(args, record.summary(),
         f"request {record.id} {'approved' if approve else 'denied'} by {decision.actor}"
         + (f": {decision.reason}" if decision.reason else ""))  # fmt: skip
    return 0


def _approve(args: argparse.Namespace) -> int:
    return _decide(args, True)


def _deny(args: argparse.Namespace) -> int:
    return _decide(args, False)


def _run(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.config import LOCK_TIMEOUT_ENV
    from jupyter_privacy.core.requests.runner import run_request

    if args.lock_timeout is not None:  # the run's own process opens the ledger itself
        os.environ[LOCK_TIMEOUT_ENV] = str(args.lock_timeout)
    with open_from_args(args) as ledger:
        outcome = run_request(ledger, args.id, store=args.store, timeout=args.timeout)
    emit(args, _outcome_json(outcome), outcome.summary())
    return 0 if outcome.outcome == "completed" else 1


def _outcome_json(outcome: Any) -> dict[str, Any]:
    return {"request": outcome.request, "outcome": outcome.outcome,
            "releases": list(outcome.releases), "epsilon": outcome.epsilon,
            "delta": outcome.delta, "seconds": round(outcome.seconds, 1),
            "log": str(outcome.log) if outcome.log else None,
            "unplanned": list(outcome.unplanned)}  # fmt: skip


def _close(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.requests.recovery import close_interrupted_run

    with open_from_args(args) as ledger:
        outcome = close_interrupted_run(ledger, args.id, store=args.store, force=args.force)
    made = ", ".join(map(str, outcome.releases)) or "none"
    text = (f"request {outcome.request}: run closed as interrupted; {len(outcome.releases)} DP "
            f"release(s) made before it stopped ({made}), ε {outcome.epsilon:g} and δ "
            f"{outcome.delta:g} spent")  # fmt: skip
    if outcome.unplanned:
        text += f"; releases {', '.join(map(str, outcome.unplanned))} are not in the plan: not handed over"
    emit(args, _outcome_json(outcome), text)
    return 0


def _results(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.requests.results import request_results

    with open_from_args(args, read_only=True) as ledger:
        results = request_results(ledger, args.id)
    emit(args, results.to_dict(), results.text())
    return 0
