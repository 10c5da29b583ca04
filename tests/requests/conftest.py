"""A data owner ("olivia") with a private CSV holding planted sentinels, a budget and a registered
dataset; a scientist ("sam"). Identities are passed as `actor=` (the CLI tests use $USER). The data
and constants live in jupyter_privacy.testing.requests (shared with the server and UI tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.requests.datasets import Dataset
from jupyter_privacy.testing.requests import private_frame, register_people


@pytest.fixture
def private_csv(tmp_path: Path) -> Path:
    path = tmp_path / "owner-data" / "people.csv"
    path.parent.mkdir()
    private_frame().to_csv(path, index=False)
    return path


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "owner-store"


@pytest.fixture
def dataset(ledger: Ledger, private_csv: Path, store: Path) -> Dataset:
    return register_people(ledger, private_csv, store)
