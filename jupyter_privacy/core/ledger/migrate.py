"""Copy a ledger (typically a laptop's SQLite file) into another database (a team's PostgreSQL),
entry for entry, so the hash chain carries over intact and verifies on the target."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from jupyter_privacy.core.errors import InvalidParameterError, LedgerIntegrityError
from jupyter_privacy.core.ledger import schema as T
from jupyter_privacy.core.ledger.ledger import Ledger, open_ledger
from jupyter_privacy.core.ledger.storage import translated_errors

_CHUNK = 1000


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
        with translated_errors(target.url), source._engine.connect() as src:
            budgets = [dict(r._mapping) for r in src.execute(sa.select(T.budgets))]
            head = dict(src.execute(sa.select(T.chain_head)).one()._mapping)
            with target._write() as dst:
                dst.execute(sa.select(T.chain_head).with_for_update()).one()
                existing = dst.execute(sa.select(sa.func.count()).select_from(T.entries)).scalar()
                if existing and not overwrite:
                    raise InvalidParameterError(
                        f"target ledger {target.display_url} already holds {existing} entries; "
                        "pass --force (overwrite=True) to replace them",
                        entries=existing,
                    )
                dst.execute(T.entries.delete())
                dst.execute(T.budgets.delete())
                if budgets:
                    dst.execute(T.budgets.insert(), budgets)
                copied = 0
                rows = src.execution_options(yield_per=_CHUNK).execute(
                    sa.select(T.entries).order_by(T.entries.c.id)
                )
                for chunk in rows.partitions(_CHUNK):
                    dst.execute(T.entries.insert(), [dict(r._mapping) for r in chunk])
                    copied += len(chunk)
                dst.execute(T.chain_head.update().where(T.chain_head.c.id == 1).values(**head))
        verified = target.verify()
        if not verified.ok:  # pragma: no cover - would mean a backend changed values in transit
            raise LedgerIntegrityError(
                f"the copy in {target.display_url} does not verify: {verified.problems[:3]}"
            )
        return MigrationReport(
            source=source.display_url,
            target=target.display_url,
            budgets=len(budgets),
            entries=copied,
            head_hash=head["head_hash"],
            verified=verified.ok,
        )
