"""`jupyter privacy policy init | check | show | terms`: market policy as code (core/policy).
Thin: parsing and printing here. `check` exits 1 when the policy contradicts the checklists or its
ε budget (a gate), 2 on a usage error such as an invalid file."""

from __future__ import annotations

import argparse
from typing import Any

from jupyter_privacy.cli.output import add_common, delta_arg, epsilon_arg, print_json

EXIT_GATE_FAILED = 1


def register(sub: Any) -> None:
    parser = sub.add_parser("policy", help="per-market policy: what may be collected and served")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    init = verbs.add_parser("init", help="write privacy-policy.yaml from the market checklists")
    init.add_argument("--market", action="append", default=[], metavar="CODE", required=True,
                      help="market code, repeatable (jupyter privacy checklist --list)")  # fmt: skip
    init.add_argument("--use-case", action="append", default=[], metavar="USE", required=True,
                      help="repeatable: analytics, ml-model, automated-decisions, ...")  # fmt: skip
    init.add_argument("--field", action="append", default=[], metavar="NAME=CATEGORY",
                      help="a data field and its category (policy terms lists them)")  # fmt: skip
    init.add_argument("--feature", action="append", default=[], metavar="NAME=PRACTICE[,...]",
                      help="a served feature or model output and its practices (may be empty)")  # fmt: skip
    init.add_argument("--max-epsilon", type=epsilon_arg, default=5.0,
                      help="the policy's privacy budget ε; market caps start at it (default 5)")  # fmt: skip
    init.add_argument("--delta", type=delta_arg, default=1e-5, help="its δ (default 1e-5)")
    init.add_argument("--budget", action="append", default=[], metavar="NAME",
                      help="a ledger budget the policy governs (repeatable)")  # fmt: skip
    init.add_argument("--out", default="privacy-policy.yaml", metavar="FILE")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(handler=_init, json=False)

    check = verbs.add_parser("check", help="verify the policy against the checklists (a gate)")
    check.add_argument("file")
    add_common(check)
    check.set_defaults(handler=_check)

    show = verbs.add_parser("show", help="the per-market collection and feature matrices")
    show.add_argument("file")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)

    terms = verbs.add_parser("terms", help="the data categories and practices a policy can name")
    terms.add_argument("--json", action="store_true")
    terms.set_defaults(handler=_terms)


def _pairs(values: list[str], flag: str, *, many: bool) -> dict[str, Any]:
    from jupyter_privacy.core.errors import InvalidParameterError

    pairs: dict[str, Any] = {}
    for text in values:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise InvalidParameterError(f"{flag} {text!r}: write NAME=VALUE, e.g. {flag} "
                                        + ("face_match=biometric_identification" if many
                                           else "ethnicity=racial_ethnic_origin"))  # fmt: skip
        value = value.strip()
        pairs[name.strip()] = [v.strip() for v in value.split(",") if v.strip()] if many else value
    return pairs


def _init(args: argparse.Namespace) -> int:
    import sys

    from jupyter_privacy.core.policy import draft_policy, write_policy

    data = draft_policy(
        args.market, args.use_case, fields=_pairs(args.field, "--field", many=False),
        features=_pairs(args.feature, "--feature", many=True), epsilon=args.max_epsilon,
        delta=args.delta, budgets=args.budget,
    )  # fmt: skip
    added = [u for u in data["use_cases"] if u not in args.use_case]
    if added:
        print(f"added use case(s) {', '.join(added)}: implied by the fields or features",
              file=sys.stderr)  # fmt: skip
    path = write_policy(data, args.out, overwrite=args.force)
    print(f"wrote {path} for {', '.join(data['markets'])} ({', '.join(data['use_cases'])}): "
          f"edit it, then  jupyter privacy policy check {path}")  # fmt: skip
    return 0


def _check(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.policy import check_policy, policy_gate, read_policy

    policy = read_policy(args.file)
    if args.ledger:
        from jupyter_privacy.core.ledger import open_ledger

        with open_ledger(args.ledger) as ledger:
            findings = check_policy(policy, ledger=ledger)
    else:
        findings = check_policy(policy)
    gate = policy_gate(findings)
    if args.json:
        print_json({"passed": gate.passed, "gate": gate.to_dict(),
                    "findings": [f.to_dict() for f in findings]})  # fmt: skip
    else:
        for finding in findings:
            print(finding.line())
        print(gate.line())
    return 0 if gate.passed else EXIT_GATE_FAILED


def _show(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.policy import read_policy
    from jupyter_privacy.core.reports import html

    policy = read_policy(args.file)
    matrices = {"collect": policy.collection_matrix(), "serve": policy.feature_matrix()}
    if args.json:
        print_json({kind: {name: {m: d.to_dict() for m, d in row.items()}
                           for name, row in matrix.items()}
                    for kind, matrix in matrices.items()})  # fmt: skip
        return 0
    markets = list(policy.markets)
    for kind, title in (("collect", "field"), ("serve", "feature")):
        rows = [[name, *[_cell(row[m]) for m in markets]] for name, row in matrices[kind].items()]
        print(html.markdown_table([title, *markets], rows))
    return 0


def _cell(decision: Any) -> str:
    if decision.allowed:
        return "allow (high-risk lane)" if decision.high_risk else "allow"
    return "deny" + (f" ({', '.join(decision.items)})" if decision.items else "")


def _terms(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.policy import catalog

    data = {kind: {name: term.description for name, term in terms.items()}
            for kind, terms in (("categories", catalog.categories()),
                                ("practices", catalog.practices()))}  # fmt: skip
    if args.json:
        print_json(data)
    else:
        for kind, terms in data.items():
            print(f"{kind}:", *[f"  {name}  {text}" for name, text in terms.items()], sep="\n")
    return 0
