"""`jupyter privacy checklist | threat-model`: the compliance checklist per market and the threat
model (YAML). Thin: parsing and printing here, the content in core/reports."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from jupyter_privacy.cli.output import print_json, write_or_print


def register(sub: Any) -> None:
    _register_checklist(sub)
    _register_threat_model(sub)


def _register_checklist(sub: Any) -> None:
    from jupyter_privacy.core.reports.use_cases import USE_CASES

    checklist = sub.add_parser(
        "checklist",
        help="market-by-market compliance checklist (engineering guidance, not legal advice)",
    )
    checklist.add_argument("--market", action="append", default=[], metavar="CODE",
                           help="market code, repeatable (eu, uk, us, ca, br, in, sg, jp, cn, kr)")  # fmt: skip
    checklist.add_argument("--use-case", action="append", default=[], metavar="USE",
                           help=f"repeatable (default: all): {', '.join(USE_CASES)}")  # fmt: skip
    checklist.add_argument("--answers", metavar="FILE",
                           help="YAML mapping item ids to done, n/a or open")  # fmt: skip
    checklist.add_argument("--format", choices=["md", "html"], default="md")
    checklist.add_argument("--out", metavar="FILE", help="write there instead of printing")
    checklist.add_argument("--list", action="store_true", help="list known markets and use cases")
    checklist.add_argument("--json", action="store_true", help="machine-readable status for gates")
    checklist.set_defaults(handler=_checklist)


def _checklist(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.reports import compliance

    if args.list:
        data = {"markets": compliance.known_markets(), "use_cases": compliance.USE_CASES}
        if args.json:
            print_json(data)
        else:
            print("markets:", *[f"  {c}  {n}" for c, n in data["markets"].items()], sep="\n")
            print("use cases:", *[f"  {u}  {d}" for u, d in data["use_cases"].items()], sep="\n")
        return 0
    answers = compliance.load_answers(args.answers) if args.answers else None
    use_cases = args.use_case or list(compliance.USE_CASES)
    if not args.use_case and args.market:  # every use case: the whole checklist of the markets
        print(f"no --use-case: the checklist for every use case ({', '.join(use_cases)}); "
              "narrow it with --use-case USE", file=sys.stderr)  # fmt: skip
    checklist = compliance.build_checklist(args.market, use_cases, answers)
    if args.json:
        text = json.dumps(checklist.to_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        text = checklist.to_html() if args.format == "html" else checklist.to_markdown()
    write_or_print(text, args.out)
    return 0


# -- threat model ------------------------------------------------------------------------------------
def _register_threat_model(sub: Any) -> None:
    parser = sub.add_parser("threat-model", help="start, validate or render a threat model (YAML)")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    init = verbs.add_parser("init", help="write a filled-in example to edit")
    init.add_argument("file")
    init.set_defaults(handler=_tm_init, json=False)
    validate = verbs.add_parser("validate", help="check fields and thresholds")
    validate.add_argument("file")
    validate.add_argument("--json", action="store_true")
    validate.set_defaults(handler=_tm_validate)
    render = verbs.add_parser("render", help="Markdown or HTML for reviewers")
    render.add_argument("file")
    render.add_argument("--format", choices=["md", "html"], default="md")
    render.add_argument("--out", metavar="FILE")
    render.set_defaults(handler=_tm_render, json=False)


def _tm_init(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.errors import InvalidParameterError
    from jupyter_privacy.core.reports.model_card import example_path

    target = Path(args.file)
    if target.exists():
        raise InvalidParameterError(f"{target} exists; choose another name or delete it first")
    target.write_text(example_path("threat-model.yaml").read_text(), encoding="utf-8")
    print(f"wrote {target}: edit it, then  jupyter privacy threat-model validate {target}")
    return 0


def _tm_validate(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.reports.threat_model import criterion_text, load_threat_model

    model = load_threat_model(args.file)
    if args.json:
        print_json({"valid": True, **model.summary()})
    else:
        print(f"threat model OK: {model.title}; gates:")
        print("\n".join(f"  {criterion_text(c)}" for c in model.criteria))
    return 0


def _tm_render(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.reports.threat_model import load_threat_model

    model = load_threat_model(args.file)
    write_or_print(model.to_html() if args.format == "html" else model.to_markdown(), args.out)
    return 0
