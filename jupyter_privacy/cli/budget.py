"""`jupyter privacy budget create|list|show|raise|spend` (approve|withdraw: cli/access.py)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from jupyter_privacy.cli.output import (
    add_common,
    add_digests_flag,
    delta_arg,
    epsilon_arg,
    open_from_args,
    positive_int_arg,
    print_json,
)
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger.published import published_entry
from jupyter_privacy.core.reports.status import budget_table, release_table


def register(sub: Any) -> None:
    budget = sub.add_parser("budget", help="create, list and inspect privacy budgets")
    verbs = budget.add_subparsers(dest="verb", metavar="VERB", required=True)

    create = verbs.add_parser("create", help="declare a new budget")
    create.add_argument("name")
    create.add_argument("--epsilon", type=epsilon_arg, required=True, help="total ε (> 0)")
    create.add_argument("--delta", type=delta_arg, default=0.0, help="total δ in [0, 1); default 0")
    create.add_argument("--unit", default="one row", help="the privacy unit, e.g. 'one person'")
    create.add_argument(
        "--max-contributions", type=positive_int_arg, default=1,
        help="most rows one privacy unit can contribute (default 1)",
    )  # fmt: skip
    create.add_argument("--composition", choices=["basic", "zcdp"], default="basic")
    create.add_argument("--notes", default="")
    add_common(create)
    create.set_defaults(handler=_create)

    listing = verbs.add_parser("list", help="every budget with spent and remaining ε and δ")
    add_common(listing)
    listing.set_defaults(handler=_list)

    show = verbs.add_parser("show", help="one budget with its releases")
    show.add_argument("name")
    show.add_argument("--limit", type=positive_int_arg, default=None, help="newest N releases")
    add_digests_flag(show)
    add_common(show)
    show.set_defaults(handler=_show)

    raise_ = verbs.add_parser("raise", help="raise a budget's totals (recorded with a reason)")
    raise_.add_argument("name")
    raise_.add_argument("--epsilon", type=epsilon_arg, help="new total ε")
    raise_.add_argument("--delta", type=delta_arg, help="new total δ")
    raise_.add_argument("--reason", required=True, help="who approved it and why")
    add_common(raise_)
    raise_.set_defaults(handler=_raise)

    spend = verbs.add_parser(
        "spend", help="record a release made outside the kit (e.g. by another DP tool)"
    )
    spend.add_argument("name")
    spend.add_argument("--epsilon", type=epsilon_arg, required=True)
    spend.add_argument("--delta", type=delta_arg, default=0.0)
    spend.add_argument("--mechanism", default="external")
    spend.add_argument("--description", required=True, help="what was released")
    spend.add_argument("--value", default=None, help="the released value(s) as JSON")
    spend.add_argument("--replay-key", default=None, help="idempotency key: repeats spend nothing")
    add_common(spend)
    spend.set_defaults(handler=_spend)

    from jupyter_privacy.cli.access import register_budget_verbs

    register_budget_verbs(verbs)  # approve, withdraw: the high-risk lane


def _create(args: argparse.Namespace) -> int:
    with open_from_args(args) as ledger:
        budget = ledger.create_budget(
            args.name, args.epsilon, args.delta, composition=args.composition,
            privacy_unit=args.unit, max_contributions=args.max_contributions, notes=args.notes,
        )  # fmt: skip
        if args.json:
            print_json(budget.to_dict())
        else:
            print(f"created budget '{budget.name}' (ε {budget.epsilon_total:g}, "
                  f"δ {budget.delta_total:g}) in {ledger.display_url}")  # fmt: skip
    return 0


def _list(args: argparse.Namespace) -> int:
    with open_from_args(args, read_only=True) as ledger:
        budgets = ledger.budgets()
        if args.json:
            print_json({"ledger": ledger.display_url, "budgets": [b.to_dict() for b in budgets]})
        else:
            print(budget_table(budgets))
    return 0


def _show(args: argparse.Namespace) -> int:
    with open_from_args(args, read_only=True) as ledger:
        budget = ledger.budget(args.name)
        releases = ledger.history(args.name, limit=args.limit, newest_first=args.limit is not None)
        if args.json:
            shown = [published_entry(r.to_dict(), include_digests=args.include_digests)
                     for r in releases]  # fmt: skip
            print_json({"budget": budget.to_dict(), "releases": shown})
        else:
            print(budget_table([budget]))
            print()
            print(release_table(releases))
    return 0


def _raise(args: argparse.Namespace) -> int:
    with open_from_args(args) as ledger:
        budget = ledger.raise_budget(
            args.name, epsilon=args.epsilon, delta=args.delta, reason=args.reason
        )
        if args.json:
            print_json(budget.to_dict())
        else:
            print(f"raised '{budget.name}' to ε {budget.epsilon_total:g}, δ {budget.delta_total:g}")
    return 0


def _spend(args: argparse.Namespace) -> int:
    try:
        value = json.loads(args.value) if args.value is not None else None
    except json.JSONDecodeError as error:
        raise InvalidParameterError(f"--value must be JSON ({error.msg})") from None
    with open_from_args(args) as ledger:
        release = ledger.spend(
            args.name, args.epsilon, args.delta, value=value, mechanism=args.mechanism,
            description=args.description, replay_key=args.replay_key, origin="cli",
        )  # fmt: skip
        budget = ledger.budget(args.name)
        if args.json:
            print_json({"release": release.to_dict(), "budget": budget.to_dict()})
        else:
            state = (
                "replayed (nothing spent)" if release.replayed else f"spent ε {release.epsilon:g}"
            )
            print(f"release {release.id}: {state}; '{budget.name}' has ε "
                  f"{budget.epsilon_remaining:.4g} left")  # fmt: skip
    return 0
