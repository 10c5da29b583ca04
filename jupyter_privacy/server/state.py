"""Server-wide settings and the one shared ledger connection the handlers read."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from traitlets import Unicode
from traitlets.config import LoggingConfigurable

from jupyter_privacy.core.config import resolve_ledger_url
from jupyter_privacy.core.ledger import Ledger, open_ledger
from jupyter_privacy.core.ledger.storage import mask_url, sqlite_path

T = TypeVar("T")
CACHE_SIZE = 8

CREATE_HINT = (
    "No privacy budget yet. Create one in a notebook: %load_ext jupyter_privacy, then "
    '%dp_budget create pilot --epsilon 1.0 --unit "one person"; or in a terminal: '
    'jupyter privacy budget create pilot --epsilon 1.0 --unit "one person"'
)


class PrivacyServer(LoggingConfigurable):
    """Reads the ledger the kernels write: the URL is resolved from the server's root folder."""

    ledger_url = Unicode(
        "",
        help="SQLAlchemy URL of the ledger; empty means resolve it like the kernels do "
        "(JUPYTER_PRIVACY_LEDGER, then [tool.jupyter_privacy] ledger, then .privacy/ledger.db).",
    ).tag(config=True)
    templates_dir = Unicode(
        "",
        help="Folder of pilot template notebooks; empty means the ones shipped in the package.",
    ).tag(config=True)
    root_dir = Unicode("", help="The Jupyter server's root folder (set at load time).")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._ledger: Ledger | None = None
        self._identity: tuple[str, int | None] | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        #: The newest full integrity check: (ledger identity, report, time.monotonic(), ISO time).
        self.last_verify: tuple[Any, dict[str, Any], float, str] | None = None
        self.verify_running: Any = None  # the asyncio future of the check in progress
        self.activities: dict[Hashable, Any] = {}  # the newest dashboard summary of each scope

    @property
    def url(self) -> str:
        return resolve_ledger_url(self.ledger_url or None, start=self.root_dir or None)

    @property
    def display_url(self) -> str:
        return mask_url(self.url)

    @property
    def root(self) -> Path:
        return Path(self.root_dir).resolve()

    def ledger_exists(self) -> bool:
        """False for a SQLite file nobody has created yet: the viewer must not create it."""
        path = sqlite_path(self.url)
        return path is None or path.is_file()

    def ledger(self) -> Ledger:
        """The shared connection, reopened when the URL changes or the SQLite file was replaced."""
        url = self.url
        path = sqlite_path(url)
        identity = (url, path.stat().st_ino if path is not None and path.exists() else None)
        with self._lock:
            if self._ledger is None or self._identity != identity:
                if self._ledger is not None:
                    self._ledger.close()
                    self._ledger = None
                self._ledger = open_ledger(url)
                self._identity = identity
            return self._ledger

    @property
    def identity(self) -> tuple[str, int | None] | None:
        """Which ledger `ledger()` last opened (URL and SQLite file inode): part of cache keys."""
        return self._identity

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per key (a few keys kept): for answers keyed by the chain head, which
        any append changes."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return value
