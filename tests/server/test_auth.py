"""Every route of ours refuses a request without Jupyter's token (walks the live route table)."""

from __future__ import annotations

import re

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_privacy.server.base import PrivacyAPIHandler
from jupyter_privacy.server.routes import ROUTES


def our_routes(router) -> list[tuple[str, type]]:
    """Every (path pattern, handler) of ours, descending through tornado's nested routers."""
    found = []
    for rule in router.rules:
        target = rule.target
        if hasattr(target, "rules"):
            found.extend(our_routes(target))
        elif isinstance(target, type) and issubclass(target, PrivacyAPIHandler):
            found.append((rule.matcher.regex.pattern, target))
    return found


def concrete(pattern: str) -> str:
    """Fill the route's named groups with a sample value, giving a request path."""
    return re.sub(r"\(\?P<\w+>[^)]*\)", "sample", pattern).rstrip("$")


async def test_every_route_requires_a_token(jp_serverapp, http_server_client) -> None:
    routes = our_routes(jp_serverapp.web_app.default_router)
    assert len(routes) == len(ROUTES)  # the walk found the whole table
    for pattern, handler in routes:
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            if method.lower() not in vars(handler):
                continue
            body = "{}" if method in ("POST", "PUT", "PATCH") else None
            with pytest.raises(HTTPClientError) as caught:
                await http_server_client.fetch(concrete(pattern), method=method, body=body)
            assert caught.value.code == 403, (method, pattern)


async def test_the_same_request_with_the_token_gets_through(jp_fetch) -> None:
    response = await jp_fetch("jupyter-privacy", "api", "budgets")
    assert response.code == 200
