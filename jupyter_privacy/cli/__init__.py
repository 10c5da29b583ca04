"""`jupyter privacy …` (the `jupyter-privacy` executable): the same verbs as the Python API.

Each command group lives in its own module of this package with a `register(subparsers)` function,
found by discovery (drop in a module, get a command). A user error prints one line naming what to
change and exits 2 (1 is kept for "a check found a problem", such as a tampered ledger or a failed
gate).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from jupyter_privacy.core.errors import PrivacyError


def command_modules() -> list[str]:
    """Modules of this package that add sub-commands (those defining `register`)."""
    names = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "output":
            continue
        names.append(f"{__name__}.{info.name}")
    return names


EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter privacy",
        description="Privacy budgets, DP releases and privacy gates from the command line.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in command_modules():
        module = importlib.import_module(name)
        if hasattr(module, "register"):
            module.register(sub)
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
