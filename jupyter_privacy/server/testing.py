"""Test helpers: template notebooks, and a real `jupyter lab` driven by Debian Chromium (playwright).

Shared by tests/server, tests/ui and benchmarks/labextension.py. Never downloads a browser.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_server.auth.authorizer import AllowAllAuthorizer

from jupyter_privacy.core.config import LEDGER_ENV
from jupyter_privacy.server.permissions import RESOURCE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = Path.cwd() / "build" / "screenshots"
PANEL_TAB = 'li[data-id="jupyter-privacy-budgets"]'


def write_template(folder: Path, name: str, parameters: str, title: str = "Pilot") -> Path:
    """A minimal template notebook: a heading, a `parameters` cell, one more code cell."""
    folder.mkdir(parents=True, exist_ok=True)
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "cells": [
            {"cell_type": "markdown", "id": "intro", "metadata": {},
             "source": [f"# {title}\n", "\n", "Runs one step of the pilot.\n"]},
            {"cell_type": "code", "id": "params", "metadata": {"tags": ["parameters"]},
             "source": parameters, "outputs": [], "execution_count": None},
            {"cell_type": "code", "id": "body", "metadata": {}, "source": "print(epsilon)",
             "outputs": [], "execution_count": None},
        ],
    }  # fmt: skip
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


class ViewerAuthorizer(AllowAllAuthorizer):  # type: ignore[misc]
    """For tests (`--ServerApp.authorizer_class=jupyter_privacy.server.testing.ViewerAuthorizer`):
    everything allowed except writing to our resource, i.e. a viewer who may read budgets but not
    create or raise them."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return not (resource == RESOURCE and action == "write")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LabServer:
    root: Path
    ledger_url: str
    port: int
    token: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lab_url(self, path: str = "lab?reset") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path}{sep}token={self.token}"

    def api(self, path: str, method: str = "GET", body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base}/{path}", data=data, method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_lab(
    root: Path, ledger_url: str, templates_dir: Path | None = None, extra_args: tuple[str, ...] = ()
) -> LabServer:
    """`jupyter lab` serving `root`; kernels inherit the ledger URL through the environment.
    `extra_args` are more command-line options (e.g. another `--ServerApp.authorizer_class`)."""
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, LEDGER_ENV: ledger_url}
    args = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        f"--port={port}", "--ip=127.0.0.1", f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}", "--LabApp.news_url=None",
    ]  # fmt: skip
    if templates_dir is not None:
        args.append(f"--PrivacyServer.templates_dir={templates_dir}")
    args += list(extra_args)
    args += _isolated_lab_state(root.parent / f"lab-state-{port}")
    log_path = root.parent / f"jupyter-lab-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(args, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LabServer(root, ledger_url, port, token, process, log_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"jupyter lab exited; see {log_path}:\n{log_path.read_text()[-2000:]}"
            )
        try:
            server.api("jupyter-privacy/api/budgets")
            return server
        except urllib.error.HTTPError as error:
            server.stop()
            raise RuntimeError(
                f"jupyter lab answers {error.code} on /jupyter-privacy/api: the server extension "
                "is not enabled; run `make setup` (scripts/build-labextension.sh)"
            ) from error
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"jupyter lab did not start in 90 s; see {log_path}")


def _isolated_lab_state(folder: Path) -> list[str]:
    """Settings and workspaces in a temporary folder; no "fetch Jupyter news?" toast in the way."""
    notification = folder / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    return [
        f"--LabApp.user_settings_dir={folder / 'settings'}",
        f"--LabApp.workspaces_dir={folder / 'workspaces'}",
    ]


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_lab(browser: Any, server: LabServer) -> Any:
    """A fresh page on /lab?reset, waiting until our sidebar tab exists and the Lab has loaded its
    settings (the theme is applied then, and keyboard shortcuts such as the palette's work)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(server.lab_url(), wait_until="domcontentloaded")
    page.wait_for_selector(PANEL_TAB, timeout=60_000)
    page.wait_for_function("document.body.dataset.jpThemeLight !== undefined", timeout=60_000)
    page.wait_for_selector(".jp-LauncherCard", timeout=60_000)
    return page


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
