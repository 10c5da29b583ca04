"""IPython magics (`%load_ext jupyter_privacy`): thin layers over core.

Each module here defines `register(ipython)`; `load_ipython_extension` finds them by discovery, so a
new magic is a new module. User errors surface as one-line `UsageError`s (see `errors.py`).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def magic_modules() -> list[str]:
    return [
        f"{__name__}.{info.name}"
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
        if not info.name.startswith("_")
    ]


def load_ipython_extension(ipython: Any) -> None:
    for name in magic_modules():
        module = importlib.import_module(name)
        if hasattr(module, "register"):
            module.register(ipython)
