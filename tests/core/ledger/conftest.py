"""Fixtures for the ledger tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from jupyter_privacy.core.ledger import Ledger


def _snapshot(ledger: Ledger) -> dict[str, Any]:
    data = ledger.export()
    data.pop("exported_at")
    return data


@pytest.fixture
def snapshot() -> Callable[[Ledger], dict[str, Any]]:
    """Everything stored, minus the export time: equal snapshots mean nothing changed."""
    return _snapshot
