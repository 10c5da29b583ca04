"""Hypothesis: remaining never negative, spent equals the sum of granted releases, replay never spends."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_privacy import open_ledger
from jupyter_privacy.core.errors import BudgetExceededError

_counter = itertools.count()

epsilons = st.floats(min_value=1e-6, max_value=2.0, allow_nan=False, allow_infinity=False)
deltas = st.sampled_from([0.0, 1e-9, 1e-7, 1e-6])
steps = st.lists(
    st.tuples(epsilons, deltas, st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(total=st.floats(min_value=0.01, max_value=5.0), total_delta=deltas, plan=steps)
def test_ledger_invariants(tmp_path: Path, total: float, total_delta: float, plan) -> None:
    url = f"sqlite:///{tmp_path / f'prop-{next(_counter)}.db'}"
    with open_ledger(url) as ledger:
        ledger.create_budget("b", total, total_delta)
        granted: list[tuple[float, float]] = []
        seen_keys: dict[str, int] = {}
        for eps, delta, key in plan:
            before = ledger.budget("b")
            try:
                release = ledger.spend("b", eps, delta, value=eps, replay_key=key)
            except BudgetExceededError:
                after = ledger.budget("b")
                assert after == before  # refusal changes nothing
                continue
            after = ledger.budget("b")
            if key is not None and key in seen_keys:
                assert release.replayed and release.id == seen_keys[key]
                assert after.epsilon_spent == before.epsilon_spent  # replay never spends
                continue
            assert not release.replayed
            if key is not None:
                seen_keys[key] = release.id
            granted.append((eps, delta))
            assert after.epsilon_remaining >= 0 and after.delta_remaining >= 0
            assert after.epsilon_spent <= total + 1e-12
        budget = ledger.budget("b")
        assert budget.epsilon_spent == pytest.approx(
            sum(e for e, _ in granted), rel=1e-12, abs=1e-15
        )
        assert budget.delta_spent == pytest.approx(sum(d for _, d in granted), rel=1e-12, abs=1e-30)
        assert budget.release_count == len(granted)
        assert ledger.verify().ok
