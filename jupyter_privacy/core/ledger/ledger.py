"""The privacy-budget ledger: budgets, atomic check-and-spend with replay, and a hash-chained log.

The class is assembled from parts that each keep one concern (base.py has what they share):
budgets.py (create, raise, read), spending.py (spend, replay, history), audit.py (events),
integrity.py (verify, anchor, export, copy, upgrade), dashboards.py (summaries and release pages
for dashboards).
"""

from __future__ import annotations

from jupyter_privacy.core.config import resolve_ledger_url, resolve_lock_timeout
from jupyter_privacy.core.ledger.audit import AuditMixin
from jupyter_privacy.core.ledger.budgets import BudgetsMixin
from jupyter_privacy.core.ledger.dashboards import DashboardsMixin
from jupyter_privacy.core.ledger.integrity import IntegrityMixin
from jupyter_privacy.core.ledger.spending import SpendingMixin
from jupyter_privacy.core.ledger.storage import (
    create_ledger_engine,
    is_sqlite,
    sqlite_path,
    translated_errors,
)


class Ledger(BudgetsMixin, SpendingMixin, AuditMixin, IntegrityMixin, DashboardsMixin):
    """Open with `jupyter_privacy.open_ledger()`; safe to share between threads of one process."""

    def __enter__(self) -> Ledger:
        return self


def open_ledger(
    url: str | None = None, *, lock_timeout: float | None = None, read_only: bool = False
) -> Ledger:
    """Open the ledger at `url`, or the project's configured/default ledger.

    A writer waits up to `lock_timeout` seconds for another writer's lock (default: the
    JUPYTER_PRIVACY_LOCK_TIMEOUT environment variable, else 60). `read_only=True` is for commands
    that only read: it never creates a file, a table or an index, refuses a database that is not a
    ledger, answers as an empty ledger where nothing is stored yet, and reads a ledger kept in a
    read-only file or folder.
    """
    resolved = resolve_ledger_url(url)
    timeout = resolve_lock_timeout(lock_timeout)
    engine = None
    if not read_only or not is_sqlite(resolved) or _sqlite_file_exists(resolved):
        with translated_errors(resolved):
            engine = create_ledger_engine(resolved, timeout, read_only=read_only)
    return Ledger(resolved, engine, read_only=read_only, lock_timeout=timeout)


def _sqlite_file_exists(url: str) -> bool:
    try:
        path = sqlite_path(url)
    except Exception:  # an unparseable URL: let create_ledger_engine say so
        return True
    return path is not None and path.is_file()


__all__ = ["Ledger", "open_ledger"]
