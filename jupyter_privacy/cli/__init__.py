"""`jupyter privacy …` (the `jupyter-privacy` executable): the same verbs as the Python API.

Each command group lives in its own module of this package with a `register(subparsers)` function,
found by discovery (drop in a module, get a command). A user error prints one line naming what to
change and exits 2 (1 is kept for "a check found a problem", such as a tampered ledger or a failed
gate; 3 is a bug, 141 output cut short by a closed pipe).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
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


EXIT_INTERNAL, EXIT_BROKEN_PIPE = 3, 141  # 141: as a shell reports a process killed by SIGPIPE
DEBUG_ENV = "JUPYTER_PRIVACY_DEBUG"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Whatever goes wrong, the user sees one line on stderr, never a traceback
    (a library's traceback can quote private data): set JUPYTER_PRIVACY_DEBUG=1 to see one.
    Everything written goes through `terminal.EscapingWriter`: free text from the ledger cannot
    drive the terminal."""
    from jupyter_privacy.cli.terminal import EscapingWriter

    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapingWriter(sys.stdout), EscapingWriter(sys.stderr)  # type: ignore[assignment]
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = saved


def _run(argv: Sequence[str] | None) -> int:
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
    except BrokenPipeError:  # `… | head` stopped reading: stop quietly
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as error:  # a file the command was told to read or write
        if os.environ.get(DEBUG_ENV):
            raise
        where = f"{error.filename}: " if error.filename else ""
        print(f"jupyter privacy: error: {where}{error.strerror or type(error).__name__}; "
              "check the path and its permissions", file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    except Exception as error:
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"jupyter privacy: internal error ({type(error).__name__}), a bug: please report "
              f"it. Set {DEBUG_ENV}=1 to see the traceback (it may quote data)", file=sys.stderr)  # fmt: skip
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    """Python would print a second BrokenPipeError flushing stdout at exit (its docs' recipe)."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _version() -> str:
    from jupyter_privacy import __version__

    return f"jupyter-privacy {__version__}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
