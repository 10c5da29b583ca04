"""Replay-safe federated training: the same training (budget, model architecture, settings, every
client's data) recorded before returns its stored model and release and spends nothing.

The weights and per-round history are stored like DP-SGD trainings' (core/training/replay.py:
beside the ledger, their SHA-256 inside the release's details, checked before a replay loads them);
only the key differs, so a federated and a DP-SGD training can never replay each other.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from jupyter_privacy.core.training.replay import canonical_architecture


def federated_replay_key(
    budget: str, architecture: str, settings: dict[str, Any], fingerprint: str
) -> str:
    """sha256 over everything that determines what is released."""
    payload = json.dumps(
        {"budget": budget, "architecture": canonical_architecture(architecture),
         "settings": settings, "data": fingerprint, "kind": "federated"},
        sort_keys=True, default=str,
    )  # fmt: skip
    return "federated:" + hashlib.sha256(payload.encode()).hexdigest()
