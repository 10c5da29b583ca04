"""Budgets, spends, replay, raising, history and export through the Python API."""

from __future__ import annotations

import math
import sqlite3

import pytest

from jupyter_privacy import open_ledger
from jupyter_privacy.core.errors import BudgetExceededError, InvalidParameterError, PrivacyError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.ledger.composition import zcdp_epsilon, zcdp_rho_for
from jupyter_privacy.core.ledger.provenance import origin_scope


def test_create_and_read_budget(ledger: Ledger) -> None:
    created = ledger.create_budget(
        "census", 1.0, 1e-6, privacy_unit="one person", max_contributions=3, notes="pilot"
    )
    assert created.epsilon_total == 1.0 and created.delta_total == 1e-6
    assert created.epsilon_spent == 0.0 and created.epsilon_remaining == 1.0
    fetched = ledger.budget("census")
    assert fetched == created
    assert fetched.privacy_unit == "one person" and fetched.max_contributions == 3
    assert [b.name for b in ledger.budgets()] == ["census"]


def test_spend_records_value_and_updates_remaining(ledger: Ledger) -> None:
    ledger.create_budget("b", 1.0, 1e-6)
    release = ledger.spend(
        "b", 0.3, 1e-7, compute=lambda: {"mean": 41.5}, mechanism="laplace",
        description="mean age", details={"accountant": "basic"},
    )  # fmt: skip
    assert release.value == {"mean": 41.5} and not release.replayed
    assert release.details == {"accountant": "basic"}
    budget = ledger.budget("b")
    assert budget.epsilon_spent == pytest.approx(0.3)
    assert budget.epsilon_remaining == pytest.approx(0.7)
    assert budget.delta_spent == pytest.approx(1e-7)
    assert budget.release_count == 1
    assert ledger.history("b") == [release]


def test_exact_decimal_accounting_fills_budget_exactly(ledger: Ledger) -> None:
    ledger.create_budget("b", 1.0)
    for _ in range(10):
        ledger.spend("b", 0.1, value=None)
    # 0.1 added ten times in floats is 0.9999999999999999; exact accounting says the budget is full.
    assert ledger.budget("b").epsilon_spent == 1.0
    with pytest.raises(BudgetExceededError):
        ledger.spend("b", 1e-9, value=None)


def test_overspend_refused_before_compute(ledger: Ledger) -> None:
    ledger.create_budget("b", 0.5)
    calls = []
    with pytest.raises(BudgetExceededError) as info:
        ledger.spend("b", 0.6, compute=lambda: calls.append(1))
    assert calls == [], "the computation (noise draw) must not run when the budget is short"
    assert info.value.fields["remaining_epsilon"] == pytest.approx(0.5)
    assert "0.5" in str(info.value) and "0.6" in str(info.value)
    assert ledger.budget("b").release_count == 0


def test_failing_computation_spends_nothing(ledger: Ledger) -> None:
    ledger.create_budget("b", 1.0)

    def broken() -> float:
        raise RuntimeError("mechanism failed")

    with pytest.raises(RuntimeError):
        ledger.spend("b", 0.5, compute=broken)
    assert ledger.budget("b").epsilon_spent == 0.0
    assert ledger.history("b") == []
    assert ledger.verify().ok


def test_unserialisable_value_spends_nothing(ledger: Ledger) -> None:
    ledger.create_budget("b", 1.0)
    with pytest.raises(TypeError):
        ledger.spend("b", 0.5, compute=lambda: object())
    assert ledger.budget("b").epsilon_spent == 0.0


def test_replay_returns_stored_release_and_spends_nothing(ledger: Ledger) -> None:
    ledger.create_budget("b", 1.0)
    draws = iter([1.0, 2.0, 3.0])
    first = ledger.spend("b", 0.2, compute=lambda: next(draws), replay_key="q1")
    again = ledger.spend("b", 0.2, compute=lambda: next(draws), replay_key="q1")
    assert again.replayed and again.value == first.value == 1.0 and again.id == first.id
    assert ledger.budget("b").epsilon_spent == pytest.approx(0.2)
    fresh = ledger.spend("b", 0.2, compute=lambda: next(draws), replay_key="q1", fresh=True)
    assert not fresh.replayed and fresh.value == 2.0
    assert ledger.budget("b").epsilon_spent == pytest.approx(0.4)
    # After a fresh draw, a re-run replays the newest release.
    assert ledger.spend("b", 0.2, replay_key="q1").value == 2.0


def test_replay_key_is_scoped_to_its_budget(ledger: Ledger) -> None:
    ledger.create_budget("a", 1.0)
    ledger.create_budget("b", 1.0)
    ledger.spend("a", 0.1, value=1, replay_key="same")
    other = ledger.spend("b", 0.1, value=2, replay_key="same")
    assert not other.replayed and ledger.budget("b").epsilon_spent == pytest.approx(0.1)


