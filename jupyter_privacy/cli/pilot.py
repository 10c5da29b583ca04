"""`jupyter privacy pilot run|templates`: the one-week pilot, unattended, with gates (exit 1 on a fail)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from jupyter_privacy.cli.output import add_common, print_json


def register(sub: Any) -> None:
    pilot = sub.add_parser("pilot", help="run the privacy pilot notebooks and gate the result")
    verbs = pilot.add_subparsers(dest="verb", metavar="VERB", required=True)

    run = verbs.add_parser("run", help="execute the templates in order with papermill")
    run.add_argument("--out", required=True, metavar="DIR", help="output folder for the artifacts")
    run.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="set a template parameter (value read as YAML: 0.5, [eu, uk], text)",
    )  # fmt: skip
    run.add_argument("-f", "--parameters-file", metavar="YAML", help="parameters from a YAML file")
    run.add_argument("--templates", metavar="DIR", help="run the notebooks of another folder")
    run.add_argument(
        "--track", metavar="NAME", default=None,
        help="which pilot to run (default: central with the bundled templates; every notebook "
        "in name order with --templates); `pilot templates` lists the tracks",
    )  # fmt: skip
    run.add_argument("--kernel", default=None, help="Jupyter kernel name (default: the notebook's)")
    add_common(run)
    run.set_defaults(handler=_run)

    templates = verbs.add_parser("templates", help="list the templates and their parameters")
    templates.add_argument("--templates", metavar="DIR", help="another templates folder")
    add_common(templates)
    templates.set_defaults(handler=_templates)


def _run(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.config import LOCK_TIMEOUT_ENV, resolve_ledger_url
    from jupyter_privacy.core.templates import list_templates
    from jupyter_privacy.pilot import merge_parameters, parse_cli_parameters, run_pilot
    from jupyter_privacy.pilot.parameters import load_parameter_file
    from jupyter_privacy.pilot.tracks import DEFAULT_TRACK, templates_for_track

    track = args.track or (None if args.templates else DEFAULT_TRACK)
    templates = templates_for_track(list_templates(args.templates), track)
    from_file = load_parameter_file(args.parameters_file) if args.parameters_file else {}
    chosen = merge_parameters(templates, from_file, parse_cli_parameters(args.parameter))
    ledger_url = resolve_ledger_url(args.ledger)
    if args.lock_timeout is not None:  # the notebooks' kernels open the ledger themselves
        os.environ[LOCK_TIMEOUT_ENV] = str(args.lock_timeout)
    result = run_pilot(
        args.out, chosen, ledger_url=ledger_url, templates=templates,
        templates_folder=args.templates, kernel_name=args.kernel,
    )  # fmt: skip
    if args.json:
        print_json(result.to_dict())
    else:
        print()
        for step, gate in result.gates:
            print(f"  {gate.line()}  [{step}]")
        total = sum(s.seconds for s in result.steps)
        print(f"\npilot {'PASSED' if result.passed else 'FAILED'} in {total:.0f} s; "
              f"report: {result.out_dir / 'index.html'}")  # fmt: skip
        if result.failure:
            print(f"stopped: {result.failure}")
    return 0 if result.passed else 1


def _templates(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.templates import list_templates

    templates = list_templates(args.templates)
    if args.json:
        print_json({"templates": [t.to_dict() for t in templates]})
        return 0
    if not templates:
        print("no templates found")
    for template in templates:
        print(f"{template.name}: {template.title}")
        for parameter in template.parameters:
            note = f"  # {parameter.help}" if parameter.help else ""
            print(f"    {parameter.name} = {parameter.default_source}{note}")
    from jupyter_privacy.pilot.tracks import DEFAULT_TRACK, TRACKS

    print("\ntracks (pilot run --track NAME):")
    for name, (steps, description) in sorted(TRACKS.items()):
        default = " (default)" if name == DEFAULT_TRACK else ""
        print(f"    {name}{default}: steps {', '.join(steps)} — {description}")
    return 0
