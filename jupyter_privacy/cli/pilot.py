"""`jupyter privacy pilot run|templates|ci`: the one-week pilot, unattended, with gates (exit 1 on a
fail), and a CI workflow that runs it."""

from __future__ import annotations

import argparse
import os
from typing import Any

from jupyter_privacy.cli.output import add_common, check_out, print_json


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

    ci = verbs.add_parser(
        "ci", help="write a CI workflow that runs the pilot and fails on a gate",
        description="Write a ready workflow: set up Python, install the kit, run the pilot with "
        "these parameters, upload build/pilot/ as an artifact, fail the job on a gate.",
    )  # fmt: skip
    ci.add_argument("--provider", required=True, choices=["github", "gitlab"])
    ci.add_argument("--output", metavar="FILE", help="where to write it (default: "
                    ".github/workflows/privacy-pilot.yml or .gitlab/privacy-pilot.yml)")  # fmt: skip
    ci.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="a template parameter for the CI run (value read as YAML, as in pilot run)",
    )  # fmt: skip
    ci.add_argument("-f", "--parameters-file", metavar="YAML",
                    help="a parameters file in the repository, passed to the run")  # fmt: skip
    ci.add_argument("--templates", metavar="DIR", help="the team's templates folder (repository)")
    ci.add_argument("--track", metavar="NAME", default=None, help="which pilot track to run")
    ci.add_argument("--python", default="3.11", help="Python version of the job (default 3.11)")
    ci.add_argument("--install", default="", metavar="SPEC",
                    help="pip requirement for the kit (default: this version with [tf])")  # fmt: skip
    ci.add_argument("--ledger-secret", metavar="NAME",
                    help="CI secret holding the team's ledger URL (default: a fresh ledger)")  # fmt: skip
    ci.add_argument("--force", action="store_true", help="replace an existing file")
    ci.set_defaults(handler=_ci, json=False)

    templates = verbs.add_parser("templates", help="list the templates and their parameters")
    templates.add_argument("--templates", metavar="DIR", help="another templates folder")
    templates.add_argument(
        "--copy", metavar="DIR",
        help="copy the track's notebooks into DIR (e.g. to run them with pytest --nbmake)",
    )  # fmt: skip
    templates.add_argument("--track", metavar="NAME", default=None, help="with --copy: which track")
    add_common(templates)
    templates.set_defaults(handler=_templates)


def _run(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.config import LOCK_TIMEOUT_ENV, resolve_ledger_url
    from jupyter_privacy.core.templates import list_templates
    from jupyter_privacy.pilot import merge_parameters, parse_cli_parameters, run_pilot
    from jupyter_privacy.pilot.parameters import load_parameter_file
    from jupyter_privacy.pilot.tracks import DEFAULT_TRACK, templates_for_track, track_parameters

    check_out(args.out, folder=True)  # before any notebook runs (or spends)
    track = args.track or (None if args.templates else DEFAULT_TRACK)
    templates = templates_for_track(list_templates(args.templates), track)
    from_file = load_parameter_file(args.parameters_file) if args.parameters_file else {}
    chosen = merge_parameters(templates, track_parameters(track), from_file,
                              parse_cli_parameters(args.parameter))  # fmt: skip
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


def _ci(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.templates import list_templates
    from jupyter_privacy.pilot import merge_parameters, parse_cli_parameters
    from jupyter_privacy.pilot.ci import CiSettings, write_workflow
    from jupyter_privacy.pilot.parameters import load_parameter_file
    from jupyter_privacy.pilot.tracks import DEFAULT_TRACK, templates_for_track

    track = args.track or (None if args.templates else DEFAULT_TRACK)
    templates = templates_for_track(list_templates(args.templates), track)
    given = parse_cli_parameters(args.parameter)
    from_file = load_parameter_file(args.parameters_file) if args.parameters_file else {}
    merge_parameters(templates, from_file, given)  # a typo fails now, not in CI
    settings = CiSettings(
        parameters=given, parameters_file=args.parameters_file, track=args.track,
        templates=args.templates, python=args.python, install=args.install,
        ledger_secret=args.ledger_secret,
    )  # fmt: skip
    written = write_workflow(args.provider, settings, args.output, force=args.force)
    print(f"wrote {written}: runs `jupyter privacy pilot run` on every push and pull request, "
          "uploads build/pilot/ and fails the job on a gate")  # fmt: skip
    if args.provider == "gitlab":
        print(f"add to .gitlab-ci.yml:\ninclude:\n  - local: {written}")
    return 0


def _templates(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.templates import list_templates

    if args.copy:
        return _copy_templates(args)
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


def _copy_templates(args: argparse.Namespace) -> int:
    """The track's notebooks into a folder, none overwritten: a team's copy to run with nbmake."""
    import shutil
    from pathlib import Path

    from jupyter_privacy.core.errors import InvalidParameterError
    from jupyter_privacy.core.templates import list_templates, templates_dir
    from jupyter_privacy.pilot.tracks import DEFAULT_TRACK, templates_for_track

    track = args.track or (None if args.templates else DEFAULT_TRACK)
    chosen = templates_for_track(list_templates(args.templates), track)
    target = Path(args.copy)
    existing = [t.filename for t in chosen if (target / t.filename).exists()]
    if existing:
        raise InvalidParameterError(
            f"{target} already has {', '.join(existing)}; copy into an empty folder"
        )
    target.mkdir(parents=True, exist_ok=True)
    for template in chosen:
        shutil.copyfile(
            templates_dir(args.templates) / template.filename, target / template.filename
        )
    print(f"copied {len(chosen)} notebooks into {target}; run them in order (they share a ledger "
          f"and files; no -n):\n  pytest --nbmake {target}")  # fmt: skip
    return 0
