"""REST handlers of remote data science requests (the Lab's "Data requests" sidebar).

Reading (lists, a request with its review) needs Jupyter's `read` on the resource
`jupyter_privacy`; approving or denying needs `write` (the default authorizer grants both to the
server's authenticated user; a deployment narrows it with its own authorizer). A decision made
here is recorded with the server's operating-system user as its actor, like the CLI's, and the
Lab user in its origin. Running a request stays with the CLI and Python API, on the owner's side.
"""

from __future__ import annotations

from typing import Any

from jupyter_core.utils import ensure_async
from tornado import web

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.server.base import PrivacyAPIHandler

RESOURCE = "jupyter_privacy"
MAX_REASON = 2000


async def _require(handler: PrivacyAPIHandler, action: str) -> None:
    """403 unless Jupyter's authorizer allows `action` ("read" / "write") on our resource."""
    user = handler.current_user
    allowed = bool(user) and await ensure_async(
        handler.authorizer.is_authorized(handler, user, action, RESOURCE)
    )
    if not allowed:
        raise web.HTTPError(403, f"you are not allowed to {action} privacy requests on this server")


class DatasetsHandler(PrivacyAPIHandler):
    """GET: every registered dataset's public description (no mock content)."""

    @web.authenticated
    async def get(self) -> None:
        await _require(self, "read")
        state = self.privacy
        if not state.ledger_exists():
            self.write_json({"datasets": []})
            return

        def read() -> list[dict[str, Any]]:
            from jupyter_privacy.core.requests.datasets import list_datasets

            return [d.to_dict() for d in list_datasets(state.ledger())]

        self.write_json({"datasets": await self.off_loop(read)})


class RequestsHandler(PrivacyAPIHandler):
    """GET `?status=pending`: requests without their code, newest first."""

    @web.authenticated
    async def get(self) -> None:
        await _require(self, "read")
        from jupyter_privacy.core.requests.records import load_requests
        from jupyter_privacy.core.requests.statuses import STATUSES

        status = self.get_argument("status", "") or None
        if status is not None and status not in STATUSES:
            raise InvalidParameterError(
                f"status must be one of {', '.join(STATUSES)}, got {status!r}", parameter="status"
            )
        state = self.privacy
        if not state.ledger_exists():
            self.write_json({"requests": [], "counts": {}})
            return
        records = await self.off_loop(lambda: load_requests(state.ledger()))
        counts: dict[str, int] = {}
        for record in records:
            counts[record.status] = counts.get(record.status, 0) + 1
        wanted = [r.summary() for r in reversed(records) if status is None or r.status == status]
        self.write_json({"requests": wanted, "counts": counts})


class RequestHandler(PrivacyAPIHandler):
    """GET: one request with the owner's review (code, previews, budget left, hints, checks)."""

    @web.authenticated
    async def get(self, request_id: str) -> None:
        await _require(self, "read")
        state = self.privacy

        def read() -> dict[str, Any]:
            from jupyter_privacy.core.requests.records import get_request
            from jupyter_privacy.core.requests.review import review_request

            ledger = state.ledger()
            return review_request(ledger, get_request(ledger, request_id)).to_dict()

        self.write_json(await self.off_loop(read))


async def _decide(handler: PrivacyAPIHandler, request_id: str, approve: bool) -> None:
    """POST `{"reason": "…"}` to `requests/<id>/approve` or `…/deny`."""
    await _require(handler, "write")
    body = handler.json_body()
    unknown = sorted(set(body) - {"reason"})
    if unknown:
        raise InvalidParameterError(f"unknown field(s) {', '.join(unknown)}; the body takes "
                                    "reason", parameter=unknown[0])  # fmt: skip
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise InvalidParameterError(f"reason must be text of at most {MAX_REASON} characters",
                                    parameter="reason")  # fmt: skip
    state = handler.privacy
    origin = f"jupyterlab:{getattr(handler.current_user, 'username', '') or 'user'}"

    def decide() -> dict[str, Any]:
        from jupyter_privacy.core.requests.workflow import approve_request, deny_request

        act = approve_request if approve else deny_request
        return act(state.ledger(), request_id, reason=reason, origin=origin).summary()

    handler.write_json({"request": await handler.off_loop(decide)})


class ApproveHandler(PrivacyAPIHandler):
    @web.authenticated
    async def post(self, request_id: str) -> None:
        await _decide(self, request_id, approve=True)


class DenyHandler(PrivacyAPIHandler):
    @web.authenticated
    async def post(self, request_id: str) -> None:
        await _decide(self, request_id, approve=False)
