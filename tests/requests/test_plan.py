"""Plans: what can be declared, and what a release must look like to match."""

from __future__ import annotations

import pytest

from jupyter_privacy.core.requests.errors import PlanError, PlanViolationError
from jupyter_privacy.core.requests.plan import (
    DpSgdTraining,
    FederatedTraining,
    Plan,
    Query,
    ReleaseFacts,
    plan_digest,
)


def facts(kind="query", epsilon=0.5, delta=0.0, description="SELECT COUNT(*) AS count FROM t",
          budget="b", **hp) -> ReleaseFacts:  # fmt: skip
    details = {} if kind == "query" else {"kind": kind, "hyper_parameters": hp}
    return ReleaseFacts.of(budget=budget, epsilon=epsilon, delta=delta, description=description,
                           details=details)  # fmt: skip


def test_plan_from_dicts_and_items_totals_and_digest() -> None:
    plan = Plan.of([
        {"kind": "query", "query": "select count(*) from people", "epsilon": 0.5},
        Query("SELECT AVG(wage) FROM t", 1.0),
        {"kind": "dp-sgd", "epsilon": 2.0, "delta": 1e-5, "epochs": 2, "batch_size": 32},
    ])  # fmt: skip
    assert plan.epsilon == pytest.approx(3.5) and plan.delta == pytest.approx(1e-5)
    assert Plan.of(plan.to_list()) == plan
    assert plan_digest(Plan.of(plan.to_list())) == plan_digest(plan)
    assert "total: ε ≤ 3.5" in plan.describe()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ([], "at least one"),
        ([{"kind": "sql", "query": "x"}], "unknown planned release kind"),
        ([{"query": "SELECT COUNT(*) FROM t", "epsilon": 0.5, "alpha": 1}], "does not take alpha"),
        ([{"query": "DROP TABLE t", "epsilon": 0.5}], "DROP"),
        ([{"query": "SELECT COUNT(*) FROM t", "epsilon": -1}], "epsilon must be > 0"),
        ([{"kind": "federated", "epsilon": 1, "delta": 1e-5, "mode": "secret"}], "mode"),
        ("SELECT COUNT(*) FROM t", "list of planned releases"),
    ],
)
def test_bad_plans_are_refused_with_what_to_change(data, words) -> None:
    with pytest.raises((PlanError, Exception)) as caught:
        Plan.of(data)
    assert words in str(caught.value)


def test_a_query_matches_by_canonical_text_and_exact_epsilon_once() -> None:
    plan = Plan.of([Query("select count(*) from anything", 0.5)])
    assert plan.match(facts(), set(), "b") == 0
    with pytest.raises(PlanViolationError, match="already made"):
        plan.match(facts(), {0}, "b")
    with pytest.raises(PlanViolationError, match="another query"):
        plan.match(
            facts(description="SELECT COUNT(*) AS count FROM t WHERE name = 'x'"), set(), "b"
        )
    with pytest.raises(PlanViolationError, match=r"ε 0\.6 instead of 0\.5"):
        plan.match(facts(epsilon=0.6), set(), "b")
    with pytest.raises(PlanViolationError, match="only from its dataset's budget 'b'"):
        plan.match(facts(budget="other"), set(), "b")


def test_a_violation_never_repeats_the_release_description() -> None:
    plan = Plan.of([Query("SELECT COUNT(*) FROM t", 0.5)])
    with pytest.raises(PlanViolationError) as caught:
        plan.match(facts(description="SELECT COUNT(*) FROM t WHERE name = 'zq-secret'"), set(), "b")
    assert "zq-secret" not in caught.value.message


def test_trainings_match_up_to_their_epsilon_with_pinned_settings() -> None:
    plan = Plan.of([DpSgdTraining(2.0, 1e-5, epochs=3, batch_size=64),
                    FederatedTraining(4.0, 1e-5, clients=3, rounds=2)])  # fmt: skip
    sgd = {"epochs": 3, "batch_size": 64, "clip_norm": 1.0, "sampling": "shuffle",
           "accountant": "rdp"}  # fmt: skip
    assert plan.match(facts("dp-sgd", 1.999, 1e-5, "DP-SGD model", **sgd), set(), "b") == 0
    with pytest.raises(PlanViolationError, match="above the planned 2"):
        plan.match(facts("dp-sgd", 2.5, 1e-5, **sgd), set(), "b")
    with pytest.raises(PlanViolationError, match="epochs 5 instead of 3"):
        plan.match(facts("dp-sgd", 2.0, 1e-5, **{**sgd, "epochs": 5}), set(), "b")
    fed = {"clients": 3, "rounds": 2, "clipping_norm": 1.0, "mode": "central", "accountant": "rdp"}
    assert plan.match(facts("federated", 4.0, 1e-5, **fed), set(), "b") == 1
    with pytest.raises(PlanViolationError, match="mode 'local' instead of 'central'"):
        plan.match(facts("federated", 4.0, 1e-5, **{**fed, "mode": "local"}), set(), "b")
