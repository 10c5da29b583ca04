"""What stays on the data owner's machine: where each dataset's private files are, and the folders
approved code runs in (with its withheld output).

The ledger (shared by owners and scientists, possibly a team's PostgreSQL) never holds a private
path: a path can say more than it should (`/data/hiv-cohort/…`), and a scientist has no use for
it. The owner's store is a folder beside a SQLite ledger (`requests/`), else the project's
`.privacy/requests/`, or one given explicitly; everything in it is readable by the owner only.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from jupyter_privacy.core.config import find_project_root
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.requests.errors import UnknownDatasetError

DATASETS_FILE = "private-datasets.json"


def owner_store_dir(store: str | os.PathLike[str] | None, ledger_url: str) -> Path:
    """`store` if given; else `requests/` beside a SQLite ledger file; else `.privacy/requests`."""
    if store:
        return Path(store).expanduser().resolve()  # the run's process works in another folder
    from jupyter_privacy.core.ledger.storage import is_sqlite, sqlite_path

    if is_sqlite(ledger_url):
        path = sqlite_path(ledger_url)
        if path is not None:
            return path.parent / "requests"
    return find_project_root() / ".privacy" / "requests"


def private_folder(path: Path) -> Path:
    """Create `path` (and parents) readable by the owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


class OwnerStore:
    """The owner's side of the workflow: private paths by dataset, and run folders."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _read(self) -> dict[str, Any]:
        path = self.root / DATASETS_FILE
        if not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise InvalidParameterError(
                f"cannot read {path} ({error}); restore or remove it"
            ) from None
        return data if isinstance(data, dict) else {}

    def remember(self, dataset: str, private: Path, event_id: int) -> None:
        """Record where `dataset`'s private files are (atomically, mode 0600)."""
        private_folder(self.root)
        data = self._read()
        data[dataset] = {"private": str(private), "registered_event": event_id}
        fd, staged = tempfile.mkstemp(dir=self.root, prefix=".datasets-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
            os.chmod(staged, 0o600)
            os.replace(staged, self.root / DATASETS_FILE)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(staged)
            raise

    def private_path(self, dataset: str, event_id: int) -> Path:
        """The private files of `dataset` as registered by event `event_id` on this machine."""
        entry = self._read().get(dataset)
        if not isinstance(entry, dict) or "private" not in entry:
            raise UnknownDatasetError(
                f"this machine does not hold the private data of dataset '{dataset}' (owner store "
                f"{self.root}); run the request on the owner's machine, or register the dataset "
                "here with: jupyter privacy datasets register",
                dataset=dataset,
            )
        if entry.get("registered_event") != event_id:
            raise UnknownDatasetError(
                f"dataset '{dataset}' was registered again elsewhere (ledger entry {event_id}); "
                "register it on this machine too before running its requests",
                dataset=dataset,
            )
        return Path(entry["private"])

    def new_run_dir(self, request_id: int) -> Path:
        """A fresh folder (0700) for one run of request `request_id`."""
        runs = private_folder(self.root / "runs")
        path = runs / f"request-{request_id}-{secrets.token_hex(4)}"
        path.mkdir(mode=0o700)
        return path
