"""REST handlers: thin adapters from HTTP to the ledger and the template folder (see routes.py)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from jupyter_core.utils import ensure_async
from tornado import web

from jupyter_privacy.core import templates
from jupyter_privacy.core.config import LEDGER_ENV
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.validation import check_positive_int
from jupyter_privacy.server import budget_actions, permissions
from jupyter_privacy.server.base import PrivacyAPIHandler
from jupyter_privacy.server.state import CREATE_HINT
from jupyter_privacy.server.views import active_budget, budget_json, release_json

DEFAULT_PAGE = 50
MAX_PAGE = 1000
MAX_OFFSET = 10**9  # more releases than any ledger holds; larger values are refused, not run
VERIFY_MAX_AGE_S = 30.0
VERIFY_IN_PROCESS_MAX = 20_000  # entries; longer chains are checked in a child process
EMPTY_REPORT = {
    "ok": True,
    "entries_checked": 0,
    "budgets_checked": 0,
    "tampered_entry_ids": [],
    "problems": [],
}


NO_NOTEBOOK_BUDGET = (
    "This notebook has not spent from a privacy budget yet; its first release shows its budget here"
)


class BudgetsHandler(PrivacyAPIHandler):
    @web.authenticated
    async def get(self) -> None:
        state = self.privacy
        ledger_info = {"url": state.display_url, "exists": state.ledger_exists()}
        allowed = await permissions.permissions(self)
        if not ledger_info["exists"]:
            self.write_json(
                {"ledger": ledger_info, "budgets": [], "hint": CREATE_HINT, "permissions": allowed}
            )
            return
        budgets = await self.off_loop(lambda: state.ledger().budgets())
        hint = None if budgets else CREATE_HINT
        self.write_json({
            "ledger": ledger_info, "budgets": [budget_json(b) for b in budgets], "hint": hint,
            "permissions": allowed,
        })  # fmt: skip

    @web.authenticated
    async def post(self) -> None:
        """Create a budget (body: see budget_actions.create_options); 201 with the budget."""
        await permissions.require(self, "create_budget")
        options = budget_actions.create_options(self.json_body())
        budget = await self.off_loop(lambda: self.privacy.ledger().create_budget(**options))
        self.write_json(budget_json(budget), 201)


class RaiseBudgetHandler(PrivacyAPIHandler):
    """POST `{"epsilon": new total, "delta": new total, "reason": "who approved it and why"}`."""

    @web.authenticated
    async def post(self, name: str) -> None:
        await permissions.require(self, "raise_budget")
        options = budget_actions.raise_options(self.json_body())
        budget = await self.off_loop(lambda: self.privacy.ledger().raise_budget(name, **options))
        self.write_json(budget_json(budget))


class BudgetHandler(PrivacyAPIHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        offset, limit = read_paging(self)
        state = self.privacy

        def read() -> dict[str, Any]:
            ledger = state.ledger()
            budget = ledger.budget(name)
            releases = ledger.history(name, limit=limit, offset=offset, newest_first=True)
            return {
                "budget": budget_json(budget),
                "releases": [release_json(r, state.root) for r in releases],
                "paging": {"offset": offset, "limit": limit, "total": budget.release_count},
            }

        self.write_json(await self.off_loop(read))


def read_paging(handler: PrivacyAPIHandler) -> tuple[int, int]:
    """`offset` ≥ 0 and 1 ≤ `limit` ≤ MAX_PAGE from the query string; newest releases first."""
    raw_offset = handler.get_argument("offset", "0").strip()
    if not re.fullmatch(r"[0-9]{1,10}", raw_offset) or int(raw_offset) > MAX_OFFSET:
        raise InvalidParameterError(
            f"offset must be a whole number from 0 to {MAX_OFFSET}, got {raw_offset[:20]!r}",
            parameter="offset",
        )
    limit = check_positive_int(handler.get_argument("limit", str(DEFAULT_PAGE)), "limit")
    if limit > MAX_PAGE:
        raise InvalidParameterError(
            f"limit must be at most {MAX_PAGE}, got {limit}; page with offset", parameter="limit"
        )
    return int(raw_offset), limit


class VerifyHandler(PrivacyAPIHandler):
    """GET `verify[?force=1]`: the ledger's integrity. A full check reads every entry (seconds for
    100,000), so views polling it get the newest check when it is younger than VERIFY_MAX_AGE_S
    (`checked_at` says when); `force=1` (the Refresh buttons) always checks now. One check runs at
    a time; requests arriving meanwhile share its result."""

    @web.authenticated
    async def get(self) -> None:
        state = self.privacy
        if not state.ledger_exists():
            self.write_json({**EMPTY_REPORT, "ledger_exists": False, "checked_at": None})
            return
        force = self.get_argument("force", "") in ("1", "true")
        await self.off_loop(state.ledger)  # refreshes state.identity (a replaced file is new)
        last = state.last_verify
        if (
            not force
            and last
            and last[0] == state.identity
            and (time.monotonic() - last[2] < VERIFY_MAX_AGE_S)
        ):
            self.write_json({**last[1], "ledger_exists": True, "checked_at": last[3]})
            return
        running = state.verify_running
        if running is None or running.done():
            running = state.verify_running = asyncio.ensure_future(self._check())
        report = await asyncio.shield(running)
        self.write_json({**report, "ledger_exists": True, "checked_at": state.last_verify[3]})  # type: ignore[index]

    async def _check(self) -> dict[str, Any]:
        state = self.privacy
        entries = (await self.off_loop(lambda: state.ledger().anchor())).entries
        report = await self._check_elsewhere() if entries > VERIFY_IN_PROCESS_MAX else None
        if report is None:
            report = (await self.off_loop(lambda: state.ledger().verify())).to_dict()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        state.last_verify = (state.identity, report, time.monotonic(), now)
        return report

    async def _check_elsewhere(self) -> dict[str, Any] | None:
        """`jupyter privacy ledger verify --json` in a child process: hashing a long chain holds
        the GIL for seconds, which would stall every other request of this server (kernels,
        files). The URL goes through the environment, never the command line. None when the
        child cannot answer (e.g. the ledger is unreadable): the caller checks in-process and
        gets the typed error."""
        env = {**os.environ, LEDGER_ENV: self.privacy.url}
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "jupyter_privacy.cli", "ledger", "verify", "--json", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        out, _ = await child.communicate()
        if child.returncode not in (0, 1):  # 1: tampering found, still a report
            return None
        try:
            report = json.loads(out)
        except ValueError:
            return None
        report.pop("ledger", None)
        return report if isinstance(report, dict) and "ok" in report else None


class StatusHandler(PrivacyAPIHandler):
    """What the status bar shows for the active notebook (`?notebook=<path from the root>`)."""

    @web.authenticated
    async def get(self) -> None:
        state = self.privacy
        notebook = self.get_argument("notebook", "") or None
        if not state.ledger_exists():
            self.write_json({"budget": None, "source": None, "hint": CREATE_HINT})
            return
        roots = (state.root, Path(state.root_dir))  # kernels record the root as given, unresolved
        result = await self.off_loop(lambda: active_budget(state.ledger(), notebook, *roots))
        hint = None if result["budget"] else NO_NOTEBOOK_BUDGET if notebook else None
        self.write_json({**result, "hint": hint})


class TemplatesHandler(PrivacyAPIHandler):
    @web.authenticated
    async def get(self) -> None:
        folder = self.privacy.templates_dir or None
        found = templates.list_templates(folder)
        self.write_json(
            {
                "folder": str(templates.templates_dir(folder)),
                "templates": [t.to_dict() for t in found],
            }
        )


class TemplateHandler(PrivacyAPIHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.write_json(templates.get_template(name, self.privacy.templates_dir or None).to_dict())


class TemplateCopyHandler(PrivacyAPIHandler):
    """POST `{"path": "<folder>"}`: copy the template there as a new notebook; never overwrites."""

    @web.authenticated
    async def post(self, name: str) -> None:
        source = templates.template_path(name, self.privacy.templates_dir or None)
        notebook = templates.read_notebook(source)
        folder = str(self.json_body().get("path", "") or "").strip("/")
        if ".." in PurePosixPath(folder).parts:
            raise InvalidParameterError(f"path {folder!r} must stay inside the server's folder")
        contents = self.contents_manager
        if folder and not await ensure_async(contents.dir_exists(folder)):
            raise InvalidParameterError(f"folder {folder!r} does not exist; pick an existing one")
        target = await self._free_name(folder, name)
        model = {"type": "notebook", "format": "json", "content": notebook}
        saved = await ensure_async(contents.save(model, target))
        self.write_json({"path": saved["path"], "name": saved["name"], "template": name}, 201)

    async def _free_name(self, folder: str, stem: str) -> str:
        for index in range(1000):
            filename = f"{stem}.ipynb" if index == 0 else f"{stem}-{index}.ipynb"
            path = f"{folder}/{filename}" if folder else filename
            if not await ensure_async(self.contents_manager.file_exists(path)):
                return path
        raise InvalidParameterError(f"too many copies of {stem} in {folder or 'the root'}")
