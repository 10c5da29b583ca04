"""`jupyter privacy ledger verify|export`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from jupyter_privacy.cli.output import add_common, add_digests_flag, check_out, print_json
from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.ledger.chain import to_jsonable


def register(sub: Any) -> None:
    ledger = sub.add_parser("ledger", help="verify, export or migrate the ledger")
    verbs = ledger.add_subparsers(dest="verb", metavar="VERB", required=True)

    verify = verbs.add_parser("verify", help="check the hash chain; exit 1 when tampering is found")
    add_common(verify)
    verify.set_defaults(handler=_verify)

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


def _verify(args: argparse.Namespace) -> int:
    with open_ledger(args.ledger) as ledger:
        report = ledger.verify()
        if args.json:
            print_json({"ledger": ledger.display_url, **report.to_dict()})
        elif report.ok:
            print(f"ledger OK: {report.entries_checked} entries, {report.budgets_checked} budgets "
                  f"verified ({ledger.display_url})")  # fmt: skip
        else:
            print(f"ledger TAMPERED: {len(report.problems)} problem(s) in {ledger.display_url}")
            for problem in report.problems:
                where = f"entry {problem.entry_id}" if problem.entry_id is not None else "ledger"
                print(f"  {where}: {problem.problem}: {problem.detail}")
    return 0 if report.ok else 1


def _migrate(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.ledger.migrate import migrate_ledger

    with open_ledger(args.ledger) as ledger:
        report = migrate_ledger(ledger, args.to, overwrite=args.force)
    if args.json:
        print_json(report.to_dict())
    else:
        print(f"migrated {report.budgets} budgets and {report.entries} entries from "
              f"{report.source} to {report.target}; the copy verifies (head {report.head_hash[:12]})")  # fmt: skip
    return 0


def _export(args: argparse.Namespace) -> int:
    if args.out:
        check_out(args.out, folder=False)
    with open_ledger(args.ledger) as ledger:
        data = ledger.export(include_digests=args.include_digests)
    if args.out:
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")
        print(f"exported {len(data['entries'])} entries to {path}")
    else:
        print_json(data)
    return 0
