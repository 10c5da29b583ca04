"""Engines for the ledger's backends and one mapping from driver errors to errors a user can act on.

SQLite: WAL journal, a busy timeout, and `BEGIN IMMEDIATE` for write transactions so the
check-and-spend is serialised across processes. PostgreSQL (and other servers): row locks
(`SELECT … FOR UPDATE` on the chain head) inside READ COMMITTED transactions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from jupyter_privacy.core.errors import (
    DatabaseAccessDeniedError,
    LedgerCorruptError,
    LedgerError,
    LedgerLockedError,
    LedgerReadOnlyError,
    LedgerUnavailableError,
)

DEFAULT_LOCK_TIMEOUT_S = 60.0


def mask_url(url: str) -> str:
    """The URL without its password, for messages, logs and the REST API."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable ledger URL>"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def create_ledger_engine(url: str, lock_timeout: float = DEFAULT_LOCK_TIMEOUT_S) -> Engine:
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise LedgerUnavailableError(
            f"{url!r} is not a database URL; use e.g. sqlite:///path/ledger.db or "
            "postgresql+psycopg://user@host/db",
            url=mask_url(url),
        ) from error
    if is_sqlite(url):
        return _sqlite_engine(url, lock_timeout)
    try:
        return sa.create_engine(parsed, isolation_level="READ COMMITTED", pool_pre_ping=True)
    except (exc.NoSuchModuleError, ImportError) as error:
        raise LedgerUnavailableError(
            f"no database driver for {mask_url(url)} ({error}); install one, e.g. "
            "pip install 'psycopg[binary]' for postgresql+psycopg://",
            url=mask_url(url),
        ) from error


def _sqlite_engine(url: str, lock_timeout: float) -> Engine:
    path = sqlite_path(url)
    kwargs: dict[str, Any] = {}
    if path is None:
        kwargs["poolclass"] = StaticPool  # one shared in-memory database
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LedgerUnavailableError(
                f"cannot create the ledger folder {path.parent} ({error.strerror}); choose a "
                "writable place with --ledger or JUPYTER_PRIVACY_LEDGER",
                url=url,
            ) from error
    engine = sa.create_engine(
        url,
        connect_args={"timeout": lock_timeout, "isolation_level": None, "check_same_thread": False},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
            if path is not None:
                # A read-only file keeps its journal mode; reads still work.
                with contextlib.suppress(Exception):
                    cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextlib.contextmanager
def translated_errors(url: str) -> Iterator[None]:
    """Turn driver errors into LedgerError subclasses whose text says what to do."""
    shown = mask_url(url)
    try:
        yield
    except LedgerError:
        raise
    except exc.DBAPIError as error:
        raise _translate(error, shown) from error
    except exc.SQLAlchemyError as error:
        raise LedgerUnavailableError(f"ledger {shown} failed: {error}", url=shown) from error


def _translate(error: exc.DBAPIError, shown: str) -> LedgerError:
    text = str(error.orig).lower() if error.orig is not None else str(error).lower()
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return LedgerCorruptError(
            f"ledger {shown} is not a readable database (it is corrupt or not SQLite). Move the "
            "file aside and restore a backup, or point JUPYTER_PRIVACY_LEDGER at another ledger",
            url=shown,
        )
    if "database is locked" in text or "lock timeout" in text or "could not obtain lock" in text:
        return LedgerLockedError(
            f"ledger {shown} stayed locked by another process past the timeout; retry, or find the "
            "process holding it (a long query or a stuck kernel)",
            url=shown,
        )
    if "row-level security" in text or "permission denied" in text:
        return DatabaseAccessDeniedError(
            f"the database refused this change to ledger {shown} ({_first_line(error)}); ask the "
            "budget's owner (jupyter privacy access grant) or the ledger's administrator. Nothing "
            "was spent",
            url=shown,
        )
    if "readonly" in text or "read-only" in text or "read only" in text:
        return LedgerReadOnlyError(
            f"ledger {shown} cannot be written (read-only file or server); fix its permissions or "
            "point JUPYTER_PRIVACY_LEDGER at a writable ledger. Nothing was spent",
            url=shown,
        )
    if "unable to open" in text:
        return LedgerUnavailableError(
            f"cannot open ledger {shown}; check that its folder exists and is writable", url=shown
        )
    if error.connection_invalidated or isinstance(error, exc.OperationalError):
        return LedgerUnavailableError(
            f"ledger {shown} is unreachable or the connection was lost ({_first_line(error)}); "
            "nothing was spent. Check that the database server is running and the URL is right",
            url=shown,
        )
    return LedgerUnavailableError(f"ledger {shown} failed: {_first_line(error)}", url=shown)


def _first_line(error: exc.DBAPIError) -> str:
    text = str(error.orig) if error.orig is not None else str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def snapshot(engine: Engine) -> Connection:
    """A read connection whose queries all see one state (SQLite: its one deferred transaction)."""
    conn = engine.connect()
    if conn.dialect.name != "sqlite":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


class WriteTransaction:
    """A connection in a write transaction (BEGIN IMMEDIATE on SQLite): commit on success."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._tx: Any = None

    def __enter__(self) -> Connection:
        self._tx = self._conn.begin()
        return self._conn

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        try:
            if exc_type is None:
                self._tx.commit()
            else:
                self._tx.rollback()
        finally:
            self._conn.close()
