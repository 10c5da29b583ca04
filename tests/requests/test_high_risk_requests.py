"""A request on #19's high-risk lane: the owner's `request.approved` is the lane's approval for the
run (origin `request:ID/…`), so the run's releases carry the lane's audit record, and nothing is
released on the lane without that approval."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jupyter_privacy.core.errors import AccessDeniedError
from jupyter_privacy.core.ledger import Ledger, highrisk
from jupyter_privacy.core.requests.results import request_results
from jupyter_privacy.core.requests.runner import run_request
from jupyter_privacy.core.requests.workflow import approve_request, submit_request
from jupyter_privacy.testing.requests import (
    HONEST,
    OWNER,
    SCIENTIST,
    SENTINEL_NAME,
    honest_plan,
    register_people,
)


def test_an_approved_request_is_the_lanes_approval(
    ledger: Ledger, private_csv, store, as_user: Callable[[str], None]
) -> None:
    as_user(OWNER)
    register_people(ledger, private_csv, store, high_risk=True)  # marks the lane (#19)
    [mark] = ledger.event_log(highrisk.HIGH_RISK, budget="people")
    assert mark.details["dataset"] == "people" and mark.actor == OWNER
    as_user(SCIENTIST)
    record = submit_request(ledger, HONEST, dataset="people", plan=honest_plan(), actor=SCIENTIST)
    with pytest.raises(AccessDeniedError, match="may not spend from budget 'people'"):
        ledger.spend("people", 0.5, value=1)  # the scientist is no spender of the owner's budget
    as_user(OWNER)
    with pytest.raises(AccessDeniedError, match="high-risk"):
        ledger.spend("people", 0.5, value=1)  # nor is the owner, on the lane, without approval
    approve_request(ledger, record.id, reason="aggregates only", actor=OWNER)
    outcome = run_request(ledger, record.id, store=store, timeout=300)
    assert outcome.outcome == "completed", outcome.log.read_text()[-2000:]
    results = request_results(ledger, record.id)
    assert len(results.releases) == len(honest_plan())
    for release in results.releases:
        audit = release.details[highrisk.AUDIT_KEY]
        assert audit["approval_kind"] == "request.approved" and audit["approved_by"] == OWNER
        assert audit["code_source"] == f"request:{record.id}"
    assert SENTINEL_NAME not in results.text()
