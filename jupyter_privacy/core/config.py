"""Project settings: where the ledger lives and the defaults for magics, found the way git finds its root.

Precedence (highest first): explicit argument, environment variable, `[tool.jupyter_privacy]` in the
project's pyproject.toml, built-in default.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError

LEDGER_ENV = "JUPYTER_PRIVACY_LEDGER"
ROOT_MARKERS = ("pyproject.toml", ".git", ".privacy")
DEFAULT_LEDGER_RELATIVE = Path(".privacy") / "ledger.db"


def find_project_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The nearest folder at or above `start` holding pyproject.toml, .git or .privacy; else `start`."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return here


@dataclass(frozen=True)
class ProjectSettings:
    """What `[tool.jupyter_privacy]` says, with the project root it was read from."""

    root: Path
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def load_settings(start: str | os.PathLike[str] | None = None) -> ProjectSettings:
    root = find_project_root(start)
    pyproject = root / "pyproject.toml"
    values: dict[str, Any] = {}
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidParameterError(
                f"{pyproject} is not valid TOML ({exc}); fix it or remove [tool.jupyter_privacy]"
            ) from exc
        section = data.get("tool", {}).get("jupyter_privacy", {})
        if not isinstance(section, dict):
            raise InvalidParameterError(f"[tool.jupyter_privacy] in {pyproject} must be a table")
        values = dict(section)
    return ProjectSettings(root=root, values=values)


def resolve_ledger_url(url: str | None = None, start: str | os.PathLike[str] | None = None) -> str:
    """The SQLAlchemy URL of the ledger to open (see the module docstring for precedence)."""
    if url:
        return url
    env = os.environ.get(LEDGER_ENV, "").strip()
    if env:
        return env
    settings = load_settings(start)
    configured = settings.get("ledger")
    if configured:
        return _anchor_sqlite_url(str(configured), settings.root)
    return "sqlite:///" + str(settings.root / DEFAULT_LEDGER_RELATIVE)


def _anchor_sqlite_url(url: str, root: Path) -> str:
    """A relative SQLite path in pyproject.toml means relative to the project root, not the cwd."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        rest = url[len(prefix) :]
        if rest and rest != ":memory:":
            return prefix + str(root / rest)
    return url


LOCK_TIMEOUT_ENV = "JUPYTER_PRIVACY_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT_S = 60.0
MAX_LOCK_TIMEOUT_S = 7 * 24 * 3600.0


def resolve_lock_timeout(seconds: float | str | None = None) -> float:
    """How long a writer waits for the ledger's lock: the argument, else the environment variable,
    else 60 s. A clear error for anything but a finite number of seconds ≥ 0."""
    name = "lock_timeout"
    if seconds is None:
        env = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
        if not env:
            return DEFAULT_LOCK_TIMEOUT_S
        seconds, name = env, LOCK_TIMEOUT_ENV
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(seconds, bool) or not 0 <= value <= MAX_LOCK_TIMEOUT_S:
        raise InvalidParameterError(
            f"{name} must be a number of seconds between 0 and {MAX_LOCK_TIMEOUT_S:.0f} "
            f"(e.g. 5), got {seconds!r}",
            parameter=name,
        )
    return value
