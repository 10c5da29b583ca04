"""Shared CLI plumbing: common options, typed argument parsers with clear messages, JSON output."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from jupyter_privacy.core.errors import PrivacyError
from jupyter_privacy.core.ledger.chain import to_jsonable
from jupyter_privacy.core.validation import check_delta, check_epsilon


def add_common(parser: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    parser.add_argument(
        "--ledger",
        metavar="URL",
        help="SQLAlchemy URL of the ledger (default: $JUPYTER_PRIVACY_LEDGER, then "
        "[tool.jupyter_privacy] ledger in pyproject.toml, then .privacy/ledger.db)",
    )
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def add_digests_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--include-digests", action="store_true",
        help="also print the keyed data fingerprints and replay keys (left out by default: "
        "output is often shared; see docs/ledger.md, 'The secret')",
    )  # fmt: skip


def _typed(check: Any, label: str) -> Any:
    def parse(text: str) -> float:
        try:
            return float(check(text))
        except PrivacyError as error:
            raise argparse.ArgumentTypeError(error.message.replace("epsilon", label)) from None

    parse.__name__ = label
    return parse


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
