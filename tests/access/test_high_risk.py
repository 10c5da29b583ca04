"""The high-risk lane: spending needs a second person's approval (or the request workflow's), each
release carries a stricter audit record (who, where, why, code digest), and the lane is listed
apart for the dashboard."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from jupyter_privacy.core.errors import AccessDeniedError, InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, access, highrisk, lane_report
from jupyter_privacy.core.ledger.provenance import origin_scope

SENTINEL = "Zq9-SENTINEL-5582"


@pytest.fixture
def lane(ledger: Ledger, as_user: Callable[[str], None]) -> Ledger:
    """'faces' owned by alice, bob a spender, marked high-risk by alice."""
    ledger.create_budget("faces", 2.0)
    access.grant(ledger, "faces", "user:bob")
    highrisk.mark_high_risk(ledger, budget="faces", reason="face matching: EU Annex III")
    return ledger


def test_a_spend_without_approval_is_refused_and_logged(lane: Ledger,
                                                        as_user: Callable[[str], None]) -> None:  # fmt: skip
    as_user("bob")
    computed = []
    with pytest.raises(AccessDeniedError, match="high-risk: spending needs a second person") as e:
        lane.spend("faces", 0.1, compute=lambda: computed.append(1))
    assert "jupyter privacy budget approve faces --spender user:bob" in e.value.message
    assert computed == [] and lane.budget("faces").epsilon_spent == 0
    [refusal] = lane.event_log("access.refused")
    assert refusal.details["action"] == "spend from" and refusal.actor == "bob"
    as_user("alice")  # an owner is no exception: someone else approves
    with pytest.raises(AccessDeniedError, match="second person"):
        lane.spend("faces", 0.1, value=1)


def test_no_one_approves_their_own_spend(lane: Ledger, as_user: Callable[[str], None]) -> None:
    with pytest.raises(AccessDeniedError, match="cannot approve their own"):
        highrisk.approve(lane, "faces", spender="user:alice", epsilon=0.5, reason="mine")
    as_user("bob")  # a spender, not an owner
    with pytest.raises(AccessDeniedError, match="may not approve spends from"):
        highrisk.approve(lane, "faces", spender="user:carol", epsilon=0.5, reason="x")


def test_an_approved_spend_carries_the_audit_record(lane: Ledger,
                                                    as_user: Callable[[str], None]) -> None:  # fmt: skip
    approval = highrisk.approve(lane, "faces", spender="user:bob", epsilon=0.5,
                                reason="match batch 7 for the fraud team")  # fmt: skip
    as_user("bob")
    with origin_scope("notebook:lanes/faces.ipynb#cell=c1"):
        release = lane.spend("faces", 0.2, value=SENTINEL, description="match rate")
    audit = release.details[highrisk.AUDIT_KEY]
    assert audit["approval"] == approval.id and audit["approval_kind"] == "access.approved"
    assert audit["approved_by"] == "alice" and audit["who"]["actor"] == "bob"
    assert audit["who"]["principals"] == ["user:bob"]
    assert (
        audit["where"]["origin"] == "notebook:lanes/faces.ipynb#cell=c1" and audit["where"]["host"]
    )
    assert audit["why"] == {"approval_reason": "match batch 7 for the fraud team",
                            "description": "match rate"}  # fmt: skip
    this_file = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    assert (
        audit["code_sha256"] == this_file and audit["code_source"] == f"file {Path(__file__).name}"
    )
    assert SENTINEL not in json.dumps(audit)
    [listed] = lane_report.high_risk_audit(lane)
    assert listed["approved"] and listed["release_id"] == release.id
    assert lane.verify().ok


def test_the_allowance_expiry_and_withdrawal_are_enforced(lane: Ledger,
                                                          as_user: Callable[[str], None]) -> None:  # fmt: skip
    first = highrisk.approve(lane, "faces", spender="user:bob", epsilon=0.3, reason="batch 1")
    highrisk.approve(
        lane, "faces", spender="user:bob", epsilon=1.0, reason="old", expires="2020-01-01"
    )
    as_user("bob")
    lane.spend("faces", 0.2, value=1)
    with pytest.raises(AccessDeniedError, match=r"expired on 2020-01-01.*0\.2, 0 used"):
        lane.spend("faces", 0.2, value=2)
    lane.spend("faces", 0.1, value=3)  # what is left of the first approval
    as_user("alice")
    third = highrisk.approve(lane, "faces", spender="user:bob", epsilon=1.0, reason="batch 2")
    highrisk.withdraw(lane, "faces", third.id, reason="batch cancelled")
    as_user("bob")
    with pytest.raises(AccessDeniedError, match=f"approval {third.id}: withdrawn"):
        lane.spend("faces", 0.1, value=4)
    with (
        highrisk.approval_scope(first.id),
        pytest.raises(AccessDeniedError, match=r"it allows ε 0\.3"),
    ):
        lane.spend("faces", 0.01, value=5)
    assert lane.budget("faces").epsilon_spent == pytest.approx(0.3)


def test_the_request_workflows_approval_counts(
    lane: Ledger, as_user: Callable[[str], None]
) -> None:
    """#17b's remote-data requests: request.approved by the data owner, run with origin request:ID."""
    as_user("carol")
    submitted = lane.record_event("request.submitted", budget="faces",
                                  details={"code_sha256": "c0de" * 16, "planned_epsilon": 0.4})  # fmt: skip
    as_user("alice")
    lane.record_event("request.approved", budget="faces", details={
        "request": submitted.id, "reason": "fraud study", "code_sha256": "c0de" * 16,
        "planned_epsilon": 0.4, "planned_delta": 0.0})  # fmt: skip
    release = lane.spend("faces", 0.25, value=1, origin=f"request:{submitted.id}/run:9")
    audit = release.details[highrisk.AUDIT_KEY]
    assert audit["approval_kind"] == "request.approved" and audit["approved_by"] == "alice"
    assert audit["code_sha256"] == "c0de" * 16 and audit["code_source"] == f"request:{submitted.id}"
    with pytest.raises(AccessDeniedError, match=r"it allows ε 0\.4"):
        lane.spend("faces", 0.25, value=2, origin=f"request:{submitted.id}/run:9")
    lane.record_event("request.denied", budget="faces", details={"request": submitted.id})
    with pytest.raises(AccessDeniedError, match="was denied"):
        lane.spend("faces", 0.01, value=3, origin=f"request:{submitted.id}/run:9")


