"""Plans: what can be declared, and what a release must look like to match."""

from __future__ import annotations

import pytest

from jupyter_privacy.core.requests.errors import PlanError, PlanViolationError
from jupyter_privacy.core.requests.plan import (
    DpSgdTraining,
    FederatedTraining,
    Plan,
    PlanTally,
    Query,
    ReleaseFacts,
    plan_digest,
)


def facts(kind="query", epsilon=0.5, delta=0.0, description="SELECT COUNT(*) AS count FROM t",
          budget="b", key=None, validation="none", **hp) -> ReleaseFacts:  # fmt: skip
    details = {} if kind == "query" else {"kind": kind, "hyper_parameters": hp,
                                          "validation": {"mode": validation}}  # fmt: skip
    if kind.endswith("-validation"):
        details = {"kind": kind, "training_replay_key": key}
    return ReleaseFacts.of(budget=budget, epsilon=epsilon, delta=delta, description=description,
                           details=details, replay_key=key)  # fmt: skip


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
    assert plan.match(facts(), PlanTally(), "b") == 0
    with pytest.raises(PlanViolationError, match="already made"):
        plan.match(facts(), PlanTally(used={0}), "b")
    with pytest.raises(PlanViolationError, match="another query"):
        plan.match(
            facts(description="SELECT COUNT(*) AS count FROM t WHERE name = 'x'"), PlanTally(), "b"
        )
    with pytest.raises(PlanViolationError, match=r"ε 0\.6 instead of 0\.5"):
        plan.match(facts(epsilon=0.6), PlanTally(), "b")
    with pytest.raises(PlanViolationError, match="only from its dataset's budget 'b'"):
        plan.match(facts(budget="other"), PlanTally(), "b")


def test_a_violation_never_repeats_the_release_description() -> None:
    plan = Plan.of([Query("SELECT COUNT(*) FROM t", 0.5)])
    with pytest.raises(PlanViolationError) as caught:
        plan.match(
            facts(description="SELECT COUNT(*) FROM t WHERE name = 'zq-secret'"), PlanTally(), "b"
        )
    assert "zq-secret" not in caught.value.message


def test_trainings_match_up_to_their_epsilon_with_pinned_settings() -> None:
    plan = Plan.of([DpSgdTraining(2.0, 1e-5, epochs=3, batch_size=64),
                    FederatedTraining(4.0, 1e-5, clients=3, rounds=2)])  # fmt: skip
    sgd = {"epochs": 3, "batch_size": 64, "clip_norm": 1.0, "sampling": "poisson",
           "accountant": "rdp"}  # fmt: skip
    assert plan.match(facts("dp-sgd", 1.999, 1e-5, "DP-SGD model", **sgd), PlanTally(), "b") == 0
    with pytest.raises(PlanViolationError, match="above the planned 2"):
        plan.match(facts("dp-sgd", 2.5, 1e-5, **sgd), PlanTally(), "b")
    with pytest.raises(PlanViolationError, match="epochs 5 instead of 3"):
        plan.match(facts("dp-sgd", 2.0, 1e-5, **{**sgd, "epochs": 5}), PlanTally(), "b")
    with pytest.raises(PlanViolationError, match="sampling 'shuffle' instead of 'poisson'"):
        plan.match(facts("dp-sgd", 2.0, 1e-5, **{**sgd, "sampling": "shuffle"}), PlanTally(), "b")
    fed = {"clients": 3, "rounds": 2, "clipping_norm": 1.0, "mode": "central", "accountant": "rdp"}
    assert plan.match(facts("federated", 4.0, 1e-5, **fed), PlanTally(), "b") == 1
    with pytest.raises(PlanViolationError, match="mode 'local' instead of 'central'"):
        plan.match(facts("federated", 4.0, 1e-5, **{**fed, "mode": "local"}), PlanTally(), "b")


def test_a_trainings_dp_validation_shares_its_planned_epsilon() -> None:
    """DP-SGD releases each epoch's DP validation accuracy before the model (training/validation.py):
    those releases and the model's match one planned training and add up to at most its ε."""
    plan = Plan.of([DpSgdTraining(1.0, 1e-5, epochs=2, batch_size=50)])
    sgd = {"epochs": 2, "batch_size": 50, "clip_norm": 1.0, "sampling": "poisson",
           "accountant": "rdp"}  # fmt: skip
    tally = PlanTally()
    for _ in range(2):
        validation = facts("dp-sgd-validation", 0.125, key="k1")
        tally.add(plan.match(validation, tally, "b"), validation)
    with pytest.raises(PlanViolationError, match=r"with its DP validation, ε 1\.1"):
        plan.match(facts("dp-sgd", 0.85, 1e-5, key="k1", validation="dp", **sgd), tally, "b")
    model = facts("dp-sgd", 0.75, 1e-5, key="k1", validation="dp", **sgd)
    assert plan.match(model, tally, "b") == 0
    tally.add(0, model)
    with pytest.raises(PlanViolationError, match="already made"):
        plan.match(facts("dp-sgd-validation", 0.1, key="k2"), tally, "b")
    with pytest.raises(PlanViolationError, match="not a federated training"):
        Plan.of([FederatedTraining(1.0, 1e-5)]).match(
            facts("dp-sgd-validation", 0.1, key="k3"), PlanTally(), "b"
        )


def test_exact_validation_figures_need_the_plan_to_say_so() -> None:
    sgd = {"epochs": 1, "batch_size": 64, "clip_norm": 1.0, "sampling": "poisson",
           "accountant": "rdp"}  # fmt: skip
    public = facts("dp-sgd", 1.0, 1e-5, key="k", validation="public", **sgd)
    with pytest.raises(PlanViolationError, match="validation data declared public"):
        Plan.of([DpSgdTraining(1.0, 1e-5)]).match(public, PlanTally(), "b")
    allowed = Plan.of([DpSgdTraining(1.0, 1e-5, validation_public=True)])
    assert allowed.match(public, PlanTally(), "b") == 0
    assert "validation rows declared public" in allowed.describe()
    with pytest.raises(PlanError, match="validation_public is true or false"):
        Plan.of([{"kind": "dp-sgd", "epsilon": 1, "delta": 1e-5, "validation_public": "yes"}])
