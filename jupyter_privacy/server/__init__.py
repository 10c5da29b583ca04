"""Jupyter server extension: the authenticated REST API the Lab sidebar and status bar read.

Enabled by etc/jupyter/jupyter_server_config.d/jupyter_privacy.json (shipped in the wheel), which
names this module. Configure with `--PrivacyServer.templates_dir=...` or `c.PrivacyServer.*`.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_privacy.core.config import LEDGER_ENV
from jupyter_privacy.server.routes import setup_routes
from jupyter_privacy.server.state import PrivacyServer


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "jupyter_privacy.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    state = PrivacyServer(parent=serverapp, root_dir=serverapp.root_dir)
    serverapp.web_app.settings["jupyter_privacy"] = state
    setup_routes(serverapp.web_app)
    if not os.environ.get(LEDGER_ENV):
        # Kernels started by this server inherit it: a notebook in a subfolder without a project
        # marker then spends from the ledger the sidebar shows, not from a .privacy/ of its own.
        os.environ[LEDGER_ENV] = state.url
    serverapp.log.info("jupyter_privacy: REST API at /jupyter-privacy/api/ (ledger %s)", state.url)
