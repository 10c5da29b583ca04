"""`%dp_request` / `%%dp_request`: remote data science requests in a notebook, with the CLI's words.

Scientist:
    %dp_request datasets                      # what owners offer
    %dp_request mock people -o mock           # the public mock, kept as a pandas frame `mock`
    %%dp_request submit --dataset people --query "SELECT AVG(wage) FROM t" --epsilon 0.5
    def analysis(data):                       # the cell is the code; --try runs it on the mock
        data.table.query("SELECT AVG(wage) FROM t", epsilon=0.5)
    %dp_request list [--status pending]
    %dp_request results 12 [-o results]       # the DP releases: all a scientist gets

Owner: `%dp_request show 12` (code, planned ε, accuracy previews), `%dp_request approve 12
--reason …`, `%dp_request deny 12 --reason …`, `%dp_request run 12`.
`--ledger URL` picks another ledger (default: as the CLI finds it).
"""

from __future__ import annotations

import shlex
from typing import Any

from jupyter_privacy.core.arguments import RaisingParser
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.usage_errors import user_errors_as_usage

VERBS = ("datasets", "mock", "submit", "list", "show", "results", "approve", "deny", "run")


def dp_request_parser() -> RaisingParser:
    from jupyter_privacy.core.requests.arguments import add_plan_arguments
    from jupyter_privacy.core.requests.statuses import STATUSES

    parser = RaisingParser(prog="%dp_request")
    verbs = parser.add_subparsers(dest="verb", metavar="|".join(VERBS), required=True,
                                  parser_class=RaisingParser)  # fmt: skip
    verbs.add_parser("datasets", help="registered datasets")
    mock = verbs.add_parser("mock", help="a dataset's public mock")
    mock.add_argument("name")
    submit = verbs.add_parser("submit", help="(cell magic) submit the cell's code")
    submit.add_argument("--dataset", required=True)
    submit.add_argument("--function", help="the entry function (default: the cell's only one)")
    submit.add_argument("--title", default="")
    submit.add_argument("--description", default="")
    submit.add_argument("--try", dest="try_first", action="store_true",
                        help="run the code on the mock first, with the plan's guard")  # fmt: skip
    add_plan_arguments(submit)
    listing = verbs.add_parser("list", help="requests, oldest first")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--dataset")
    for verb in ("show", "results", "approve", "deny", "run"):
        sub = verbs.add_parser(verb)
        sub.add_argument("id")
        if verb in ("approve", "deny"):
            sub.add_argument("--reason", default="", required=verb == "deny")
        if verb == "run":
            sub.add_argument("--store", help="the owner's private store")
            sub.add_argument("--timeout", type=float, default=3600.0)
    for sub in verbs.choices.values():
        sub.add_argument("--ledger", metavar="URL", help="SQLAlchemy URL of the ledger")
        if sub.prog.split()[-1] in ("mock", "results"):
            sub.add_argument("-o", "--output", metavar="NAME", help="keep it in variable NAME")
    return parser


def run_dp_request(line: str, cell: str | None = None,
                   namespace: dict[str, Any] | None = None) -> str:  # fmt: skip
    """Run one `%dp_request` line (with its cell for `submit`); returns the text to show."""
    from jupyter_privacy.core.requests import api, tables
    from jupyter_privacy.core.requests.arguments import plan_from_arguments

    args = dp_request_parser().parse_args(shlex.split(line))
    if (args.verb == "submit") != (cell is not None and bool(cell.strip())):
        raise InvalidParameterError(
            "submit is a cell magic: %%dp_request submit … on the first line, the code below it"
            if args.verb == "submit" else f"%dp_request {args.verb} is a line magic"
        )  # fmt: skip
    with open_ledger(args.ledger) as ledger:
        if args.verb == "datasets":
            return tables.datasets_table(api.datasets(ledger=ledger))
        if args.verb == "mock":
            frame = api.dataset(args.name, ledger=ledger).mock().to_pandas()
            return _kept(args, namespace, frame, frame.head(10).to_string(index=False))
        if args.verb == "submit":
            plan = plan_from_arguments(args)
            tried = ""
            if args.try_first:
                run = api.try_on_mock(cell, dataset=args.dataset, plan=plan,
                                      entry_point=args.function, ledger=ledger)  # fmt: skip
                tried = f"tried on the mock: {len(run.releases)} release(s) as planned\n"
            record = api.submit(cell, dataset=args.dataset, plan=plan, title=args.title,
                                description=args.description, entry_point=args.function,
                                ledger=ledger)  # fmt: skip
            return (f"{tried}submitted request {record.id} ({record.title}): planned ε "
                    f"{record.plan.epsilon:g}; waiting for the data owner's approval")  # fmt: skip
        if args.verb == "list":
            return tables.requests_table(api.requests(args.status, dataset=args.dataset,
                                                      ledger=ledger))  # fmt: skip
        if args.verb == "show":
            return api.review(args.id, ledger=ledger).text()
        if args.verb == "results":
            results = api.results(args.id, ledger=ledger)
            return _kept(args, namespace, results, results.text())
        if args.verb == "run":
            return api.run(args.id, ledger=ledger, store=args.store, timeout=args.timeout).summary()
        decide = api.approve if args.verb == "approve" else api.deny
        record = decide(args.id, reason=args.reason, ledger=ledger)
        assert record.decision is not None
        return f"request {record.id} {record.status} by {record.decision.actor}"


def _kept(args: Any, namespace: dict[str, Any] | None, value: Any, text: str) -> str:
    if args.output and namespace is not None:
        namespace[args.output] = value
        return f"{text}\n(kept in `{args.output}`)"
    return text


def register(ipython: Any) -> None:
    @user_errors_as_usage
    def dp_request(line: str, cell: str | None = None) -> None:
        print(run_dp_request(line, cell, ipython.user_ns))

    dp_request.__doc__ = __doc__
    ipython.register_magic_function(dp_request, magic_kind="line_cell", magic_name="dp_request")
