"""`Ledger.copy_to`: an entry-for-entry copy whose hash chain verifies on the target."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jupyter_privacy import open_ledger
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger


def _fill(ledger: Ledger) -> None:
    ledger.create_budget("census", 1.0, 1e-6, privacy_unit="one person")
    ledger.create_budget("model", 3.0, 1e-5, composition="zcdp")
    for i in range(5):
        ledger.spend("census", 0.01, value={"i": i}, replay_key=f"k{i}", origin=f"notebook:n{i}")
    ledger.spend("model", 0.5, 1e-6, rho=0.02, value=[1.5, 2.5], mechanism="gaussian")
    ledger.raise_budget("census", epsilon=2.0, reason="approved by the DPO")


def test_copy_verifies_and_matches_the_source(ledger: Ledger, backend_url: str) -> None:
    _fill(ledger)
    with open_ledger(backend_url) as target:
        copied = ledger.copy_to(target)
        assert (copied.budgets, copied.entries) == (2, 9)
        assert target.verify().ok
        expected, actual = ledger.export(), target.export()
        assert actual["entries"] == expected["entries"]
        assert actual["budgets"] == expected["budgets"]
        assert copied.head_hash == expected["entries"][-1]["hash"]
        # the copy is a working ledger: replay keys and the chain continue there
        assert target.spend("census", 0.01, replay_key="k2").replayed
        target.spend("census", 0.01, value="new")
        assert target.verify().ok


def test_non_empty_target_is_refused_unless_overwritten(
    ledger: Ledger, backend_url: str, snapshot: Callable[[Ledger], dict[str, Any]]
) -> None:
    _fill(ledger)
    with open_ledger(backend_url) as target:
        target.create_budget("already-here", 1.0)
        before = snapshot(target)
        with pytest.raises(InvalidParameterError, match="already holds 1 entries") as caught:
            ledger.copy_to(target)
        assert caught.value.fields["entries"] == 1
        assert snapshot(target) == before
        ledger.copy_to(target, overwrite=True)
        assert [b.name for b in target.budgets()] == ["census", "model"]
        assert target.verify().ok


def test_an_empty_source_empties_an_overwritten_target(tmp_path: Path, ledger: Ledger) -> None:
    with open_ledger(f"sqlite:///{tmp_path / 'target.db'}") as target:
        _fill(target)
        copied = ledger.copy_to(target, overwrite=True)
        assert (copied.budgets, copied.entries) == (0, 0)
        assert target.budgets() == [] and target.verify().ok
        target.create_budget("fresh", 1.0)  # ids restart from the source's head
        assert target.events("fresh")[0]["id"] == 1


def test_copy_onto_itself_is_refused(ledger: Ledger, ledger_url: str) -> None:
    _fill(ledger)
    with open_ledger(ledger_url) as same, pytest.raises(InvalidParameterError, match="itself"):
        ledger.copy_to(same, overwrite=True)
    assert ledger.verify().ok and ledger.budget("census").release_count == 5


def test_tampering_is_copied_not_repaired(ledger: Ledger, tmp_path: Path) -> None:
    _fill(ledger)
    with sqlite3.connect(tmp_path / "ledger.db") as raw:
        raw.execute("update jp_entries set epsilon = 0.001 where id = 4")
    with open_ledger(f"sqlite:///{tmp_path / 'target.db'}") as target:
        ledger.copy_to(target)
        report = target.verify()
        assert not report.ok and report.tampered_ids == ledger.verify().tampered_ids == [4]
