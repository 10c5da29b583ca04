"""Client datasets are checked before anything runs; the fingerprint covers every client, in order."""

from __future__ import annotations

import numpy as np
import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.federated.clients import check_client_datasets, clients_fingerprint
from jupyter_privacy.core.ledger.secret import DataKey


def pair(rows: int, features: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((rows, features)), rng.integers(0, 2, rows)


def test_lists_and_named_mappings_are_accepted() -> None:
    listed = check_client_datasets([pair(5), pair(6)])
    named = check_client_datasets({"north": pair(5), "south": pair(6)})
    assert [c.name for c in listed] == ["client-0", "client-1"]
    assert [c.name for c in named] == ["north", "south"] and len(named[1].x) == 6


@pytest.mark.parametrize(
    ("datasets", "message"),
    [
        ([pair(5)], "at least 2 clients"),
        ("data.csv", "list of \\(x, y\\) pairs"),
        ([pair(5), (np.zeros((3, 3)),)], "as an \\(x, y\\) pair"),
        ([pair(5), (np.zeros((3, 3)), np.zeros(4))], "3 rows but y has 4"),
        ([pair(5), (np.zeros((0, 3)), np.zeros(0))], "non-empty"),
        ([pair(5), pair(5, features=4)], "same feature shape"),
        ([pair(5), (np.array([["a", "b", "c"]]), np.zeros(1))], "numeric"),
    ],
)
def test_bad_client_data_are_refused(datasets, message) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        check_client_datasets(datasets)


def test_fingerprint_is_keyed_and_changes_with_any_client_and_with_their_order() -> None:
    a, b = pair(5, seed=1), pair(5, seed=2)
    key = DataKey(b"a test secret of thirty-two bytes", "test")
    base = clients_fingerprint(check_client_datasets([a, b]), key)
    assert base.startswith("hmac-sha256:")
    other_key = DataKey(b"another secret, also 32 bytes ok", "test")
    assert clients_fingerprint(check_client_datasets([a, b]), other_key) != base
    assert clients_fingerprint(check_client_datasets([b, a]), key) != base
    changed = (a[0].copy(), a[1])
    changed[0][0, 0] += 1e-6
    assert clients_fingerprint(check_client_datasets([changed, b]), key) != base