def test_raise_budget_is_recorded(ledger: Ledger) -> None:
    ledger.create_budget("b", 0.5)
    ledger.spend("b", 0.5, value=None)
    raised = ledger.raise_budget("b", epsilon=1.0, reason="approved by DPO, ticket 12")
    assert raised.epsilon_total == 1.0 and raised.epsilon_remaining == pytest.approx(0.5)
    kinds = [e["kind"] for e in ledger.events("b")]
    assert kinds == ["create", "release", "raise"]
    assert ledger.events("b")[-1]["description"] == "approved by DPO, ticket 12"
    with pytest.raises(InvalidParameterError, match="only be raised"):
        ledger.raise_budget("b", epsilon=0.7, reason="lower")
    with pytest.raises(InvalidParameterError, match="reason"):
        ledger.raise_budget("b", epsilon=2.0, reason=" ")
    assert ledger.verify().ok


def test_history_paging_and_order(ledger: Ledger) -> None:
    ledger.create_budget("b", 1.0)
    ids = [ledger.spend("b", 0.01, value=i).id for i in range(5)]
    assert [r.id for r in ledger.history("b")] == ids
    assert [r.id for r in ledger.history("b", limit=2, newest_first=True)] == ids[::-1][:2]
    assert [r.id for r in ledger.history("b", limit=2, offset=2)] == ids[2:4]


def test_actor_and_origin_are_recorded(ledger: Ledger) -> None:
    ledger.create_budget("b", 1.0)
    with origin_scope("notebook:analysis.ipynb#cell=abc"):
        release = ledger.spend("b", 0.1, value=None)
    assert release.origin == "notebook:analysis.ipynb#cell=abc"
    assert release.actor
    assert ledger.spend("b", 0.1, value=None, origin="cli").origin == "cli"


def test_values_from_numpy_and_nan_are_stored_as_json(ledger: Ledger) -> None:
    import numpy as np

    ledger.create_budget("b", 1.0)
    release = ledger.spend("b", 0.1, value={"v": np.float64(2.5), "a": np.arange(3), "n": math.nan})
    assert release.value == {"v": 2.5, "a": [0, 1, 2], "n": None}


def test_zcdp_budget_composes_rho(ledger: Ledger) -> None:
    ledger.create_budget("z", 1.0, 1e-6, composition="zcdp")
    rho_total = zcdp_rho_for(1.0, 1e-6)
    assert zcdp_epsilon(rho_total, 1e-6) == pytest.approx(1.0)
    ledger.spend("z", 0.5, 1e-7, rho=rho_total / 2, value=None)
    budget = ledger.budget("z")
    assert budget.rho_spent == pytest.approx(rho_total / 2)
    assert 0 < budget.epsilon_spent < 1.0
    ledger.spend("z", 0.5, 1e-7, rho=rho_total / 2, value=None)
    with pytest.raises(BudgetExceededError):
        ledger.spend("z", 0.01, 0.0, rho=1e-9, value=None)
    with pytest.raises(InvalidParameterError, match="rho"):
        ledger.spend("z", 0.1, 1e-7, value=None)  # (ε, δ>0) without ρ cannot be converted
    assert ledger.verify().ok


def test_ledger_is_shared_between_handles(ledger_url: str) -> None:
    with open_ledger(ledger_url) as a, open_ledger(ledger_url) as b:
        a.create_budget("b", 1.0)
        a.spend("b", 0.25, value=1)
        assert b.budget("b").epsilon_spent == pytest.approx(0.25)


def test_default_ledger_is_under_project_root(tmp_path, monkeypatch) -> None:
    project = tmp_path / "proj"
    (project / "notebooks" / "deep").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname='x'\n")
    monkeypatch.delenv("JUPYTER_PRIVACY_LEDGER")
    monkeypatch.chdir(project / "notebooks" / "deep")
    with open_ledger() as opened:
        opened.create_budget("b", 1.0)
    assert (project / ".privacy" / "ledger.db").is_file()


def test_pyproject_setting_points_elsewhere(tmp_path, monkeypatch) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.jupyter_privacy]\nledger = "sqlite:///team/ledger.db"\n'
    )
    monkeypatch.delenv("JUPYTER_PRIVACY_LEDGER")
    monkeypatch.chdir(project)
    with open_ledger() as opened:
        opened.create_budget("b", 1.0)
    assert (project / "team" / "ledger.db").is_file()  # relative to the project root


def test_env_var_overrides_pyproject(tmp_path, monkeypatch) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.jupyter_privacy]\nledger = "sqlite:///a.db"\n')
    monkeypatch.setenv("JUPYTER_PRIVACY_LEDGER", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.chdir(project)
    with open_ledger() as opened:
        opened.create_budget("b", 1.0)
    assert (tmp_path / "env.db").is_file() and not (project / "a.db").exists()


def test_schema_version_is_stored(ledger: Ledger, tmp_path) -> None:
    ledger.create_budget("b", 1.0)
    with sqlite3.connect(tmp_path / "ledger.db") as raw:
        (version,) = raw.execute("select value from jp_meta where key='schema_version'").fetchone()
    assert version == "2"


def test_errors_share_one_root() -> None:
    from jupyter_privacy.core import errors

    subclasses = [
        obj for obj in vars(errors).values()
        if isinstance(obj, type) and issubclass(obj, Exception) and obj is not PrivacyError
    ]  # fmt: skip
    assert len(subclasses) >= 10
    assert all(issubclass(cls, PrivacyError) for cls in subclasses)
