"""Small private tables over a per-test ledger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.queries import PrivateTable


def people(rows: int = 200, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 80, rows),
            "income": rng.uniform(0, 100_000, rows),
            "region": rng.choice(["north", "south", "east", "west"], rows),
            "name": [f"person {i}" for i in range(rows)],
        }
    )


@pytest.fixture
def frame() -> pd.DataFrame:
    return people()


@pytest.fixture
def make_table(ledger: Ledger, frame: pd.DataFrame):
    ledger.create_budget("study", 10.0, 1e-6, privacy_unit="one person")

    def make(data=None, **options):
        options.setdefault("bounds", {"age": (18, 80), "income": (0, 100_000)})
        options.setdefault("keys", {"region": ["north", "south", "east", "west"]})
        options.setdefault("max_rows", 10_000)
        return PrivateTable(
            frame if data is None else data, budget="study", ledger=ledger, **options
        )

    return make
