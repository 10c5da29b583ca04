"""`jupyter privacy access show | grant | revoke | whoami | high-risk | audit | setup-postgres`, and
`budget approve | withdraw` (added to the budget group): who may spend which budget, and the
high-risk lane (core/ledger/access.py, highrisk.py, row_security.py). Thin: parsing and printing."""

from __future__ import annotations

import argparse
from typing import Any

from jupyter_privacy.cli.output import add_common, delta_arg, epsilon_arg, print_json
from jupyter_privacy.core.ledger import open_ledger


def register(sub: Any) -> None:
    parser = sub.add_parser("access", help="owners and spenders of budgets; the high-risk lane")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    show = verbs.add_parser("show", help="owners, spenders and high-risk state of budgets")
    show.add_argument("budget", nargs="?", help="one budget (default: all)")
    add_common(show)
    show.set_defaults(handler=_show)

    for verb, text in (("grant", "let a principal spend (or own) a budget; owners only"),
                       ("revoke", "take a permission back; owners only")):  # fmt: skip
        change = verbs.add_parser(verb, help=text)
        change.add_argument("budget")
        change.add_argument("principal", help="user:NAME, jupyter:NAME or role:NAME (PostgreSQL)")
        change.add_argument(
            "--owner", action="store_true", help="the owner permission, not spender"
        )
        add_common(change)
        change.set_defaults(handler=_change, add=verb == "grant")

    whoami = verbs.add_parser("whoami", help="the principals this process acts as on the ledger")
    add_common(whoami)
    whoami.set_defaults(handler=_whoami)

    mark = verbs.add_parser("high-risk", help="mark a budget, or a dataset on its lane, high-risk")
    mark.add_argument("budget", nargs="?", help="the lane budget")
    mark.add_argument("--dataset", help="a dataset served from the lane (default lane: its budget)")
    mark.add_argument("--reason", required=True, help="why, and who decided")
    mark.add_argument("--off", action="store_true", help="unmark it")
    add_common(mark)
    mark.set_defaults(handler=_mark)

    audit = verbs.add_parser("audit", help="high-risk releases with their audit records")
    audit.add_argument("budget", nargs="?")
    add_common(audit)
    audit.set_defaults(handler=_audit)

    setup = verbs.add_parser("setup-postgres", help="install row-level security (ledger admin)")
    setup.add_argument("--grant", action="append", default=[], metavar="ROLE",
                       help="a role (or group role) that uses the ledger; repeatable")  # fmt: skip
    add_common(setup)
    setup.set_defaults(handler=_setup)


def register_budget_verbs(verbs: Any) -> None:
    """`budget approve` and `budget withdraw`, called by cli/budget.py's register."""
    approve = verbs.add_parser("approve", help="approve another person's spend from a high-risk "
                               "budget (a second person; owners only)")  # fmt: skip
    approve.add_argument("name")
    approve.add_argument("--spender", required=True, help="user:NAME, jupyter:NAME or role:NAME")
    approve.add_argument("--epsilon", type=epsilon_arg, required=True, help="the ε it may spend")
    approve.add_argument("--delta", type=delta_arg, default=0.0)
    approve.add_argument("--reason", required=True, help="what may be released, and why")
    approve.add_argument("--expires", metavar="DATE", help="last day it may be used (YYYY-MM-DD)")
    add_common(approve)
    approve.set_defaults(handler=_approve)
    withdraw = verbs.add_parser("withdraw", help="withdraw an approval (owners only)")
    withdraw.add_argument("name")
    withdraw.add_argument("approval", type=int, help="the approval's entry id")
    withdraw.add_argument("--reason", required=True)
    add_common(withdraw)
    withdraw.set_defaults(handler=_withdraw)


