"""Small federated tasks: a few hundred synthetic rows per client, a one-layer Keras model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

#: A value planted in the clients' data that no output may ever contain.
SENTINEL = 987654.125


def make_clients(count: int, rows: int = 120, features: int = 4, seed: int = 0) -> list[Any]:
    rng = np.random.default_rng(seed)
    clients = []
    for _ in range(count):
        x = rng.random((rows, features)).astype("float32")
        y = (x[:, 0] + 0.2 * rng.standard_normal(rows) > 0.5).astype("int32")
        clients.append((x, y))
    clients[0][0][3, 1] = SENTINEL
    return clients


def tiny_model(features: int = 4) -> Any:
    import tensorflow as tf

    return tf.keras.Sequential([tf.keras.Input((features,)), tf.keras.layers.Dense(2)])


def leftover_processes(marker: str) -> list[str]:
    """Processes whose command line or environment mentions `marker` (our temporary folder)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        for part in ("cmdline", "environ"):
            try:
                if marker.encode() in (proc / part).read_bytes():
                    found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
                    break
            except OSError:
                continue
    return found


@pytest.fixture
def federation_budget(ledger):
    ledger.create_budget("federation", 60.0, 1e-4, privacy_unit="one client's whole dataset")
    return "federation"
