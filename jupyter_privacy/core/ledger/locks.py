"""Who holds the ledger's write lock, so a writer that gives up can say whom it waited for.

SQLite: each write transaction of the kit records its writer (pid, host, user, start time) in
`<ledger file>-writer` once it holds the lock, and blanks it when the transaction ends; a waiter
that times out reads it. The record is one `pwrite` into a file kept open (a few µs, no truncation),
so it costs the spend path nothing measurable. A writer outside the kit (the sqlite3 shell) leaves no
record: the holder is then "unknown".

PostgreSQL: every connection names itself (`application_name`), and the waiter looks up the session
holding the chain head's row lock in `pg_locks` / `pg_stat_activity`.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.ledger.provenance import current_actor

HOLDER_SUFFIX = "-writer"
_RECORD_SIZE = 512
_BLANK = b" " * (_RECORD_SIZE - 1) + b"\n"


def writer_identity() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(), "user": current_actor()}


def application_name() -> str:
    """How a kit connection names itself to PostgreSQL (at most 63 bytes are kept)."""
    who = writer_identity()
    return f"jupyter-privacy pid {who['pid']} on {who['host']} ({who['user']})"[:63]


class HolderRecord:
    """The `<ledger file>-writer` record of one process's writes (see the module docstring)."""

    def __init__(self, ledger_path: Path) -> None:
        self.path = ledger_path.with_name(ledger_path.name + HOLDER_SUFFIX)
        self._fd: int | None = None
        self._disabled = False
        self._lock = threading.Lock()
        # Everything but the start time is fixed per process: encode it once.
        self._prefix = json.dumps(writer_identity())[:-1].encode() + b', "since": '

    def held(self) -> None:
        fd = self._open()
        if fd is not None:
            record = self._prefix + b"%.6f}" % time.time()
            with contextlib.suppress(OSError):
                os.pwrite(fd, record[: _RECORD_SIZE - 1].ljust(_RECORD_SIZE - 1) + b"\n", 0)

    def released(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.pwrite(self._fd, _BLANK, 0)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
                self._fd = None

    def _open(self) -> int | None:
        if self._fd is not None or self._disabled:
            return self._fd
        with self._lock:
            if self._fd is None and not self._disabled:
                try:
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                except OSError:  # a read-only folder: the write itself will fail and say so
                    self._disabled = True
        return self._fd


def describe_sqlite_holder(ledger_path: Path) -> str | None:
    """'alice, pid 123 on host h, writing since …', or None when no kit writer is recorded."""
    try:
        text = ledger_path.with_name(ledger_path.name + HOLDER_SUFFIX).read_text().strip()
        record = json.loads(text) if text else None
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or "pid" not in record:
        return None
    who = f"{record.get('user', '?')}, pid {record['pid']} on {record.get('host', '?')}"
    if record.get("host") == socket.gethostname() and not _alive(record["pid"]):
        return f"the last writer recorded ({who}) is no longer running: holder unknown"
    since = record.get("since")
    if isinstance(since, (int, float)):
        since = datetime.datetime.fromtimestamp(since, datetime.UTC).isoformat(timespec="seconds")
    return f"held by {who}, writing since {since or '?'}"


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# Sessions holding a lock on the chain head that are not themselves waiting for one: the writer.
_PG_HOLDER = sa.text(
    """
    SELECT a.pid, a.usename, a.application_name, a.client_addr, a.xact_start
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'relation' AND l.relation = to_regclass('jp_chain_head')
      AND l.granted AND l.mode IN ('RowShareLock', 'RowExclusiveLock')
      AND l.pid <> pg_backend_pid() AND a.wait_event_type IS DISTINCT FROM 'Lock'
    ORDER BY a.xact_start LIMIT 1
    """
)


def describe_postgres_holder(conn: Connection) -> str | None:
    row = conn.execute(_PG_HOLDER).first()
    if row is None:
        return None
    parts = [f"PostgreSQL session pid {row.pid}", f"user {row.usename}"]
    if row.application_name:
        parts.append(f"application '{row.application_name}'")
    if row.client_addr is not None:
        parts.append(f"from {row.client_addr}")
    since = row.xact_start.isoformat(timespec="seconds") if row.xact_start else "?"
    return f"held by {', '.join(parts)}, transaction open since {since}"
