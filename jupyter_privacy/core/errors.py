"""One exception root for the kit, so callers (magics, CLI, REST) can map every user error in one place.

Messages say what to change; structured fields let interfaces render them without parsing text.
"""

from __future__ import annotations

from typing import Any


class PrivacyError(Exception):
    """Root of every error the kit raises on purpose."""

    #: Short machine-readable code used by the CLI's --json output and the REST API.
    code = "privacy_error"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.fields}


class InvalidParameterError(PrivacyError, ValueError):
    """A value the user passed is out of range or of the wrong type."""

    code = "invalid_parameter"


class UnknownBudgetError(PrivacyError, LookupError):
    """The named budget does not exist in this ledger."""

    code = "unknown_budget"


class DuplicateBudgetError(PrivacyError):
    """A budget with that name already exists."""

    code = "duplicate_budget"


class BudgetExceededError(PrivacyError):
    """A spend asked for more than the budget has left; nothing was spent."""

    code = "budget_exceeded"


class UnsupportedQueryError(PrivacyError):
    """A query (SQL or operation) outside the supported DP subset."""

    code = "unsupported_query"


class AccessDeniedError(PrivacyError):
    """The caller may not do this to the budget (not an owner or spender, or a high-risk spend
    without an approval); nothing was spent and the refusal was logged when the ledger allowed it."""

    code = "access_denied"


class MissingExtraError(PrivacyError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    code = "missing_extra"


class LedgerError(PrivacyError):
    """The ledger cannot be used as asked (storage-level problems)."""

    code = "ledger_error"


class LedgerIntegrityError(LedgerError):
    """The ledger's hash chain or totals do not check out: someone edited it."""

    code = "ledger_integrity"


class LedgerUnavailableError(LedgerError):
    """The ledger database cannot be reached or opened."""

    code = "ledger_unavailable"


class LedgerCorruptError(LedgerError):
    """The ledger file exists but is not a readable ledger database."""

    code = "ledger_corrupt"


class LedgerSchemaError(LedgerError):
    """The ledger was written by a newer version of the kit (or is not a ledger)."""

    code = "ledger_schema"


class LedgerLockedError(LedgerError):
    """Another process held the ledger's write lock for longer than the timeout."""

    code = "ledger_locked"


class LedgerReadOnlyError(LedgerError):
    """The ledger database cannot be written (file permissions or a read-only server)."""

    code = "ledger_read_only"


class DatabaseAccessDeniedError(LedgerError, AccessDeniedError):
    """The database itself refused the write (PostgreSQL row-level security or table privileges)."""

    code = "access_denied"


def require_extra(module: str, extra: str) -> Any:
    """Import an optional module lazily, or raise an error naming the extra that provides it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f'{module} is not installed; install it with: pip install "jupyter-privacy[{extra}]"',
            module=module,
            extra=extra,
        ) from exc
