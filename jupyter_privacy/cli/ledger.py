"""`jupyter privacy ledger verify|anchor|export|migrate|upgrade`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from jupyter_privacy.cli.output import (
    add_common,
    add_digests_flag,
    check_out,
    open_from_args,
    print_json,
)
from jupyter_privacy.core.ledger.chain import to_jsonable


def register(sub: Any) -> None:
    ledger = sub.add_parser("ledger", help="verify, anchor, export, migrate or upgrade the ledger")
    verbs = ledger.add_subparsers(dest="verb", metavar="VERB", required=True)

    verify = verbs.add_parser("verify", help="check the hash chain; exit 1 when tampering is found")
    verify.add_argument(
        "--anchor", metavar="ANCHOR",
        help="also check the ledger still extends this anchor: COUNT:HASH, or a file holding "
        "one (the JSON of `ledger anchor --json`, or a privacy-budget.json)",
    )  # fmt: skip
    verify.add_argument(
        "--public-key", metavar="PEM", type=Path,
        help="require the anchor to be signed by this Ed25519 public key",
    )  # fmt: skip
    add_common(verify)
    verify.set_defaults(handler=_verify)

    anchor = verbs.add_parser(
        "anchor", help="print the ledger's head (entry count and hash) to keep somewhere else"
    )
    anchor.add_argument(
        "--key", metavar="PEM", type=Path, help="sign the anchor with this Ed25519 private key"
    )
    add_common(anchor)
    anchor.set_defaults(handler=_anchor)

    export = verbs.add_parser("export", help="write the whole ledger as JSON")
    export.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    add_digests_flag(export)
    add_common(export, json_flag=False)
    export.set_defaults(handler=_export, json=False)

    migrate = verbs.add_parser(
        "migrate", help="copy this ledger into another database (e.g. a team's PostgreSQL)"
    )
    migrate.add_argument("--to", required=True, metavar="URL", help="the target ledger URL")
    migrate.add_argument(
        "--force", action="store_true", help="replace the target's contents if it is not empty"
    )
    add_common(migrate)
    migrate.set_defaults(handler=_migrate)

    upgrade = verbs.add_parser(
        "upgrade", help="upgrade a ledger written by an older version (back it up first)"
    )
    add_common(upgrade)
    upgrade.set_defaults(handler=_upgrade)


def _verify(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.ledger.anchor import parse_anchor

    anchor = parse_anchor(args.anchor) if args.anchor else None
    if args.public_key is not None and anchor is None:
        from jupyter_privacy.core.errors import InvalidParameterError

        raise InvalidParameterError("--public-key checks an anchor's signature: give --anchor too")
    with open_from_args(args, read_only=True) as ledger:
        report = ledger.verify(anchor)
        display_url = ledger.display_url
    problems = list(report.problems)
    if anchor is not None and args.public_key is not None:
        signature = anchor.signature_problem(args.public_key)
        problems += [signature] if signature is not None else []
    ok = not problems
    if args.json:
        print_json({"ledger": display_url, **report.to_dict(), "ok": ok,
                    "problems": [vars(p) for p in problems]})  # fmt: skip
    elif ok:
        print(f"ledger OK: {report.entries_checked} entries, {report.budgets_checked} budgets "
              f"verified ({display_url})")  # fmt: skip
        if anchor is not None:
            signed = " (signed, signature checked)" if args.public_key is not None else ""
            print(
                f"the ledger extends the anchor {anchor.entries}:{anchor.head_hash[:16]}…{signed}"
            )
    else:
        print(f"ledger TAMPERED: {len(problems)} problem(s) in {display_url}")
        for problem in problems:
            where = f"entry {problem.entry_id}" if problem.entry_id is not None else "ledger"
            print(f"  {where}: {problem.problem}: {problem.detail}")
    return 0 if ok else 1


def _anchor(args: argparse.Namespace) -> int:
    with open_from_args(args, read_only=True) as ledger:
        anchor = ledger.anchor()
    if args.key is not None:
        anchor = anchor.signed(args.key)
    if args.json:
        print_json(anchor.to_dict())
        return 0
    print(f"anchor {anchor.token}")
    print(f"  {anchor.entries} entries, head hash {anchor.head_hash}, taken {anchor.created_at}"
          f"{', signed' if anchor.signature else ''} ({anchor.ledger})")  # fmt: skip
    print("  keep it outside the ledger; later: jupyter privacy ledger verify --anchor "
          f"{anchor.token}")  # fmt: skip
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.ledger.migrate import migrate_ledger

    with open_from_args(args, read_only=True) as ledger:
        report = migrate_ledger(ledger, args.to, overwrite=args.force)
    if args.json:
        print_json(report.to_dict())
    else:
        print(f"migrated {report.budgets} budgets and {report.entries} entries from "
              f"{report.source} to {report.target}; the copy verifies (head {report.head_hash[:12]})")  # fmt: skip
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    with open_from_args(args) as ledger:
        report = ledger.upgrade()
    if args.json:
        print_json(report.to_dict())
    elif report.upgraded:
        print(f"upgraded {report.ledger} from schema {report.from_version} to "
              f"{report.to_version}: {report.entries_verified} entries verified, "
              f"{report.budgets} budgets checkpointed; no entry was rewritten")  # fmt: skip
    else:
        print(f"{report.ledger} is already at schema {report.to_version}; nothing to do")
    return 0


def _export(args: argparse.Namespace) -> int:
    if args.out:
        check_out(args.out, folder=False)
    with open_from_args(args, read_only=True) as ledger:
        data = ledger.export(include_digests=args.include_digests)
    if args.out:
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")
        print(f"exported {len(data['entries'])} entries to {path}")
    else:
        print_json(data)
    return 0
