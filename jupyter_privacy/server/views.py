"""Turn ledger records into the JSON the frontend reads; no tornado here, so it is easy to test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyter_privacy.core.ledger import Budget, Ledger, Release
from jupyter_privacy.core.ledger.provenance import notebook_of


def budget_json(budget: Budget) -> dict[str, Any]:
    return budget.to_dict()


def release_json(release: Release, root: Path) -> dict[str, Any]:
    """The fields the panel lists; the released value stays in the ledger (CLI / Python API)."""
    return {
        "id": release.id,
        "budget": release.budget,
        "created_at": release.created_at,
        "epsilon": release.epsilon,
        "delta": release.delta,
        "rho": release.rho,
        "mechanism": release.mechanism,
        "description": release.description,
        "actor": release.actor,
        "origin": release.origin,
        "notebook": notebook_of(release.origin, root),
    }


def spellings(notebook: str, roots: tuple[Path, ...]) -> list[str]:
    """How kernels may have recorded the notebook at `notebook` (a path from the server root):
    as given, and absolute under each spelling of the root (as configured, symlinks resolved)."""
    relative = Path(notebook).as_posix().lstrip("/")
    found = [relative, *((root / relative).as_posix() for root in roots)]
    return list(dict.fromkeys(found))


def active_budget(ledger: Ledger, notebook: str | None, *roots: Path) -> dict[str, Any]:
    """The budget the notebook last spent from, or none: never another notebook's budget.

    `roots` are the server root's spellings (resolved, and as configured when that differs).
    """
    if not notebook or not notebook.strip("/"):
        return {"budget": None, "source": None}
    release = ledger.last_release_from_notebook(*spellings(notebook, roots))
    if release is None:
        return {"budget": None, "source": None}
    return {"budget": budget_json(ledger.budget(release.budget)), "source": "notebook"}
