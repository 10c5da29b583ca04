"""The bundled census-like example loads offline with documented public bounds and keys."""

from __future__ import annotations

import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.queries import load_example


def test_cps1988_loads_with_bounds_and_keys(ledger):
    example = load_example("cps1988")
    assert example.frame.shape == (28155, 7) and "rownames" not in example.frame
    assert set(example.keys["region"]) == set(example.frame.region.unique())
    assert set(example.bounds) == {"wage", "education", "experience"}
    ledger.create_budget("pilot", 1.0)
    table = example.table("pilot", ledger=ledger)
    release = table.group_by("region").mean("wage", epsilon=0.5)
    assert len(release.values) == 4
    assert all(300 < v.value < 900 for v in release.values)


def test_unknown_example_lists_the_available_ones():
    with pytest.raises(InvalidParameterError, match="cps1988"):
        load_example("titanic")
