"""Replay keys are scoped per budget: one key used on several budgets replays on each of them."""

from __future__ import annotations

import pytest

from jupyter_privacy import open_ledger


@pytest.mark.parametrize("count", [2, 3])
def test_a_key_used_on_several_budgets_replays_on_each(backend_url: str, count: int) -> None:
    names = [f"b{i}" for i in range(count)]
    with open_ledger(backend_url) as ledger:
        for name in names:
            ledger.create_budget(name, 1.0)
        first = {n: ledger.spend(n, 0.1, value=n, replay_key="same-query") for n in names}
        for _ in range(3):  # re-running the notebook, budget by budget, spends nothing more
            for name in names:
                again = ledger.spend(name, 0.1, value="fresh draw", replay_key="same-query")
                assert again.replayed and again.id == first[name].id and again.value == name
                assert again.budget == name
        for name in names:
            budget = ledger.budget(name)
            assert budget.release_count == 1 and budget.epsilon_spent == pytest.approx(0.1)
            stored = ledger.find_replay(name, "same-query")
            assert stored is not None and stored.id == first[name].id
        assert ledger.verify().ok


def test_a_fresh_draw_on_one_budget_leaves_the_others_replaying(backend_url: str) -> None:
    with open_ledger(backend_url) as ledger:
        for name in ("a", "b", "c"):
            ledger.create_budget(name, 1.0)
            ledger.spend(name, 0.1, value=f"{name}-1", replay_key="k")
        redrawn = ledger.spend("b", 0.1, value="b-2", replay_key="k", fresh=True)
        assert not redrawn.replayed
        assert ledger.spend("a", 0.1, value="x", replay_key="k").value == "a-1"
        assert ledger.spend("b", 0.1, value="x", replay_key="k").value == "b-2"  # the newest
        assert ledger.spend("c", 0.1, value="x", replay_key="k").value == "c-1"
        assert [ledger.budget(n).release_count for n in ("a", "b", "c")] == [1, 2, 1]


def test_a_key_of_another_budget_does_not_replay_here(backend_url: str) -> None:
    with open_ledger(backend_url) as ledger:
        ledger.create_budget("a", 1.0)
        ledger.create_budget("b", 1.0)
        ledger.spend("a", 0.1, value=1, replay_key="k")
        assert ledger.find_replay("b", "k") is None
        release = ledger.spend("b", 0.1, value=2, replay_key="k")
        assert not release.replayed and release.value == 2
