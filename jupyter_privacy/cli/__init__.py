"""`jupyter privacy …` (the `jupyter-privacy` executable): the same verbs as the Python API.

Each command group lives in its own module and registers itself in COMMAND_MODULES; a user error
prints one line naming what to change and exits 2 (1 is kept for "a check found a problem").
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from jupyter_privacy.core.errors import PrivacyError

#: Modules that add sub-commands: each has `register(subparsers)`.
COMMAND_MODULES = ["jupyter_privacy.cli.budget", "jupyter_privacy.cli.ledger"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter privacy",
        description="Privacy budgets, DP releases and privacy gates from the command line.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or EXIT_OK)
    except PrivacyError as error:
        from jupyter_privacy.cli.output import print_error

        print_error(error, as_json=getattr(args, "json", False))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted; nothing further was spent", file=sys.stderr)
        return 130


def _version() -> str:
    from jupyter_privacy import __version__

    return f"jupyter-privacy {__version__}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
