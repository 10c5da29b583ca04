"""The one route table of the REST API (documented in docs/rest-api.md)."""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from jupyter_privacy.server import dashboard as d
from jupyter_privacy.server import handlers as h
from jupyter_privacy.server import requests_handlers as rq
from jupyter_privacy.server.access import AccessHandler
from jupyter_privacy.server.base import PrivacyAPIHandler

API_PREFIX = "jupyter-privacy/api"
NAME = r"(?P<name>[^/]+)"
REQUEST = r"(?P<request_id>[^/]+)"

ROUTES: list[tuple[str, type[PrivacyAPIHandler]]] = [
    ("budgets", h.BudgetsHandler),
    (f"budgets/{NAME}", h.BudgetHandler),
    (f"budgets/{NAME}/raise", h.RaiseBudgetHandler),
    ("dashboard", d.DashboardHandler),
    ("releases", d.ReleasesHandler),
    ("verify", h.VerifyHandler),
    ("status", h.StatusHandler),
    ("templates", h.TemplatesHandler),
    (f"templates/{NAME}", h.TemplateHandler),
    (f"templates/{NAME}/copy", h.TemplateCopyHandler),
    ("datasets", rq.DatasetsHandler),
    ("requests", rq.RequestsHandler),
    (f"requests/{REQUEST}", rq.RequestHandler),
    (f"requests/{REQUEST}/approve", rq.ApproveHandler),
    (f"requests/{REQUEST}/deny", rq.DenyHandler),
    ("access", AccessHandler),
]


def setup_routes(web_app: Any) -> None:
    base = web_app.settings["base_url"]
    web_app.add_handlers(
        ".*$",
        [(url_path_join(base, API_PREFIX, pattern) + "$", handler) for pattern, handler in ROUTES],
    )
