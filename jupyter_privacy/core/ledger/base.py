"""What every part of the Ledger shares: its engine, transactions, the chain head and `_append`.

The Ledger class (ledger.py) is assembled from mixins over this base: budgets.py, spending.py,
audit.py and integrity.py. Every write takes the chain head's lock, so entries get consecutive ids
and each hash covers the one before it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from jupyter_privacy.core.config import DEFAULT_LOCK_TIMEOUT_S
from jupyter_privacy.core.errors import (
    InvalidParameterError,
    LedgerIntegrityError,
    LedgerReadOnlyError,
    LedgerSchemaError,
    UnknownBudgetError,
)
from jupyter_privacy.core.ledger import chain, schema
from jupyter_privacy.core.ledger.locks import describe_postgres_holder, describe_sqlite_holder
from jupyter_privacy.core.ledger.provenance import current_origin
from jupyter_privacy.core.ledger.secret import DataKey, data_key_of
from jupyter_privacy.core.ledger.statements import (
    INSERT_ENTRY,
    SELECT_BUDGET,
    SELECT_BUDGET_FOR_WRITE,
    SELECT_HEAD,
    UPDATE_HEAD,
)
from jupyter_privacy.core.ledger.storage import (
    WriteTransaction,
    create_ledger_engine,
    is_sqlite,
    mask_url,
    sqlite_path,
    translated_errors,
)
from jupyter_privacy.core.ledger.totals import Totals, head_totals
from jupyter_privacy.core.validation import budget_create_hint

T = schema


class LedgerBase:
    """Open with `jupyter_privacy.open_ledger()`; safe to share between threads of one process."""

    def __init__(
        self, url: str, engine: Engine | None, *, read_only: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT_S,
    ) -> None:  # fmt: skip
        self.url = url
        self.display_url = mask_url(url)
        self.read_only = read_only
        self.lock_timeout = lock_timeout
        path = sqlite_path(url) if is_sqlite(url) else None
        self._sqlite_file = path
        #: False when a read-only open found nothing stored yet: an empty stand-in answers reads.
        self.exists = True
        with self._errors():
            version = None
            if read_only and engine is not None:
                version = schema.inspect_read_only(engine, self.display_url)
            if read_only and version is None:  # nothing stored: read an empty ledger instead
                if engine is not None:
                    engine.dispose()
                engine, self.exists = _empty_stand_in(lock_timeout, self.display_url), False
                version = schema.SCHEMA_VERSION
            if engine is None:
                raise ValueError("a ledger opened for writing needs its engine")
            self._engine: Engine = engine
            if not read_only:
                version = schema.ensure_schema(engine, self._connect_for_write, self.display_url)
        assert version is not None
        self._use_version(version)

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Ledger {self.display_url}>"

    def data_key(self) -> DataKey:
        """The key of every digest of private data (the secret beside the ledger, secret.py)."""
        return data_key_of(self)

    # -- transactions --------------------------------------------------------------------------
    def _errors(self) -> contextlib.AbstractContextManager[None]:
        return translated_errors(self.url, lock_story=self._lock_story)

    def _connect_for_write(self) -> WriteTransaction:
        conn = self._engine.connect().execution_options(sqlite_begin="IMMEDIATE")
        return WriteTransaction(conn)

    def _write(self) -> WriteTransaction:
        """A write transaction, after checking this ledger may be written at all."""
        self._write_allowed()
        if self.schema_version < T.SCHEMA_VERSION:
            self._refresh_version()
        return self._connect_for_write()

    def _write_allowed(self) -> None:
        if self.read_only:
            raise LedgerReadOnlyError(
                f"ledger {self.display_url} was opened read-only; nothing was written. Open it "
                "without read_only=True to change it",
                url=self.display_url,
            )

    def _use_version(self, version: int) -> None:
        self.schema_version = version
        self._entries = T.entries_table(version)

    def _refresh_version(self) -> None:
        """Another process may have upgraded the ledger since it was opened here."""
        with self._errors(), self._engine.connect() as conn:
            self._use_version(T.check_version(conn, self.display_url))
        if self.schema_version < T.SCHEMA_VERSION:
            raise LedgerSchemaError(
                f"ledger {self.display_url} has schema version {self.schema_version}: it still "
                f"reads, but writing needs version {T.SCHEMA_VERSION}. Back it up, then run "
                f"`jupyter privacy ledger upgrade --ledger {self.display_url}` (docs/ledger.md)",
                found=self.schema_version,
                supported=T.SCHEMA_VERSION,
            )

    def _lock_story(self) -> str:
        """Why a write gave up waiting, and who holds the lock when that can be told."""
        holder: str | None = None
        with contextlib.suppress(Exception):
            if self._sqlite_file is not None:
                holder = describe_sqlite_holder(self._sqlite_file)
            elif not is_sqlite(self.url):
                with self._engine.connect() as conn:
                    holder = describe_postgres_holder(conn)
        return (
            f"stayed locked by another process past the {self.lock_timeout:g} s lock timeout "
            f"({holder or 'holder unknown'})"
        )

    # -- the chain -----------------------------------------------------------------------------
    def _lock_head(self, conn: Connection) -> Any:
        head = conn.execute(SELECT_HEAD).one()
        if not isinstance(head.head_id, int) or not isinstance(head.next_budget_id, int):
            raise LedgerIntegrityError(
                f"ledger tampered: the chain head of {self.display_url} holds malformed values; "
                "nothing was written. Run `jupyter privacy ledger verify`, then restore a backup"
            )
        return head

    def _append(
        self, conn: Connection, head: Any, *, budget_id: int, kind: str, epsilon: float,
        delta: float, description: str, actor: str, created_at: str, totals: Totals | None,
        rho: float | None = None, mechanism: str = "", origin: str = "",
        value_json: str = "null", details: dict[str, Any] | None = None,
        details_json: str | None = None, replay_key: str | None = None,
        next_budget_id: int | None = None,
    ) -> int:  # fmt: skip
        fields = {
            "id": head.head_id + 1, "budget_id": budget_id, "kind": kind, "epsilon": epsilon,
            "delta": delta, "rho": rho, "mechanism": mechanism, "description": description,
            "actor": actor, "origin": origin or current_origin(), "created_at": created_at,
            "value_json": value_json,
            "details_json": details_json if details_json is not None else chain.dumps(details or {}),
            "replay_key": replay_key, "prev_hash": head.head_hash,
            "totals_json": totals.to_json() if totals is not None else None,
        }  # fmt: skip
        fields["hash"] = chain.entry_hash(fields)
        conn.execute(INSERT_ENTRY, fields)
        conn.execute(
            UPDATE_HEAD,
            {
                "new_head_id": fields["id"],
                "new_head_hash": fields["hash"],
                "new_next_budget_id": next_budget_id or head.next_budget_id,
            },
        )
        return int(fields["id"])

    # -- budgets -------------------------------------------------------------------------------
    def _budget_row(self, conn: Connection, name: str) -> Any:
        return conn.execute(SELECT_BUDGET, {"budget_name": name}).first()

    def _require_budget(self, conn: Connection, name: str) -> Any:
        row = self._budget_row(conn, self._checked_name(name))
        if row is None:
            raise self._unknown(conn, name)
        return row

    def _budget_for_write(self, conn: Connection, head: Any, name: str) -> tuple[Any, Totals]:
        """The budget's row and its chained totals, refusing a row that disagrees with its chain."""
        row = conn.execute(
            SELECT_BUDGET_FOR_WRITE, {"budget_name": self._checked_name(name)}
        ).first()
        if row is None:
            raise self._unknown(conn, name)
        return row, head_totals(row, head, self.display_url)

    @staticmethod
    def _checked_name(name: Any) -> str:
        if not isinstance(name, str) or not name.strip():
            raise InvalidParameterError("give the name of a budget, e.g. budget='census-2026'")
        return name.strip()

    def _unknown(self, conn: Connection, name: str) -> UnknownBudgetError:
        known = [r[0] for r in conn.execute(sa.select(T.budgets.c.name).order_by("name"))]
        hint = (
            f"known budgets: {', '.join(map(str, known))}"
            if known
            else "this ledger has no budgets"
        )
        return UnknownBudgetError(
            f"no budget named '{name}' in ledger {self.display_url} ({hint}); "
            + budget_create_hint(name),
            budget=name,
        )


def _empty_stand_in(lock_timeout: float, display_url: str) -> Engine:
    """An empty in-memory ledger that answers the reads of a ledger not created yet."""
    engine = create_ledger_engine("sqlite://", lock_timeout)

    @contextlib.contextmanager
    def begin() -> Iterator[Connection]:
        with engine.begin() as conn:
            yield conn

    schema.ensure_schema(engine, begin, display_url)
    return engine
