"""Copy a ledger (typically a laptop's SQLite file) into another database (a team's PostgreSQL),
entry for entry, so the hash chain carries over intact and verifies on the target."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, LedgerIntegrityError
from jupyter_privacy.core.ledger.ledger import Ledger, open_ledger


@dataclass(frozen=True)
class MigrationReport:
    source: str
    target: str
    budgets: int
    entries: int
    head_hash: str
    verified: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def migrate_ledger(source: Ledger, target_url: str, *, overwrite: bool = False) -> MigrationReport:
    """Copy every budget and entry of `source` into the ledger at `target_url`, then verify it.

    A tampered source is refused (migrating would launder it). A target that already holds budgets
    or entries is refused unless `overwrite` is True, which replaces its contents.
    """
    report = source.verify()
    if not report.ok:
        raise LedgerIntegrityError(
            f"ledger {source.display_url} does not verify ({len(report.problems)} problem(s), "
            "see `jupyter privacy ledger verify`); refusing to migrate a tampered ledger",
            problems=[asdict(p) for p in report.problems],
        )
    with open_ledger(target_url) as target:
        if target.url == source.url:
            raise InvalidParameterError("the target is the source ledger; give another --to URL")
        copied = source.copy_to(target, overwrite=overwrite)
        verified = target.verify()
        if not verified.ok:  # pragma: no cover - would mean a backend changed values in transit
            raise LedgerIntegrityError(
                f"the copy in {target.display_url} does not verify: {verified.problems[:3]}"
            )
        return MigrationReport(
            source=source.display_url,
            target=target.display_url,
            budgets=copied.budgets,
            entries=copied.entries,
            head_hash=copied.head_hash,
            verified=verified.ok,
        )
