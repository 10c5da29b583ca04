"""`%dp_budget create|list|show`: the CLI's budget words in a notebook, with the same tables.

    %dp_budget create census --epsilon 2 [--delta 1e-6] [--unit "one person"] [--max-contributions 1]
    %dp_budget list
    %dp_budget show census [--limit 10]

`--ledger URL` picks another ledger (default: as the CLI finds it).
"""

from __future__ import annotations

import shlex
from typing import Any

from jupyter_privacy.core.arguments import RaisingParser
from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.reports.status import budget_table, release_table
from jupyter_privacy.usage_errors import user_errors_as_usage


def dp_budget_parser() -> RaisingParser:
    parser = RaisingParser(prog="%dp_budget")
    verbs = parser.add_subparsers(dest="verb", metavar="create|list|show", required=True,
                                  parser_class=RaisingParser)  # fmt: skip
    create = verbs.add_parser("create", help="declare a new budget")
    create.add_argument("name")
    create.add_argument("--epsilon", type=float, required=True, help="total ε (> 0)")
    create.add_argument("--delta", type=float, default=0.0, help="total δ in [0, 1); default 0")
    create.add_argument("--unit", default="one row", help="the privacy unit, e.g. 'one person'")
    create.add_argument("--max-contributions", type=int, default=1,
                        help="most rows one privacy unit can contribute (default 1)")  # fmt: skip
    create.add_argument("--composition", choices=["basic", "zcdp"], default="basic")
    create.add_argument("--notes", default="")
    verbs.add_parser("list", help="every budget with spent and remaining ε and δ")
    show = verbs.add_parser("show", help="one budget with its releases")
    show.add_argument("name")
    show.add_argument("--limit", type=int, default=None, help="newest N releases")
    for sub in verbs.choices.values():
        sub.add_argument("--ledger", metavar="URL", help="SQLAlchemy URL of the ledger")
    return parser


def run_dp_budget(line: str) -> str:
    """Run one `%dp_budget` line and return the text to show (testable without a shell)."""
    args = dp_budget_parser().parse_args(shlex.split(line))
    with open_ledger(args.ledger) as ledger:
        if args.verb == "create":
            budget = ledger.create_budget(
                args.name, args.epsilon, args.delta, composition=args.composition,
                privacy_unit=args.unit, max_contributions=args.max_contributions, notes=args.notes,
            )  # fmt: skip
            return (f"created budget '{budget.name}' (ε {budget.epsilon_total:g}, "
                    f"δ {budget.delta_total:g}) in {ledger.display_url}")  # fmt: skip
        if args.verb == "list":
            return budget_table(ledger.budgets())
        budget = ledger.budget(args.name)
        releases = ledger.history(args.name, limit=args.limit, newest_first=args.limit is not None)
        return budget_table([budget]) + "\n\n" + release_table(releases)


def register(ipython: Any) -> None:
    @user_errors_as_usage
    def dp_budget(line: str) -> None:
        print(run_dp_budget(line))

    dp_budget.__doc__ = __doc__
    ipython.register_magic_function(dp_budget, magic_kind="line", magic_name="dp_budget")
