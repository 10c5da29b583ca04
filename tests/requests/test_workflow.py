"""Submit → review → approve / deny, on the ledger: every step a chained event with its actor;
a denied request spends nothing; the submitter cannot approve their own request."""

from __future__ import annotations

import json

import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.requests.errors import (
    PlanViolationError,
    RequestStateError,
    UnknownRequestError,
)
from jupyter_privacy.core.requests.records import get_request, load_requests
from jupyter_privacy.core.requests.results import request_results
from jupyter_privacy.core.requests.review import Finding, register_review_check, review_request
from jupyter_privacy.core.requests.runner import run_request
from jupyter_privacy.core.requests.workflow import (
    approve_request,
    deny_request,
    submit_request,
    try_on_mock,
)
from jupyter_privacy.testing.requests import COUNT, HONEST, OWNER, SCIENTIST, honest_plan


def submit(ledger: Ledger, code: str = HONEST, plan=None, **options):
    return submit_request(ledger, code, dataset="people", plan=plan or honest_plan(),
                          actor=SCIENTIST, **options)  # fmt: skip


def test_submission_holds_code_plan_and_digest_in_the_chain(ledger: Ledger, dataset) -> None:
    record = submit(ledger, title="count and mean wage")
    assert (record.status, record.scientist, record.dataset_event) == ("pending", SCIENTIST,
                                                                       dataset.event_id)  # fmt: skip
    event = ledger.event_log("request.submitted")[0]
    assert event.id == record.id and event.budget == "people"
    assert event.details["code"] == HONEST and event.details["code_sha256"] == record.code.sha256
    assert event.details["planned_epsilon"] == pytest.approx(1.5)
    assert record.code.entry_point == "analysis" and ledger.verify().ok


def test_a_function_object_is_submitted_with_its_source(ledger: Ledger, dataset) -> None:
    def mean_wage(data):
        data.table.query("SELECT COUNT(*) FROM t", epsilon=0.5)

    record = submit_request(ledger, mean_wage, dataset="people", plan=[{"query": COUNT,
                            "epsilon": 0.5}], actor=SCIENTIST)  # fmt: skip
    assert record.code.entry_point == "mean_wage" and record.code.text.startswith("def mean_wage")


@pytest.mark.parametrize(
    ("code", "plan", "words"),
    [
        ("x = 1", None, "defines 0 top-level functions"),
        ("def a(d): pass\ndef b(d): pass", None, "name the function to run"),
        ("def a(d) pass", None, "does not parse"),
        (HONEST, [{"query": "SELECT AVG(salary) FROM t", "epsilon": 1}], "unknown column"),
        (HONEST, [{"query": "SELECT AVG(name) FROM t", "epsilon": 1}], "numeric column"),
    ],
)
def test_bad_submissions_record_nothing(ledger: Ledger, dataset, code, plan, words) -> None:
    with pytest.raises(InvalidParameterError, match=words):
        submit(ledger, code, plan)
    assert ledger.event_log("request") == []


def test_review_shows_code_previews_budget_and_hints_without_spending(ledger, dataset) -> None:
    code = HONEST.replace("    data.table", "    print(data.frame())\n    data.table", 1)
    record = submit(ledger, code)
    review = review_request(ledger, record)
    text = review.text()
    assert "def analysis(data):" in text and record.code.sha256 in text
    assert "± at α=0.05" in text and "Integer Laplace" in text  # OpenDP's accuracy on the mock
    assert "total: ε ≤ 1.5" in text and "ε 3, δ 1e-05 left" in text
    assert "prints or displays output" in text
    assert not review.blocked and ledger.budget("people").epsilon_spent == 0
    assert json.dumps(review.to_dict(), default=str)


def test_approval_needs_a_second_person_and_pins_code_and_plan(ledger, dataset) -> None:
    record = submit(ledger)
    with pytest.raises(RequestStateError, match="someone else"):
        approve_request(ledger, record.id, actor=SCIENTIST)
    approved = approve_request(ledger, record.id, reason="aggregates only", actor=OWNER)
    assert approved.status == "approved" and approved.decision.actor == OWNER
    event = ledger.event_log("request.approved")[0]
    assert event.details["code_sha256"] == record.code.sha256 and event.actor == OWNER
    assert event.details["reason"] == "aggregates only" and "plan_sha256" in event.details
    with pytest.raises(RequestStateError, match="only a pending request"):
        approve_request(ledger, record.id, actor=OWNER)