def _show(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.ledger.lane_report import access_summary

    with open_ledger(args.ledger) as ledger:
        if args.budget:
            ledger.budget(args.budget)  # an unknown name is an error naming the known ones
        summary = access_summary(ledger)
    rows = [b for b in summary["budgets"] if not args.budget or b["budget"] == args.budget]
    if args.json:
        print_json({"backend": summary["backend"], "enforced_by": summary["enforced_by"],
                    "budgets": rows})  # fmt: skip
        return 0
    for row in rows:
        lane = "  HIGH-RISK" + (f" (datasets: {', '.join(row['datasets'])})" if row["datasets"]
                                else "") if row["high_risk"] else ""  # fmt: skip
        if not row["restricted"]:
            print(f"{row['budget']}: unrestricted (no owners){lane}")
            continue
        print(f"{row['budget']}:{lane}\n  owners: {', '.join(row['owners'])}\n  spenders: "
              f"{', '.join(row['spenders']) or '-'}")  # fmt: skip
    print(f"(enforced by {summary['enforced_by']})")
    return 0


def _change(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.ledger import access

    permission = access.OWNER if args.owner else access.SPENDER
    with open_ledger(args.ledger) as ledger:
        change = access.grant if args.add else access.revoke
        result = change(ledger, args.budget, args.principal, permission)
    if args.json:
        print_json(result.to_dict())
    else:
        verb = "granted to" if args.add else "revoked from"
        print(f"{permission} of '{args.budget}' {verb} {access.check_principal(args.principal)}; "
              f"owners: {', '.join(result.owners)}; spenders: {', '.join(result.spenders) or '-'}")  # fmt: skip
    return 0


def _whoami(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.ledger.access import whoami

    with open_ledger(args.ledger) as ledger:
        principals = whoami(ledger)
    if args.json:
        print_json({"principals": principals})
    else:
        print(" ".join(principals))
    return 0


def _mark(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.errors import InvalidParameterError
    from jupyter_privacy.core.ledger.highrisk import mark_high_risk

    if not args.budget and not args.dataset:
        raise InvalidParameterError("name a budget, or --dataset NAME (and its lane budget)")
    with open_ledger(args.ledger) as ledger:
        event = mark_high_risk(ledger, budget=args.budget, dataset=args.dataset,
                               reason=args.reason, high_risk=not args.off)  # fmt: skip
    return _print_event(args, event, f"{event.description} (entry {event.id})")


def _print_event(args: argparse.Namespace, event: Any, line: str) -> int:
    if args.json:
        print_json(event.to_dict())
    else:
        print(line)
    return 0


def _audit(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.ledger.lane_report import high_risk_audit

    with open_ledger(args.ledger) as ledger:
        records = high_risk_audit(ledger, args.budget)
    if args.json:
        print_json({"releases": records})
        return 0
    if not records:
        print("no releases from high-risk budgets")
    for r in records:
        a = r["audit"] or {}
        if not r["approved"]:
            print(f"#{r['release_id']} {r['budget']} ε {r['epsilon']:g} by {r['actor']}: NO "
                  "APPROVAL RECORDED (spent around the kit, or before the mark)")  # fmt: skip
            continue
        print(f"#{r['release_id']} {r['budget']} ε {r['epsilon']:g} by {a['who']['actor']} from "
              f"{a['where']['origin']} on {a['where']['host']}; approval {a['approval']} by "
              f"{a['approved_by']} ({a['why']['approval_reason']}); code sha256 "
              f"{a['code_sha256'][:12] or '-'} ({a['code_source']})")  # fmt: skip
    return 0


def _setup(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.ledger.row_security import install_row_security

    with open_ledger(args.ledger) as ledger:
        statements = install_row_security(ledger, grant_to=args.grant)
        shown = ledger.display_url
    if args.json:
        print_json({"ledger": shown, "statements": len(statements), "granted": args.grant})
    else:
        print(f"row-level security installed on {shown} ({len(statements)} statements); granted "
              f"ledger use to: {', '.join(args.grant) or 'nobody (grant roles with --grant)'}")  # fmt: skip
    return 0


def _approve(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.ledger.highrisk import approve

    with open_ledger(args.ledger) as ledger:
        event = approve(ledger, args.name, spender=args.spender, epsilon=args.epsilon,
                        delta=args.delta, reason=args.reason, expires=args.expires)  # fmt: skip
    return _print_event(args, event, f"approval {event.id} on '{args.name}': {event.description}")


def _withdraw(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.ledger.highrisk import withdraw

    with open_ledger(args.ledger) as ledger:
        event = withdraw(ledger, args.name, args.approval, reason=args.reason)
    return _print_event(args, event, f"approval {args.approval} on '{args.name}' withdrawn "
                        f"(entry {event.id})")  # fmt: skip
