"""Engines for the ledger's backends and one mapping from driver errors to errors a user can act on.

SQLite: WAL journal, a busy timeout, and `BEGIN IMMEDIATE` for write transactions so the
check-and-spend is serialised across processes. PostgreSQL (and other servers): row locks
(`SELECT … FOR UPDATE` on the chain head) inside READ COMMITTED transactions, with `lock_timeout`.

Read-only engines (`read_only=True`) never write: SQLite connections run with `PRAGMA query_only`
and fall back to `mode=ro`, then `immutable=1`, for a ledger in a read-only file or folder;
PostgreSQL sessions run with `default_transaction_read_only`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from jupyter_privacy.core.config import DEFAULT_LOCK_TIMEOUT_S
from jupyter_privacy.core.errors import (
    DatabaseAccessDeniedError,
    LedgerCorruptError,
    LedgerError,
    LedgerLockedError,
    LedgerReadOnlyError,
    LedgerUnavailableError,
)
from jupyter_privacy.core.ledger.locks import application_name


def mask_url(url: str) -> str:
    """The URL without its password, for messages, logs and the REST API."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable ledger URL>"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (plain or `file:` URI form); None for an in-memory database."""
    database = make_url(url).database
    if database and database.startswith("file:"):
        database = unquote(database[len("file:") :])
    if not database or database.startswith(":memory:") or "mode=memory" in url:
        return None
    return Path(database)


def create_ledger_engine(
    url: str, lock_timeout: float = DEFAULT_LOCK_TIMEOUT_S, *, read_only: bool = False
) -> Engine:
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise LedgerUnavailableError(
            f"{url!r} is not a database URL; use e.g. sqlite:///path/ledger.db or "
            "postgresql+psycopg://user@host/db",
            url=mask_url(url),
        ) from error
    if is_sqlite(url):
        if read_only:
            path = sqlite_path(url)
            assert path is not None, "open_ledger gives a missing or in-memory ledger a stand-in"
            return _sqlite_engine(_read_only_uri(path), lock_timeout, read_only=True)
        return _sqlite_engine(url, lock_timeout)
    try:
        engine = sa.create_engine(parsed, isolation_level="READ COMMITTED", pool_pre_ping=True)
    except (exc.NoSuchModuleError, ImportError) as error:
        raise LedgerUnavailableError(
            f"no database driver for {mask_url(url)} ({error}); install one, e.g. "
            "pip install 'psycopg[binary]' for postgresql+psycopg://",
            url=mask_url(url),
        ) from error
    if engine.dialect.name == "postgresql":
        _configure_postgres(engine, lock_timeout, read_only=read_only)
    return engine


def _configure_postgres(engine: Engine, lock_timeout: float, *, read_only: bool) -> None:
    """Each new session: name itself (who holds a lock), bound its lock waits, plan each statement
    for the rows it meets, and, for a read-only ledger, refuse writes at the server.

    Custom plans: psycopg prepares a statement after a few runs and PostgreSQL then keeps one
    generic plan made while the ledger was empty; for the budget's newest entry that plan scanned
    every entry (2 ms per spend at 3,300 entries and growing, until an ANALYZE). Planning per
    statement costs ~0.1 ms and stays flat.
    """
    settings = {
        "lock_timeout": f"{int(lock_timeout * 1000)}ms",
        "plan_cache_mode": "force_custom_plan",
    }
    if "application_name" not in engine.url.query:
        settings["application_name"] = application_name()
    if read_only:
        settings["default_transaction_read_only"] = "on"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        try:
            for name, value in settings.items():
                cursor.execute("SELECT set_config(%s, %s, false)", (name, value))
        finally:
            cursor.close()
        dbapi_conn.commit()  # a SET inside a transaction that is rolled back would be undone


def _read_only_uri(path: Path) -> str:
    """A SQLite URI that reads `path` without ever writing it.

    `mode=rw` with `PRAGMA query_only` (set on connect) reads like any reader and cleans up its
    -wal/-shm files. A ledger in a read-only file or folder cannot take that (SQLite needs to
    write its shared-memory file), so `mode=ro`, then `immutable=1`: safe only because nobody can
    write there, and refused when a -wal file holds commits an immutable read would not see.
    """
    target = "file:" + quote(str(path.resolve()), safe="/")
    for mode in ("mode=rw", "mode=ro"):
        if _readable(f"{target}?{mode}"):
            return f"sqlite:///{target}?{mode}&uri=true"
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise LedgerReadOnlyError(
            f"ledger {path} is in a read-only place and its write-ahead log ({wal.name}) holds "
            "commits not yet merged into it; open it once with write access (or copy the folder "
            "somewhere writable) so nothing is missed",
            url=str(path),
        )
    return f"sqlite:///{target}?mode=ro&immutable=1&uri=true"


def _readable(uri: str) -> bool:
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        return False
    try:
        conn.execute("PRAGMA query_only = 1")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlite3.DatabaseError as error:
        text = str(error).lower()
        # Only the read-only cases move on to the next mode; a corrupt file is reported as such.
        return not ("readonly" in text or "read-only" in text or "unable to open" in text)
    finally:
        conn.close()


def _sqlite_engine(url: str, lock_timeout: float, *, read_only: bool = False) -> Engine:
    path = sqlite_path(url)
    kwargs: dict[str, Any] = {}
    if path is None:
        kwargs["poolclass"] = StaticPool  # one shared in-memory database
    elif not read_only:
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
            if read_only:
                cursor.execute("PRAGMA query_only = 1")
            elif path is not None:
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
def translated_errors(url: str, *, lock_story: Callable[[], str] | None = None) -> Iterator[None]:
    """Turn driver errors into LedgerError subclasses whose text says what to do.

    `lock_story` tells, when the lock wait timed out, how long it waited and who holds the lock.
    """
    shown = mask_url(url)
    try:
        yield
    except LedgerError:
        raise
    except exc.DBAPIError as error:
        translated = _translate(error, shown)
        if isinstance(translated, LedgerLockedError) and lock_story is not None:
            translated = LedgerLockedError(
                f"ledger {shown} {lock_story()}; nothing was spent. Retry, wait longer "
                "(--lock-timeout SECONDS or JUPYTER_PRIVACY_LOCK_TIMEOUT), or stop the holder "
                "(a long computation or a stuck kernel)",
                url=shown,
            )
        raise translated from error
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
    if "read-only transaction" in text or "query_only" in text:
        return LedgerReadOnlyError(
            f"ledger {shown} was opened read-only; nothing was written", url=shown
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
        try:
            self._tx = self._conn.begin()
        except BaseException:
            self._conn.close()
            raise
        return self._conn

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        try:
            if exc_type is None:
                self._tx.commit()
            else:
                self._tx.rollback()
        finally:
            self._conn.close()
