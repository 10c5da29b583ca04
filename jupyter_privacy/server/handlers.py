"""REST handlers: thin adapters from HTTP to the ledger and the template folder (see routes.py)."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from jupyter_core.utils import ensure_async
from tornado import web

from jupyter_privacy.core import templates
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.validation import check_positive_int
from jupyter_privacy.server.base import PrivacyAPIHandler
from jupyter_privacy.server.state import CREATE_HINT
from jupyter_privacy.server.views import active_budget, budget_json, release_json

DEFAULT_PAGE = 50
MAX_PAGE = 1000
MAX_OFFSET = 10**9  # more releases than any ledger holds; larger values are refused, not run
EMPTY_REPORT = {
    "ok": True,
    "entries_checked": 0,
    "budgets_checked": 0,
    "tampered_entry_ids": [],
    "problems": [],
}


class BudgetsHandler(PrivacyAPIHandler):
    @web.authenticated
    async def get(self) -> None:
        state = self.privacy
        ledger_info = {"url": state.display_url, "exists": state.ledger_exists()}
        if not ledger_info["exists"]:
            self.write_json({"ledger": ledger_info, "budgets": [], "hint": CREATE_HINT})
            return
        budgets = await self.off_loop(lambda: state.ledger().budgets())
        hint = None if budgets else CREATE_HINT
        self.write_json(
            {"ledger": ledger_info, "budgets": [budget_json(b) for b in budgets], "hint": hint}
        )


class BudgetHandler(PrivacyAPIHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        offset, limit = self._paging()
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

    def _paging(self) -> tuple[int, int]:
        """`offset` ≥ 0 and 1 ≤ `limit` ≤ MAX_PAGE; newest releases first."""
        raw_offset = self.get_argument("offset", "0").strip()
        if not re.fullmatch(r"[0-9]{1,10}", raw_offset) or int(raw_offset) > MAX_OFFSET:
            raise InvalidParameterError(
                f"offset must be a whole number from 0 to {MAX_OFFSET}, got {raw_offset[:20]!r}",
                parameter="offset",
            )
        limit = check_positive_int(self.get_argument("limit", str(DEFAULT_PAGE)), "limit")
        if limit > MAX_PAGE:
            raise InvalidParameterError(
                f"limit must be at most {MAX_PAGE}, got {limit}; page with offset",
                parameter="limit",
            )
        return int(raw_offset), limit


class VerifyHandler(PrivacyAPIHandler):
    @web.authenticated
    async def get(self) -> None:
        state = self.privacy
        if not state.ledger_exists():
            self.write_json({**EMPTY_REPORT, "ledger_exists": False})
            return
        report = await self.off_loop(lambda: state.ledger().verify())
        self.write_json({**report.to_dict(), "ledger_exists": True})


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
        self.write_json({**result, "hint": None if result["budget"] else CREATE_HINT})


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
