"""Check every recorded DP-SGD training's stored files against the digests in its release.

For an auditor: `ledger.verify()` proves the releases (and the digests in their details) were not
edited; this proves the weights and histories beside the ledger are the ones those releases
describe. Reads files and the ledger only: spends nothing and needs no TensorFlow.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from jupyter_privacy.core.ledger import Ledger, Release
from jupyter_privacy.core.training.replay import (
    HISTORY_DIGEST,
    WEIGHTS_DIGEST,
    file_sha256,
    history_path,
    model_store_dir,
    weights_path,
)

OK = "ok"
MISSING = "missing"
MODIFIED = "modified"
#: Releases whose model is stored beside the ledger: DP-SGD and DP federated trainings.
TRAINED_MODEL_KINDS = ("dp-sgd", "federated")
#: Recorded before digests were kept: the file is there but nothing can be compared.
UNVERIFIED = "unverified"
#: A later `fresh=True` training with the same settings replaced this release's files.
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class StoredModelCheck:
    """One recorded training: the state of its weights file (carries the privacy claim) and of its
    per-epoch history (display only)."""

    release_id: int
    budget: str
    replay_key: str
    weights: str
    history: str
    weights_path: str
    history_path: str

    @property
    def ok(self) -> bool:
        """False when a replay would refuse the weights, or the history was changed."""
        return self.weights not in (MISSING, MODIFIED) and self.history != MODIFIED


@dataclass(frozen=True)
class StoredModelsReport:
    store: str
    checks: tuple[StoredModelCheck, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> list[StoredModelCheck]:
        return [check for check in self.checks if not check.ok]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "store": self.store,
            "checked": len(self.checks),
            "problem_release_ids": [check.release_id for check in self.problems],
            "releases": [{**asdict(check), "ok": check.ok} for check in self.checks],
        }


def verify_stored_models(
    ledger: Ledger, model_store: str | os.PathLike[str] | None = None
) -> StoredModelsReport:
    """Every trained-model release (DP-SGD, federated) of every budget, oldest first, with its
    files' state: ok, missing, modified, unverified (no digest recorded) or superseded (a later
    release owns the files)."""
    store = model_store_dir(model_store, ledger.url)
    trainings = [
        release
        for budget in ledger.budgets()
        for release in ledger.history(budget.name)
        if release.details.get("kind") in TRAINED_MODEL_KINDS and release.replay_key
    ]
    newest = {release.replay_key: release.id for release in trainings}  # history is oldest first
    checks = [_check(release, store, newest[release.replay_key]) for release in trainings]
    return StoredModelsReport(str(store), tuple(sorted(checks, key=lambda c: c.release_id)))


def _check(release: Release, store: Path, owner_id: int) -> StoredModelCheck:
    key = str(release.replay_key)
    weights, history = weights_path(store, key), history_path(store, key)
    superseded = release.id != owner_id
    return StoredModelCheck(
        release_id=release.id,
        budget=release.budget,
        replay_key=key,
        weights=SUPERSEDED if superseded else _state(weights, release.details.get(WEIGHTS_DIGEST)),
        history=SUPERSEDED if superseded else _state(history, release.details.get(HISTORY_DIGEST)),
        weights_path=str(weights),
        history_path=str(history),
    )


def _state(path: Path, expected: str | None) -> str:
    if not path.is_file():
        return MISSING
    if expected is None:
        return UNVERIFIED
    return OK if file_sha256(path) == expected else MODIFIED
