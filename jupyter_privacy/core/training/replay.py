"""Replay-safe training: re-running the same training (same budget, hyper-parameters, model
architecture and data) returns the stored model and its stored release, and spends nothing.

The trained weights are kept next to the ledger (`models/<key>.npz` beside a SQLite ledger, else
`<project>/.privacy/models/`, or `model_store`) because the ledger records values, not model files.
A replay whose weights file is gone is refused rather than silently retrained: retraining is a fresh
draw and spends again.

The per-epoch history (`models/<key>.history.json`) is kept beside the weights: ε so far and the
validation metrics (DP-released, or on data declared public), never the exact training loss or
accuracy (`EpochRecord.releasable`). A replay hands it back so charts show the same curve; a store
written before histories were kept replays without per-epoch records. Histories written before the
training metrics were left out do hold exact training figures: a replay drops them when it reads
the file (which stays as it is, so its recorded digest still matches; do not publish it).

Neither file is inside the ledger's hash chain, so the SHA-256 of each (of the exact bytes renamed
into place) is recorded in the release's details, which are. A replay recomputes the weights' digest
and refuses a file that no longer matches (someone could have swapped in non-private weights, and the
recorded (ε, δ) would then describe a model that is not the one handed out). A changed history only
loses its per-epoch records, with a warning: it is for display and carries no privacy claim.
Releases recorded before digests were kept have none to compare and replay as before.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import warnings
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from jupyter_privacy.core.config import find_project_root
from jupyter_privacy.core.errors import InvalidParameterError, LedgerIntegrityError
from jupyter_privacy.core.ledger import Ledger, Release
from jupyter_privacy.core.training.progress import EpochRecord

#: Keys of the release details that hold the stored files' SHA-256 (hex), inside the hash chain.
WEIGHTS_DIGEST = "weights_sha256"
HISTORY_DIGEST = "history_sha256"
#: Replay keys over keyed data fingerprints; `dpsgd:` keys (unkeyed fingerprints) never replay again.
TRAINING_KEY_PREFIX = "dpsgd2:"


class StoredModelModifiedError(LedgerIntegrityError):
    """A stored weights file no longer matches the digest recorded with its release."""

    code = "stored_model_modified"


def training_replay_key(budget: str, *, architecture: str, settings: dict[str, Any],
                        fingerprint: str) -> str:  # fmt: skip
    """sha256 over everything that determines what is released."""
    payload = json.dumps(
        {"budget": budget, "architecture": canonical_architecture(architecture), "settings": settings,
         "data": fingerprint, "kind": "dp-sgd"},
        sort_keys=True, default=str,
    )  # fmt: skip
    return TRAINING_KEY_PREFIX + hashlib.sha256(payload.encode()).hexdigest()


def canonical_architecture(architecture_json: str) -> str:
    """The model's JSON with auto-generated names (dense_3, model_7) replaced by their order of
    appearance, so rebuilding the same model in a re-run cell gives the same key."""
    data = json.loads(architecture_json)
    names: dict[str, str] = {}

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            name = node.get("name")
            if isinstance(name, str) and name not in names:
                names[name] = f"n{len(names)}"
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    def rename(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: rename(value) for key, value in node.items()}
        if isinstance(node, list):
            return [rename(value) for value in node]
        return names.get(node, node) if isinstance(node, str) else node

    collect(data)
    return json.dumps(rename(data), sort_keys=True)


def model_store_dir(model_store: str | os.PathLike[str] | None, ledger_url: str) -> Path:
    """`model_store` if given; else `models/` beside a SQLite ledger file; else the project's
    `.privacy/models`."""
    if model_store:
        return Path(model_store)
    from jupyter_privacy.core.ledger.storage import is_sqlite, sqlite_path

    if is_sqlite(ledger_url):
        path = sqlite_path(ledger_url)
        if path is not None:
            return path.parent / "models"
    return find_project_root() / ".privacy" / "models"


def weights_path(store: Path, key: str) -> Path:
    return store / f"{key.replace(':', '-')}.npz"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _staging_path(path: Path, suffix: str) -> Path:
    """A temporary name beside `path`, unique per call so concurrent trainings of the same key never
    write into each other's staged file (its digest must stay the digest of what is renamed)."""
    stem = path.name.removesuffix(suffix)
    return path.with_name(f"{stem}.{os.getpid()}-{secrets.token_hex(4)}.tmp{suffix}")


