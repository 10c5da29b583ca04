"""Who holds the ledger's write lock, so a writer that gives up can say whom it waited for.

SQLite: the writer of a WAL database holds a POSIX lock on byte 120 of the `-shm` file (SQLite's
WAL write lock) for its whole write transaction; a waiter that times out asks the kernel who holds
it (`fcntl(F_GETLK)`), then reads that process's user and program name from /proc. Nothing is
written on the spend path, and it names writers outside the kit too (the sqlite3 shell). A lock
held by another thread of the waiting process itself is invisible this way ("holder unknown").
Linux only; elsewhere the holder is "unknown".

PostgreSQL: every connection names itself (`application_name`), and the waiter looks up the session
holding the chain head's row lock in `pg_locks` / `pg_stat_activity`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.ledger.provenance import current_actor

#: SQLite's WAL write lock: byte 120 of the -shm file (UNIX_SHM_BASE + WAL_WRITE_LOCK).
_WAL_WRITE_LOCK = 120
#: Without WAL (a ledger whose journal mode could not be changed): the RESERVED byte of the file.
_RESERVED_BYTE = 0x40000001
_FLOCK = "hh4xqqi4x"  # struct flock on Linux x86-64 / aarch64


def application_name() -> str:
    """How a kit connection names itself to PostgreSQL (at most 63 bytes are kept)."""
    who = f"pid {os.getpid()} on {socket.gethostname()} ({current_actor()})"
    return f"jupyter-privacy {who}"[:63]


def describe_sqlite_holder(ledger_path: Path) -> str | None:
    """'held by pid 123 (python3, user alice) on host h', or None when it cannot be told."""
    pid = _lock_owner(ledger_path.with_name(ledger_path.name + "-shm"), _WAL_WRITE_LOCK)
    if pid is None:
        pid = _lock_owner(ledger_path, _RESERVED_BYTE)
    if pid is None:
        return None
    program, user = _process(pid)
    return f"held by pid {pid} ({program}, user {user}) on {socket.gethostname()}"


def _lock_owner(path: Path, offset: int) -> int | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import fcntl

        fd = os.open(path, os.O_RDONLY)
    except (ImportError, OSError):
        return None
    try:
        query = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, offset, 1, 0)
        kind, _, _, _, pid = struct.unpack(_FLOCK, fcntl.fcntl(fd, fcntl.F_GETLK, query))
    except OSError:
        return None
    finally:
        os.close(fd)
    return pid if kind != fcntl.F_UNLCK and pid > 0 else None


def _process(pid: int) -> tuple[str, str]:
    """The program name and user of a local process ('?' for what cannot be read)."""
    program, user = "?", "?"
    with contextlib.suppress(OSError):
        program = Path(f"/proc/{pid}/comm").read_text().strip() or "?"
    with contextlib.suppress(OSError, KeyError, ValueError, IndexError):
        import pwd

        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                user = pwd.getpwuid(int(line.split()[1])).pw_name
    return program, user


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
