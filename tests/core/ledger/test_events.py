"""Audit events share the hash chain: recorded in order, read back by type or budget, spend nothing,
and tampering with one shows in verify()."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from jupyter_privacy.core.errors import InvalidParameterError, UnknownBudgetError


def test_events_are_chained_filtered_and_spend_nothing(ledger) -> None:
    ledger.create_budget("census", 1.0)
    submitted = ledger.record_event(
        "request.submitted", budget="census", description="mean wage by region",
        details={"request_id": "r1", "code_digest": "abc"}, actor="scientist",
    )  # fmt: skip
    ledger.spend("census", 0.25, value=1)
    ledger.record_event("request.approved", budget="census", details={"request_id": "r1"})
    ledger.record_event("policy.blocked", details={"market": "eu", "feature": "face_match"})

    assert submitted.event == "request.submitted" and submitted.actor == "scientist"
    assert submitted.details == {"request_id": "r1", "code_digest": "abc"}
    assert [e.event for e in ledger.event_log()] == [
        "policy.blocked", "request.approved", "request.submitted",
    ]  # fmt: skip
    assert [e.event for e in ledger.event_log("request")] == [
        "request.approved",
        "request.submitted",
    ]
    assert [e.event for e in ledger.event_log("request.approved")] == ["request.approved"]
    assert [e.event for e in ledger.event_log("req")] == []  # a prefix is a whole dotted part
    assert [e.budget for e in ledger.event_log(budget="census")] == ["census", "census"]
    assert ledger.event_log(limit=1)[0].budget is None  # ledger-wide
    budget = ledger.budget("census")
    assert budget.epsilon_spent == pytest.approx(0.25) and budget.release_count == 1
    assert [r.id for r in ledger.history("census")] == [3]
    assert ledger.verify().ok


def test_bad_event_types_and_unknown_budgets_record_nothing(ledger) -> None:
    for bad in ["approved", "Request.Approved", "request.", "", None, "request approved"]:
        with pytest.raises(InvalidParameterError, match="dotted lower-case"):
            ledger.record_event(bad)
    with pytest.raises(InvalidParameterError, match="dict"):
        ledger.record_event("request.submitted", details=["not", "a", "dict"])
    with pytest.raises(UnknownBudgetError):
        ledger.record_event("request.submitted", budget="nosuch")
    assert ledger.event_log() == []
    assert ledger.verify().entries_checked == 0


def test_an_edited_event_shows_in_verify(ledger, ledger_url) -> None:
    event = ledger.record_event("request.denied", details={"reason": "asks for raw rows"})
    engine = sa.create_engine(ledger_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE jp_entries SET mechanism = 'request.approved' WHERE id = :id"),
            {"id": event.id},
        )
    engine.dispose()
    report = ledger.verify()
    assert not report.ok and report.tampered_ids == [event.id]
