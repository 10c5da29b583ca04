"""`policy check`: contradictions between the policy, the checklists, its caps and the ledger fail;
the same findings from unconfirmed or non-binding items only warn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.policy import PolicyDocument, check_policy, draft_policy, policy_gate
from jupyter_privacy.core.policy.check import FAIL, WARN, Finding


def findings(data: dict[str, Any], **kwargs: Any) -> list[Finding]:
    return check_policy(PolicyDocument(data), **kwargs)


def failures(data: dict[str, Any], **kwargs: Any) -> list[Finding]:
    return [f for f in findings(data, **kwargs) if f.level == FAIL]


def test_the_generated_policy_passes(policy_data: dict[str, Any]) -> None:
    result = findings(policy_data)
    assert result == []
    assert policy_gate(result).passed


def _allow_practice(market: str, practice: str, **extra: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["markets"][market]["serve"]["practices"][practice] = {"decision": "allow", **extra}

    return edit


def _allow_category(market: str, category: str, **extra: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["markets"][market]["collect"]["categories"][category] = {"decision": "allow", **extra}

    return edit


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value

    return edit


def _forget_logs(market: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        section = data["markets"][market]
        section["retention"] = []
        section["audit_telemetry"] = [e for e in section["audit_telemetry"] if not e["cites"]]

    return edit


@pytest.mark.parametrize(
    ("edit", "subject", "text"),
    [
        (_allow_practice("eu", "social_scoring"), "practice 'social_scoring'",
         "the checklist prohibits it"),
        (_allow_practice("us", "unlawful_discrimination"), "practice 'unlawful_discrimination'",
         "the checklist prohibits it"),
        (_allow_category("eu", "racial_ethnic_origin"), "category 'racial_ethnic_origin'",
         "without a basis"),
        (_allow_practice("eu", "biometric_identification", basis="Annex III duties met"),
         "practice 'biometric_identification'", "without its own lane"),
        (_set("markets.us.pets.epsilon_cap", 8.0), "pets.epsilon_cap", "above the policy's privacy budget"),
        (_set("markets.eu.pets.delta_cap", 1e-3), "pets.delta_cap", "above the policy's privacy budget"),
        (_set("markets.in.retention.0.keep_days", 90), "retention of personal data and associated logs",
         "below at least 1 year"),
        (_forget_logs("in"), "retention of personal data and associated logs", "not kept"),
        (_set("markets.eu.collect.categories.financial.cites", ["eu-no-such-item"]),
         "category 'financial'", "does not have"),
        (_allow_practice("eu", "social_scoring"), "practice 'social_scoring'",
         "the checklist prohibits it"),
        (_allow_practice("eu", "csam"), "practice 'csam'",
         "use case(s) generative-ai, which the policy does not declare"),
        (_set("features.scorer", {"practices": ["automated_significant_decisions"]}) , "use case "
         "'automated-decisions'", "not declared"),
    ],
)  # fmt: skip
def test_contradictions_fail(
    edit: Callable[[dict[str, Any]], None], subject: str, text: str
) -> None:
    data = draft_policy(["eu", "us", "in"], ["ml-model", "biometrics"],
                        fields={"ethnicity": "racial_ethnic_origin"})  # fmt: skip
    edit(data)
    failed = failures(data)
    assert any(f.subject == subject and text in f.message for f in failed), failed
    gate = policy_gate(findings(data))
    assert not gate.passed and gate.observed == len(failed)


def test_a_basis_and_a_lane_make_a_conditioned_practice_pass(policy_data: dict[str, Any]) -> None:
    _allow_practice("eu", "biometric_identification", basis="Annex III duties: see DPIA-7",
                    lane_budget="faces", cites=["eu-ai-annex3-high-risk"])(policy_data)  # fmt: skip
    _allow_category("eu", "racial_ethnic_origin", basis="explicit consent, Art. 9(2)(a)")(
        policy_data
    )
    assert failures(policy_data) == []


def test_unconfirmed_items_only_warn() -> None:
    """Brazil's review right (LGPD Art. 20) is tagged M in the checklist: never presented as law."""
    data = draft_policy(["br"], ["automated-decisions"])
    assert data["markets"]["br"]["citations"]["br-lgpd-art20-review"]["binding"] is False
    _allow_practice("br", "automated_significant_decisions")(data)
    [finding] = findings(data)
    assert finding.level == WARN and "not binding" in finding.message
    assert policy_gate([finding]).passed


def test_a_changed_checklist_tag_is_flagged(policy_data: dict[str, Any]) -> None:
    policy_data["markets"]["eu"]["citations"]["eu-ai-art5-prohibited"]["confidence"] = "C1"
    policy_data["markets"]["eu"]["checklist_as_of"] = "2026-01-01"
    warned = [f.subject for f in findings(policy_data) if f.level == WARN]
    assert "checklist_as_of" in warned
    assert any(s.startswith("practice") for s in warned)


def test_ledger_budgets_above_a_market_cap_fail(
    policy_data: dict[str, Any], ledger: Ledger
) -> None:
    policy_data["budgets"] = ["pilot-model", "missing"]
    policy_data["markets"]["eu"]["pets"]["epsilon_cap"] = 3.0
    ledger.create_budget("pilot-model", 4.0, 1e-5)
    failed = failures(policy_data, ledger=ledger)
    assert sorted((str(f.market), f.subject) for f in failed) == [
        ("None", "budget 'missing'"), ("eu", "budget 'pilot-model'")]  # fmt: skip
    assert any("above the market's cap 3" in f.message for f in failed)
