"""Inference toggles: `allows`, `require` and `@policy.feature` per market, safe defaults, and the
chained ledger event of every denial."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.policy import PolicyBlockedError, load_policy


def test_allows_per_market(policy_path: Path, ledger: Ledger) -> None:
    policy = load_policy(policy_path, ledger=ledger)
    assert policy.allows("wage_band", "eu") and policy.allows("wage_band", "us")
    assert not policy.allows("face_match", "eu")
    assert not policy.allows("face_match", "us")
    assert policy.allows("face_match", "in")  # India's checklist has no item on face matching
    assert not policy.allows("social_score", "eu")
    events = ledger.event_log("policy.denied")
    assert [(e.details["market"], e.details["decisions"][0]["subject"]) for e in events] == [
        ("eu", "social_score"), ("us", "face_match"), ("eu", "face_match")]  # fmt: skip
    assert events[0].details["items"] == ["eu-ai-art5-prohibited"]
    assert events[0].actor


@pytest.mark.parametrize("market", ["atlantis", "", "br", None])
def test_unknown_market_is_denied(policy_path: Path, ledger: Ledger, market: Any) -> None:
    policy = load_policy(policy_path, ledger=ledger)
    assert policy.allows("wage_band", market) is False
    [event] = ledger.event_log("policy.denied")
    assert "unknown markets are denied" in event.details["decisions"][0]["reason"]


def test_unlisted_feature_is_denied(policy_path: Path, ledger: Ledger) -> None:
    policy = load_policy(policy_path, ledger=ledger)
    assert not policy.allows("mood_detector", "in")
    decision = policy.feature_decision("mood_detector", "in")
    assert "not in the policy's features" in decision.reason


def test_decorator_gates_and_passes_the_market(policy_path: Path, ledger: Ledger) -> None:
    policy = load_policy(policy_path, ledger=ledger)
    calls: list[Any] = []

    @policy.feature("face_match")
    def face_match(image: str, *, market: str) -> str:
        calls.append(market)
        return f"match for {image}"

    @policy.feature("wage_band")
    def wage_band(score: float) -> str:  # no market parameter: the decorator keeps it
        return "high" if score > 0.5 else "low"

    assert face_match("x.png", market="in") == "match for x.png" and calls == ["in"]
    with pytest.raises(PolicyBlockedError, match="not served in eu") as raised:
        face_match("x.png", market="eu")
    assert raised.value.fields["items"] == ["eu-ai-annex3-high-risk"]
    assert calls == ["in"]  # the function never ran
    assert wage_band(0.9, market="us") == "high"
    with pytest.raises(InvalidParameterError, match="market="):
        wage_band(0.9)
    assert len(ledger.event_log("policy.denied")) == 1


def test_allowing_with_a_basis_and_a_feature_override(tmp_path: Path, ledger: Ledger,
                                                       policy_data: dict[str, Any]) -> None:  # fmt: skip
    us = policy_data["markets"]["us"]["serve"]
    us["practices"]["biometric_identification"].update(
        decision="allow", basis="accuracy and bias tests kept with each release; no government "
        "customers", lane_budget="faces",
    )  # fmt: skip
    us["features"] = {"wage_band": {"decision": "deny", "reason": "not launched in the US yet"}}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(policy_data))
    policy = load_policy(path, ledger=ledger)
    decision = policy.require("face_match", "us")
    assert decision.allowed and decision.high_risk
    assert not policy.allows("wage_band", "us")
    assert "not launched" in ledger.event_log("policy.denied")[0].details["decisions"][0]["reason"]


def test_feature_matrix_for_the_card(policy_path: Path, ledger: Ledger) -> None:
    policy = load_policy(policy_path, ledger=ledger)
    section = policy.card_section()
    rows = {row["feature"]: row["markets"] for row in section["features"]}
    assert rows["wage_band"]["eu"]["allowed"] and not rows["face_match"]["eu"]["allowed"]
    assert rows["face_match"]["in"]["allowed"]
    assert section["markets"] == ["eu", "us", "in"]
    assert "not legal advice" in section["disclaimer"]
    assert ledger.event_log() == []  # reading the matrix decides nothing
