"""`policy init` output: validated, every rule cited with the checklist's tags and as-of date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.policy import catalog, draft_policy, read_policy, write_policy
from jupyter_privacy.core.policy.document import schema_problems
from jupyter_privacy.core.reports import compliance


def test_catalog_cites_only_items_the_checklists_have() -> None:
    assert catalog.catalog_problems() == []


def test_draft_validates_and_carries_tags_and_dates(policy_data: dict[str, Any]) -> None:
    assert schema_problems(policy_data) == []
    eu = policy_data["markets"]["eu"]
    assert eu["checklist_as_of"] == "2026-11-27"
    for item_id, tags in eu["citations"].items():
        item = next(i for i in compliance.load_market("eu")["items"] if i["id"] == item_id)
        assert tags["confidence"] == item["confidence"]
        assert tags["binding"] == compliance.is_binding(item)
        assert tags["as_of"] == "2026-11-27"
    # an unconfirmed item is carried, and never as binding
    assert eu["citations"]["eu-gdpr-art25-by-design"]["confidence"] == "M"
    assert eu["citations"]["eu-gdpr-art25-by-design"]["binding"] is False
    assert "UNCONFIRMED" in eu["citations"]["eu-gdpr-art25-by-design"]["status"]
    # every cited id is in the citations table of its market
    for section in policy_data["markets"].values():
        rules = list(section["collect"]["categories"].values())
        rules += list(section["serve"]["practices"].values())
        cited = {c for rule in rules for c in rule.get("cites", [])}
        assert cited <= set(section["citations"])


def test_prohibited_and_conditioned_start_denied(policy_data: dict[str, Any]) -> None:
    eu, us, india = (policy_data["markets"][m] for m in ("eu", "us", "in"))
    assert eu["serve"]["practices"]["social_scoring"] == {
        "decision": "deny", "reason": "prohibited in this market", "cites": ["eu-ai-art5-prohibited"],
    }  # fmt: skip
    special = eu["collect"]["categories"]["racial_ethnic_origin"]
    assert special["decision"] == "deny" and special["cites"] == ["eu-gdpr-lawful-basis"]
    assert "Art. 9(2)" in special["reason"]
    # no US or Indian checklist item restricts ethnic origin: allowed there, nothing invented
    assert us["collect"]["categories"]["racial_ethnic_origin"] == {"decision": "allow"}
    assert india["collect"]["categories"]["racial_ethnic_origin"] == {"decision": "allow"}
    # face matching is a high-risk practice in the EU and the US; India's checklist has no item
    assert eu["serve"]["practices"]["biometric_identification"]["high_risk"] is True
    assert india["serve"]["practices"]["biometric_identification"] == {"decision": "allow"}
    # prohibited elsewhere, unresearched here: denied by default, said so
    assert india["serve"]["practices"]["csam"]["decision"] == "deny"
    assert "team default" in india["serve"]["practices"]["csam"]["reason"]


def test_retention_and_telemetry_from_the_checklists(policy_data: dict[str, Any]) -> None:
    india = policy_data["markets"]["in"]
    assert india["retention"] == [{"what": "personal data and associated logs", "min_days": 366,
                                   "keep_days": 366, "period": "at least 1 year",
                                   "cites": ["in-dpdp-rule6-logs"]}]  # fmt: skip
    whats = [entry["what"] for entry in policy_data["markets"]["us"]["audit_telemetry"]]
    assert any("provenance and consent" in w for w in whats)


def test_fields_and_features_bring_their_use_cases(policy_data: dict[str, Any]) -> None:
    assert policy_data["use_cases"] == ["ml-model", "sensitive-data", "biometrics",
                                        "automated-decisions"]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fields": {"x": "secret_sauce"}}, "unknown category 'secret_sauce'"),
        ({"features": {"f": ["mind_reading"]}}, "unknown practice 'mind_reading'"),
        ({"epsilon": -1}, "epsilon"),
    ],
)
def test_bad_terms_are_clear_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        draft_policy(["eu"], ["analytics"], **kwargs)


def test_written_file_round_trips_and_is_not_overwritten(tmp_path: Path,
                                                         policy_data: dict[str, Any]) -> None:  # fmt: skip
    path = write_policy(policy_data, tmp_path / "p.yaml")
    text = path.read_text()
    assert text.startswith("# Market policy") and "not legal advice" in text
    assert read_policy(path).data == yaml.safe_load(text)
    with pytest.raises(InvalidParameterError, match="exists"):
        write_policy(policy_data, path)


def test_schema_names_the_broken_field(tmp_path: Path, policy_data: dict[str, Any]) -> None:
    policy_data["markets"]["eu"]["collect"]["categories"]["financial"] = {"decision": "maybe"}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(policy_data))
    with pytest.raises(InvalidParameterError, match=r"markets\.eu\.collect\.categories\.financial"):
        read_policy(path)
    policy_data["markets"]["eu"]["collect"]["categories"]["financial"] = {"decision": "allow"}
    policy_data["markets"]["atlantis"] = policy_data["markets"]["eu"]
    path.write_text(yaml.safe_dump(policy_data))
    with pytest.raises(InvalidParameterError, match="unknown market 'atlantis'"):
        read_policy(path)