def test_a_high_risk_dataset_spends_only_from_its_lane(lane: Ledger) -> None:
    lane.create_budget("general", 5.0)
    lane.record_event("dataset.registered", budget="faces", details={"dataset": "face-crops",
                                                                     "budget": "faces"})  # fmt: skip
    mark = highrisk.mark_high_risk(lane, dataset="face-crops", reason="biometric")
    assert mark.budget == "faces"  # its registered budget is its lane
    with pytest.raises(AccessDeniedError, match="dataset 'face-crops' is high-risk"):
        lane.spend("general", 0.1, value=1, details={"dataset": "face-crops"})
    lane.spend("general", 0.1, value=1, details={"dataset": "census"})
    summary = lane_report.access_summary(lane)
    rows = {b["budget"]: b for b in summary["budgets"]}
    assert rows["faces"]["high_risk"] and rows["faces"]["datasets"] == ["face-crops"]
    assert not rows["general"]["high_risk"]
    with pytest.raises(InvalidParameterError, match="not registered"):
        highrisk.mark_high_risk(lane, dataset="unknown", reason="x")


def test_a_release_made_around_the_kit_shows_as_unapproved(lane: Ledger,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A modified client skips the check: the release has no audit record, and the audit says so."""
    monkeypatch.setattr(highrisk, "check_spend", lambda *a, **k: None)
    lane.spend("faces", 0.1, value=1)
    [listed] = lane_report.high_risk_audit(lane)
    assert listed["approved"] is False and listed["audit"] is None


def test_spends_from_before_the_mark_or_while_it_was_lifted_are_not_in_the_lane(
    lane: Ledger, as_user: Callable[[str], None]
) -> None:
    """Legitimate spends made while the budget was not high-risk carry no audit record: listing them
    as unapproved would accuse them of going around the kit."""
    lane.create_budget("crops", 3.0)
    access.grant(lane, "crops", "user:bob")
    lane.spend("crops", 0.1, value=1, description="before any mark")
    lane.record_event("dataset.registered", budget="crops", details={"dataset": "face-crops",
                                                                     "budget": "crops"})  # fmt: skip
    highrisk.mark_high_risk(lane, dataset="face-crops", reason="biometric")
    highrisk.mark_high_risk(lane, budget="crops", reason="whole budget")
    highrisk.mark_high_risk(lane, dataset="face-crops", reason="lifted", high_risk=False)
    highrisk.mark_high_risk(lane, budget="crops", reason="lifted", high_risk=False)
    lane.spend("crops", 0.1, value=2, description="while lifted")
    highrisk.mark_high_risk(lane, budget="crops", reason="back in the lane")
    approval = highrisk.approve(lane, "crops", spender="user:bob", epsilon=0.5, reason="batch 2")
    as_user("bob")
    lane.spend("crops", 0.1, value=3, description="approved, in the lane")
    [listed] = lane_report.high_risk_audit(lane, "crops")
    assert listed["approved"] is True and listed["audit"]["approval"] == approval.id
    assert listed["audit"]["why"]["description"] == "approved, in the lane"
    assert [r.description for r in lane.history("crops")] == [
        "before any mark",
        "while lifted",
        "approved, in the lane",
    ]  # all three were recorded


def test_marking_needs_an_owner_and_a_reason(lane: Ledger, as_user: Callable[[str], None]) -> None:
    with pytest.raises(InvalidParameterError, match="needs a reason"):
        highrisk.mark_high_risk(lane, budget="faces", reason=" ")
    as_user("bob")
    with pytest.raises(AccessDeniedError, match="may not mark high-risk"):
        highrisk.mark_high_risk(lane, budget="faces", reason="off", high_risk=False)
    assert lane_report.is_high_risk(lane, "faces")


def test_approvals_cannot_be_forged_through_record_event(
    lane: Ledger, as_user: Callable[[str], None]
) -> None:
    """A spender writing an approval event itself (under someone else's name) gets no approval."""
    as_user("bob")
    forged = {"spender": "user:bob", "epsilon": 1.0, "delta": 0.0, "approver": ["user:carol"],
              "reason": "forged"}  # fmt: skip
    for event in (highrisk.APPROVED, access.GRANTED, highrisk.HIGH_RISK):
        with pytest.raises(AccessDeniedError, match="written only by"):
            lane.record_event(event, budget="faces", details=forged, actor="carol")
    submitted = lane.record_event("request.submitted", budget="faces",
                                  details={"planned_epsilon": 1.0})  # fmt: skip
    with pytest.raises(AccessDeniedError, match="may not approve requests on the high-risk"):
        lane.record_event("request.approved", budget="faces", actor="carol",
                          details={"request": submitted.id, "planned_epsilon": 1.0})  # fmt: skip
    as_user("alice")  # an owner may not approve her own request either, whatever actor she names
    own = lane.record_event("request.submitted", budget="faces", details={"planned_epsilon": 1.0})
    with pytest.raises(AccessDeniedError, match="a second person must approve"):
        lane.record_event("request.approved", budget="faces", actor="carol",
                          details={"request": own.id, "planned_epsilon": 1.0})  # fmt: skip
    as_user("bob")
    for origin in (None, f"request:{submitted.id}/run:1"):
        with pytest.raises(AccessDeniedError, match="needs a second person's approval"):
            lane.spend("faces", 0.1, value=1, origin=origin)
    assert lane.budget("faces").epsilon_spent == 0
    refused = [e.details["action"] for e in lane.event_log(access.REFUSED)]
    assert "record access.approved" in refused and "approve requests on the high-risk" in refused
