"""The one base handler: JSON in and out, ledger access off the event loop, one error mapper."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from tornado.ioloop import IOLoop

from jupyter_privacy.core.errors import (
    AccessDeniedError,
    BudgetExceededError,
    DuplicateBudgetError,
    InvalidParameterError,
    LedgerError,
    LedgerIntegrityError,
    LedgerLockedError,
    LedgerUnavailableError,
    MissingExtraError,
    PrivacyError,
)
from jupyter_privacy.core.requests.errors import RequestStateError
from jupyter_privacy.server.state import PrivacyServer

T = TypeVar("T")

#: Our routes take small JSON objects; anything larger is refused before it is parsed.
MAX_BODY_BYTES = 64 * 1024


class RequestTooLargeError(InvalidParameterError):
    code = "request_too_large"


# Most specific first: the first class the error is an instance of decides the status.
STATUS_BY_ERROR: tuple[tuple[type[BaseException], int], ...] = (
    (RequestTooLargeError, 413),
    (InvalidParameterError, 400),
    (AccessDeniedError, 403),  # not an owner or spender; high-risk spend without an approval
    (LookupError, 404),  # UnknownBudgetError, UnknownTemplateError
    (DuplicateBudgetError, 409),
    (BudgetExceededError, 409),
    (RequestStateError, 409),  # e.g. approving a request that is not pending
    (LedgerUnavailableError, 503),
    (LedgerLockedError, 503),
    (LedgerIntegrityError, 409),  # tampered or malformed values: the ledger, not the request
    (LedgerError, 500),  # corrupt, newer schema, read-only
    (MissingExtraError, 501),
    (PrivacyError, 400),
)


def status_for(error: BaseException) -> int:
    return next((status for cls, status in STATUS_BY_ERROR if isinstance(error, cls)), 500)


class PrivacyAPIHandler(APIHandler):
    """Every route of ours derives from this; subclasses decorate each verb with @authenticated."""

    @property
    def privacy(self) -> PrivacyServer:
        return self.settings["jupyter_privacy"]  # type: ignore[no-any-return]

    async def off_loop(self, func: Callable[..., T], *args: Any) -> T:
        """Run a ledger call in a worker thread so a slow database never blocks the server."""
        return await IOLoop.current().run_in_executor(None, func, *args)

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=str))

    def json_body(self) -> dict[str, Any]:
        if not self.request.body:
            return {}
        if len(self.request.body) > MAX_BODY_BYTES:
            raise RequestTooLargeError(
                f"the request body has {len(self.request.body)} bytes; at most {MAX_BODY_BYTES}"
            )
        try:
            body = json.loads(self.request.body)
        except RecursionError:
            raise InvalidParameterError("the request body is nested too deeply") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidParameterError(f"the request body is not JSON ({exc})") from exc
        if not isinstance(body, dict):
            raise InvalidParameterError("the request body must be a JSON object")
        return body

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A PrivacyError gets its mapped status and body `{"error", "message", ...}`."""
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if not isinstance(error, PrivacyError):
            super().write_error(status_code, **kwargs)
            return
        self.set_status(status_for(error))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(error.to_dict(), default=str))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, PrivacyError):  # a user-facing error, not a server bug
            self.log.warning("%s %s: %s", self.request.method, self.request.path, value.message)
            return
        super().log_exception(typ, value, tb)