def test_a_denied_request_spends_nothing_and_cannot_run(ledger, dataset, store) -> None:
    record = submit(ledger)
    with pytest.raises(InvalidParameterError, match="needs a reason"):
        deny_request(ledger, record.id, reason="  ", actor=OWNER)
    denied = deny_request(ledger, record.id, reason="row-level output", actor=OWNER)
    assert denied.status == "denied" and denied.decision.reason == "row-level output"
    with pytest.raises(RequestStateError, match="denied it"):
        run_request(ledger, record.id, store=store)
    with pytest.raises(RequestStateError, match="only a pending request"):
        approve_request(ledger, record.id, actor=OWNER)
    budget = ledger.budget("people")
    assert (budget.epsilon_spent, budget.release_count) == (0, 0)
    assert "denied: row-level output" in request_results(ledger, record.id).text()


def test_an_approval_can_be_withdrawn_before_the_run(ledger, dataset, store) -> None:
    record = submit(ledger)
    approve_request(ledger, record.id, actor=OWNER)
    assert deny_request(ledger, record.id, reason="changed my mind", actor=OWNER).status == "denied"
    with pytest.raises(RequestStateError, match="denied it"):
        run_request(ledger, record.id, store=store)


def test_an_unapproved_run_is_refused_and_records_nothing(ledger, dataset, store) -> None:
    record = submit(ledger)
    before = len(ledger.event_log())
    with pytest.raises(RequestStateError, match="waiting for the data owner's approval"):
        run_request(ledger, record.id, store=store)
    assert len(ledger.event_log()) == before and ledger.budget("people").release_count == 0
    with pytest.raises(UnknownRequestError, match="no request 999"):
        run_request(ledger, 999, store=store)


def test_a_plan_larger_than_the_budget_left_cannot_be_approved(ledger, dataset) -> None:
    record = submit(ledger, plan=[{"query": COUNT, "epsilon": 5.0}])
    assert review_request(ledger, record).blocked
    with pytest.raises(RequestStateError, match="the plan needs ε 5; budget 'people' has ε 3 left"):
        approve_request(ledger, record.id, actor=OWNER)


def test_review_checks_are_a_hook(ledger, dataset, monkeypatch) -> None:
    from jupyter_privacy.core.requests import review as module

    monkeypatch.setattr(module, "REVIEW_CHECKS", list(module.REVIEW_CHECKS))
    register_review_check(lambda ds, record, budget: [Finding("block", "policy says no")])
    record = submit(ledger)
    with pytest.raises(RequestStateError, match="policy says no"):
        approve_request(ledger, record.id, actor=OWNER)


def test_a_denial_wins_over_a_concurrent_approval(ledger, dataset) -> None:
    record = submit(ledger)
    ledger.record_event("request.denied", budget="people", actor="bob",
                        details={"request": record.id, "reason": "no"})  # fmt: skip
    ledger.record_event("request.approved", budget="people", actor=OWNER,
                        details={"request": record.id, "code_sha256": record.code.sha256})  # fmt: skip
    assert get_request(ledger, record.id).status == "denied"
    assert [r.id for r in load_requests(ledger)] == [record.id]


def test_trying_on_the_mock_runs_here_with_the_same_plan_guard(ledger, dataset) -> None:
    run = try_on_mock(ledger, HONEST + "    return data.frame().shape\n", dataset="people",
                      plan=honest_plan())  # fmt: skip
    assert run.value == (200, 4) and len(run.releases) == 2
    assert ledger.budget("people").epsilon_spent == 0  # a scratch copy paid
    with pytest.raises(PlanViolationError, match="not in the approved plan"):
        try_on_mock(ledger, HONEST, dataset="people", plan=[{"query": COUNT, "epsilon": 0.5}])


def test_only_the_first_start_counts(ledger, dataset, store, monkeypatch) -> None:
    record = submit(ledger)
    approve_request(ledger, record.id, actor=OWNER)
    original = ledger.record_event

    def racing(event, **options):  # another machine starts it between our check and our start
        if event == "request.started":
            monkeypatch.setattr(ledger, "record_event", original)
            original(event, budget="people", actor="another-owner", details={"request": record.id})
        return original(event, **options)

    monkeypatch.setattr(ledger, "record_event", racing)
    with pytest.raises(RequestStateError, match="already running elsewhere"):
        run_request(ledger, record.id, store=store)
    assert get_request(ledger, record.id).run.actor == "another-owner"
    assert ledger.event_log("request.ran")[0].details["outcome"] == "refused"
    with pytest.raises(RequestStateError, match="already started"):
        run_request(ledger, record.id, store=store)
    assert ledger.budget("people").release_count == 0
