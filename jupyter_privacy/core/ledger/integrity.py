"""Integrity and the ledger going out: verify (optionally against an anchor), anchor, export,
copy, and the explicit schema upgrade."""

from __future__ import annotations

from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, LedgerSchemaError
from jupyter_privacy.core.ledger import chain, schema
from jupyter_privacy.core.ledger.anchor import Anchor
from jupyter_privacy.core.ledger.base import LedgerBase
from jupyter_privacy.core.ledger.models import LedgerCopy, VerificationReport
from jupyter_privacy.core.ledger.storage import snapshot
from jupyter_privacy.core.ledger.transfer import copy_rows, export_document
from jupyter_privacy.core.ledger.upgrade import UpgradeReport, upgrade_ledger

T = schema


class IntegrityMixin(LedgerBase):
    def verify(self, anchor: Anchor | None = None) -> VerificationReport:
        """Recompute the chain, every total and cached row; with `anchor`, also check that the
        ledger still extends it (catches a rewrite of the whole chain)."""
        from jupyter_privacy.core.ledger.verify import verify_ledger

        with self._errors(), self._engine.connect() as conn:
            return verify_ledger(conn, self._entries, anchor)

    def anchor(self) -> Anchor:
        """The current head (entry count and hash, with the time): keep it somewhere else."""
        with self._errors(), self._engine.connect() as conn:
            head = conn.execute(T.chain_head.select().where(T.chain_head.c.id == 1)).one()
        return Anchor(
            entries=int(head.head_id), head_hash=str(head.head_hash), created_at=chain.utc_now(),
            ledger=self.display_url,
        )  # fmt: skip

    def export(self, *, include_digests: bool = False) -> dict[str, Any]:
        """The whole ledger as JSON-ready data: budgets, every entry with its hash, verification;
        data digests only when asked (see published.py)."""
        report = self.verify()
        budgets = self.budgets()  # type: ignore[attr-defined]
        with self._errors(), self._engine.connect() as conn:
            return export_document(
                conn, self._entries, budgets, report, self.display_url, self.schema_version,
                include_digests,
            )  # fmt: skip

    def copy_to(self, target: Any, *, overwrite: bool = False) -> LedgerCopy:
        """Copy every budget and entry into `target` unchanged, in one of its write transactions.

        Hashes are copied too, so the copy verifies exactly when this ledger does: call `verify()`
        first when a tampered ledger must not be copied. A target that holds entries is refused
        unless `overwrite`, which replaces its contents; a ledger cannot be copied onto itself.
        A schema-1 ledger is upgraded first (`upgrade()`), never copied into a newer schema.
        """
        if target.url == self.url:
            raise InvalidParameterError(
                f"cannot copy ledger {self.display_url} onto itself; give another target ledger"
            )
        if self.schema_version < T.SCHEMA_VERSION:
            raise LedgerSchemaError(
                f"ledger {self.display_url} has schema version {self.schema_version}; upgrade it "
                f"before copying: jupyter privacy ledger upgrade --ledger {self.display_url}"
            )
        with target._errors(), snapshot(self._engine) as src, target._write() as dst:
            return copy_rows(src, dst, target=target.display_url, overwrite=overwrite)

    def upgrade(self) -> UpgradeReport:
        """Upgrade a schema-1 ledger to chained totals (see upgrade.py); a no-op when current."""
        return upgrade_ledger(self)
