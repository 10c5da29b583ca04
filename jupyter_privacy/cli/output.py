"""Shared CLI plumbing: common options, typed argument parsers with clear messages, JSON output."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError
from jupyter_privacy.core.ledger.chain import to_jsonable
from jupyter_privacy.core.validation import check_delta, check_epsilon


def add_common(parser: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    parser.add_argument(
        "--ledger",
        metavar="URL",
        help="SQLAlchemy URL of the ledger (default: $JUPYTER_PRIVACY_LEDGER, then "
        "[tool.jupyter_privacy] ledger in pyproject.toml, then .privacy/ledger.db)",
    )
    parser.add_argument(
        "--lock-timeout", type=lock_timeout_arg, metavar="SECONDS", default=None,
        help="how long to wait for another writer's lock on the ledger (default: "
        "$JUPYTER_PRIVACY_LOCK_TIMEOUT, then 60)",
    )  # fmt: skip
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def add_digests_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--include-digests", action="store_true",
        help="also print the keyed data fingerprints and replay keys (left out by default: "
        "output is often shared; see docs/ledger.md, 'The secret')",
    )  # fmt: skip


def check_out(path: str | os.PathLike[str], *, folder: bool, flag: str = "--out") -> Path:
    """Refuse an output path that cannot be written, before any work is done (or spent): an
    existing target of the wrong kind, or a nearest existing ancestor that is not a writable
    folder. Creates nothing. (A place even root cannot write, like /proc, still fails at write
    time, with one line from the CLI.)"""
    target = Path(path)
    what = "folder" if folder else "file"
    if target.exists():
        if target.is_dir() != folder:
            kind = "a folder" if target.is_dir() else "a file"
            raise InvalidParameterError(f"{flag} {target} is {kind}; give a {what} path")
        if not os.access(target if folder else target.parent, os.W_OK):
            raise InvalidParameterError(f"{flag} {target} is not writable; choose another {what}")
        return target
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InvalidParameterError(
            f"{flag} {target} cannot be created: {ancestor} is a file, not a folder"
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InvalidParameterError(
            f"{flag} {target} cannot be created: {ancestor} is not writable; choose another {what}"
        )
    return target


def _typed(check: Any, label: str) -> Any:
    def parse(text: str) -> float:
        try:
            return float(check(text))
        except PrivacyError as error:
            raise argparse.ArgumentTypeError(error.message.replace("epsilon", label)) from None

    parse.__name__ = label
    return parse


def lock_timeout_arg(text: str) -> float:
    from jupyter_privacy.core.config import resolve_lock_timeout

    try:
        return resolve_lock_timeout(text)
    except PrivacyError as error:
        raise argparse.ArgumentTypeError(
            error.message.replace("lock_timeout", "--lock-timeout")
        ) from None


def open_from_args(args: argparse.Namespace, *, read_only: bool = False) -> Any:
    """The ledger a command names (`--ledger`, `--lock-timeout`); read-only for commands that
    only read, so they never create a ledger or touch a database that is not one."""
    from jupyter_privacy.core.ledger import open_ledger

    return open_ledger(
        args.ledger, lock_timeout=getattr(args, "lock_timeout", None), read_only=read_only
    )


epsilon_arg = _typed(check_epsilon, "--epsilon")
delta_arg = _typed(check_delta, "--delta")


def positive_int_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, got {text!r}")
    return value


def print_json(data: Any) -> None:
    json.dump(to_jsonable(data), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def print_error(error: PrivacyError, *, as_json: bool) -> None:
    if as_json:
        print_json(error.to_dict())
    print(f"jupyter privacy: error: {error.message}", file=sys.stderr)


def write_or_print(text: str, out: str | None) -> None:
    """`text` into the file `out` (checked, parents made), else to stdout."""
    if out:
        path = check_out(out, folder=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
