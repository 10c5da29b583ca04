"""Who may change budgets from the Lab. Jupyter's authorizer decides, on the resource
`jupyter_privacy`: reading needs `read`, creating or raising a budget needs `write`.

The default authorizer lets every authenticated user do both (the server's token or password is
the gate); a deployment restricts it with its own `ServerApp.authorizer_class`. Per-budget
access control (owners raise, core/ledger/access.py) is checked by the ledger itself, so a raise by
someone who is not an owner answers 403 `access_denied` from there.
"""

from __future__ import annotations

from typing import Any

from jupyter_core.utils import ensure_async
from tornado import web

RESOURCE = "jupyter_privacy"
#: What the frontend may offer, and the authorizer action each needs.
ACTIONS = {"create_budget": "write", "raise_budget": "write"}
REFUSED = {
    "create_budget": "you are not allowed to create budgets on this server; ask its administrator",
    "raise_budget": "you are not allowed to raise budgets on this server; ask its administrator",
}


async def allowed(handler: Any, what: str) -> bool:
    user = handler.current_user
    if not user:
        return False
    decision = handler.authorizer.is_authorized(handler, user, ACTIONS[what], RESOURCE)
    return bool(await ensure_async(decision))


async def permissions(handler: Any) -> dict[str, bool]:
    """`{"create_budget": bool, "raise_budget": bool}` for the current user (the sidebar shows
    only the actions allowed)."""
    return {what: await allowed(handler, what) for what in ACTIONS}


async def require(handler: Any, what: str) -> None:
    """403 with a sentence the sidebar shows, before anything is read or written."""
    if not await allowed(handler, what):
        raise web.HTTPError(403, REFUSED[what])
