"""Who spent and from where: the OS user, and the notebook (path and cell id) or script.

Core cannot import IPython, so the Jupyter layers tell it the notebook cell through `origin_scope`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import getpass
import os
import sys
from collections.abc import Iterator
from pathlib import Path

_ORIGIN: contextvars.ContextVar[str | None] = contextvars.ContextVar("jp_origin", default=None)


@functools.cache
def current_actor() -> str:
    """The OS user (looked up once per process: a spend should not pay for a passwd lookup)."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers): fall back to the uid
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def current_origin() -> str:
    """`notebook:<path>[#cell=<id>]` inside a Jupyter kernel, else `script:<argv0>`."""
    explicit = _ORIGIN.get()
    if explicit:
        return explicit
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        return f"notebook:{session}"
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else "python"
    return f"script:{os.path.basename(argv0)}"


@contextlib.contextmanager
def origin_scope(origin: str) -> Iterator[None]:
    """Attribute spends made inside the block to `origin` (e.g. a notebook cell)."""
    token = _ORIGIN.set(origin)
    try:
        yield
    finally:
        _ORIGIN.reset(token)


NOTEBOOK_ORIGIN = "notebook:"


def notebook_of(origin: str, root: Path) -> str | None:
    """`notebook:/root/a/b.ipynb#cell=3` → `a/b.ipynb` (relative to `root` when inside it, else as
    recorded); None for an origin that is not a notebook (a script, the CLI)."""
    if not origin.startswith(NOTEBOOK_ORIGIN):
        return None
    path = origin[len(NOTEBOOK_ORIGIN) :].split("#", 1)[0]
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return candidate.as_posix()
    return candidate.as_posix()


def origin_label(origin: str, root: Path) -> str:
    """How dashboards name where a release came from: its notebook's path, else the origin."""
    return notebook_of(origin, root) or origin