def save_weights(model: Any, path: Path) -> Path:
    """Write the weights to a temporary file; the caller renames it once the spend is recorded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _staging_path(path, ".npz")
    weights = model.get_weights()
    np.savez(temporary, *weights)
    return temporary


def history_path(store: Path, key: str) -> Path:
    return store / f"{key.replace(':', '-')}.history.json"


def save_history(records: list[EpochRecord], path: Path) -> Path:
    """Write the per-epoch records, without exact training figures, to a temporary file; renamed
    like the weights once recorded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _staging_path(path, ".history.json")
    rows = [record.releasable().to_dict() for record in records]
    temporary.write_text(json.dumps(rows, indent=1))
    return temporary


def load_history(store: Path, key: str, expected_sha256: str | None = None) -> list[EpochRecord]:
    """The stored per-epoch records, marked replayed and without exact training figures (older
    histories hold them); [] when none were kept (older stores), and [] with a warning when the
    file is damaged or no longer matches `expected_sha256`."""
    path = history_path(store, key)
    if not path.is_file():
        return []
    names = {f.name for f in fields(EpochRecord)} - {"replayed"}
    try:
        data = path.read_bytes()
        if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
            warnings.warn(
                f"the per-epoch history {path} was changed after the training was recorded (its "
                "SHA-256 does not match the release's); the replay goes on without per-epoch "
                "records (the weights were checked separately)",
                stacklevel=3,
            )
            return []
        rows = json.loads(data)
        return [EpochRecord(**{k: v for k, v in row.items() if k in names},
                            replayed=True).releasable() for row in rows]  # fmt: skip
    except (OSError, ValueError, TypeError, AttributeError) as error:
        warnings.warn(
            f"the per-epoch history {path} could not be read ({error}); the replay goes on "
            "without per-epoch records",
            stacklevel=3,
        )
        return []


def stored_training(ledger: Ledger, budget: str, key: str, store: Path) -> Release | None:
    """The release this exact training replays, or None when it is new. Spends nothing; refuses
    when the release is recorded but its weights file is gone (retraining would spend again) or no
    longer matches the digest recorded with the release."""
    stored = ledger.find_replay(budget, key)
    if stored is None:
        return None
    read_recorded_weights(stored, weights_path(store, key))
    return stored


def read_recorded_weights(release: Release, path: Path) -> bytes:
    """The weights file's bytes, checked against the digest recorded with `release` (when it has
    one: releases recorded before digests were kept have none). Refuses a missing or changed file."""
    if not path.is_file():
        raise InvalidParameterError(
            f"this exact training is already recorded as release {release.id} in budget "
            f"'{release.budget}', but its weights file {path} is missing. Restore it, or pass "
            "fresh=True to train again (that spends the budget again)"
        )
    data = path.read_bytes()
    expected = release.details.get(WEIGHTS_DIGEST)
    actual = hashlib.sha256(data).hexdigest()
    if expected is not None and actual != expected:
        raise StoredModelModifiedError(
            f"the weights file {path} of release {release.id} in budget '{release.budget}' was "
            f"changed after training (SHA-256 {actual[:16]}…, recorded {expected[:16]}…), so the "
            "recorded (ε, δ) may not hold for it and it was not loaded; nothing was spent. "
            "Restore the original file, or pass fresh=True to train again (that spends the "
            "budget again)",
            release_id=release.id, budget=release.budget, path=str(path),
            expected_sha256=expected, actual_sha256=actual,
        )  # fmt: skip
    return data


def load_replayed_model(
    ledger: Ledger, budget: str, key: str, store: Path, template_model: Any, compile_model: Any
) -> tuple[Release, Any] | None:
    """The stored release and a model carrying its weights, or None when this training is new."""
    stored = ledger.find_replay(budget, key)
    if stored is None:
        return None
    data = read_recorded_weights(stored, weights_path(store, key))  # the bytes checked are loaded
    import tensorflow as tf

    with np.load(io.BytesIO(data)) as archive:
        weights = [archive[f"arr_{i}"] for i in range(len(archive.files))]
    model = tf.keras.models.clone_model(template_model)
    model.set_weights(weights)
    compile_model(model)
    return stored, model
