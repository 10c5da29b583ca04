"""Model cards from a real ledger: schemas validate, the Markdown header parses as YAML, the HTML is
offline, every ε carries its assumptions, and the privacy changelog comes from the ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
import yaml

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.probes import loss_attack
from jupyter_privacy.core.reports.compliance import build_checklist
from jupyter_privacy.core.reports.model_card import (
    build_card,
    check_meta,
    example_path,
    load_meta,
    load_schema,
)
from jupyter_privacy.core.reports.privacy_budget import stated_guarantee
from jupyter_privacy.core.reports.threat_model import load_threat_model

TRAINING_DETAILS = {
    "accountant": "RDP (dp-accounting 0.4.3)",
    "conversion": "RDP→(ε,δ) by Canonne-Kamath-Steinke 2020",
    "sampling": "Poisson, q = 0.01",
    "privacy_unit": "one person (one row)",
    "data_fingerprint": "sha256:aaa",
    "labels": ["<=median", ">median"],
}

# The parts of Google Model Card Toolkit's schema v0.0.2 our JSON uses (field names and types).
MCT_SUBSET = {
    "type": "object",
    "additionalProperties": False,
    "required": ["schema_version", "model_details", "model_parameters", "quantitative_analysis",
                 "considerations"],
    "properties": {
        "schema_version": {"type": "string"},
        "model_details": {
            "type": "object", "additionalProperties": False,
            "properties": {"name": {"type": "string"}, "overview": {"type": "string"},
                           "version": {"type": "object", "additionalProperties": False,
                                       "properties": {"name": {"type": "string"},
                                                      "date": {"type": "string"}}},
                           "owners": {"type": "array"}, "licenses": {"type": "array"},
                           "references": {"type": "array"}},
        },
        "model_parameters": {
            "type": "object", "additionalProperties": False,
            "properties": {"model_architecture": {"type": "string"},
                           "data": {"type": "array", "items": {
                               "type": "object", "additionalProperties": False,
                               "properties": {"name": {"type": "string"}, "link": {"type": "string"},
                                              "description": {"type": "string"},
                                              "sensitive": {"type": "object"}}}}},
        },
        "quantitative_analysis": {
            "type": "object", "additionalProperties": False,
            "properties": {"performance_metrics": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["type", "value"],
                "properties": {"type": {"type": "string"}, "value": {"type": "number"},
                               "slice": {"type": "string"}}}}},
        },
        "considerations": {
            "type": "object", "additionalProperties": False,
            "properties": {k: {"type": "array"} for k in
                           ("users", "use_cases", "limitations", "tradeoffs",
                            "ethical_considerations")},
        },
    },
}  # fmt: skip


WEIGHTS = "ab" * 32


@pytest.fixture
def trained(ledger: Ledger) -> Ledger:
    ledger.create_budget("wage-model", 4.0, 1e-5, privacy_unit="one person (one row)")
    ledger.spend("wage-model", 0.5, description="DP mean wage", mechanism="laplace")
    ledger.raise_budget(
        "wage-model", epsilon=6.0, delta=2e-5, reason="approved by DPO for retraining"
    )
    ledger.spend("wage-model", 2.5, 1e-5, mechanism="dp-sgd", description="training run",
                 details={**TRAINING_DETAILS, "weights_sha256": WEIGHTS})  # fmt: skip
    ledger.spend("wage-model", 1.0, 1e-6, mechanism="dp-sgd", description="retrain",
                 details={**TRAINING_DETAILS, "data_fingerprint": "sha256:bbb"})  # fmt: skip
    return ledger


@pytest.fixture(scope="module")
def probe_report() -> Any:
    rng = np.random.default_rng(5)
    return loss_attack(rng.exponential(1.0, 400), rng.exponential(1.0, 400), delta=1e-5)


def test_card_from_ledger_writes_valid_artifacts(trained: Ledger, probe_report: Any,
                                                  tmp_path: Path) -> None:  # fmt: skip
    checklist = build_checklist(["eu", "us"], ["ml-model"]).to_dict()
    card = build_card(
        load_meta(example_path("card.yaml")), ledger=trained, budget="wage-model", release_id=4,
        probes=[probe_report], threat_model=load_threat_model(example_path("threat-model.yaml")),
        checklist_status=checklist,
    )  # fmt: skip
    paths = card.write(tmp_path / "card")
    privacy = json.loads(paths["privacy_card_json"].read_text())
    jsonschema.validate(privacy, load_schema("privacy-card"))
    budget = json.loads(paths["privacy_budget_json"].read_text())
    jsonschema.validate(budget, load_schema("privacy-budget"))
    mct = json.loads(paths["model_card_json"].read_text())
    jsonschema.validate(mct, MCT_SUBSET)

    guarantee = privacy["dp_guarantee"]
    assert guarantee["epsilon"] == 2.5 and guarantee["delta"] == 1e-5
    assert guarantee["accountant"] == TRAINING_DETAILS["accountant"]
    assert guarantee["sampling"] == "Poisson, q = 0.01" and guarantee["missing"] == []
    assert "fingerprint" not in privacy["data_provenance"][0]  # no data digest is published
    assert "sha256:aaa" not in json.dumps([privacy, budget, mct])
    assert guarantee["weights_sha256"] == WEIGHTS  # names the exact model file
    assert f"| weights sha256 | {WEIGHTS} |" in paths["markdown"].read_text()
    assert "weights_sha256" not in budget["releases"][0]  # a query release has no model file
    metrics = {m["type"]: m["value"] for m in mct["quantitative_analysis"]["performance_metrics"]}
    assert metrics["dp_epsilon"] == 2.5 and "mia_auc" in metrics
    assert budget["budget"]["epsilon_spent"] == pytest.approx(4.0)
    assert budget["releases"][0]["missing"] == ["accountant", "conversion", "sampling"]

    gates = {g["gate"]: g for g in privacy["gates"]}
    assert gates["ledger_integrity"]["passed"]
    assert gates["mia_auc"]["passed"] and gates["dp_claim_consistent"]["passed"]
    assert gates["epsilon[wage-model]"]["passed"] is False  # 4.0 spent > threat model's 3.0
    assert gates["checklist"]["passed"] is False
    assert gates["utility[accuracy]"]["passed"] is False  # the example's placeholder 0.0 < 0.7

    kinds = [(c["kind"], c["change"]) for c in privacy["privacy_changelog"]]
    assert kinds[0] == ("budget", "budget created: ε 4, δ 1e-05")
    assert any(k == "budget" and "approved by DPO" in c for k, c in kinds)
    assert ("dataset", "dataset first seen (release #4)") in kinds
    assert ("dataset", "dataset changed: release #5 read different data") in kinds
    assert sum(1 for k, _ in kinds if k == "labels") == 1


def test_markdown_header_is_yaml_and_html_is_offline(trained: Ledger, probe_report: Any,
                                                      tmp_path: Path) -> None:  # fmt: skip
    card = build_card(load_meta(example_path("card.yaml")), ledger=trained, budget="wage-model",
                      probes=[probe_report])  # fmt: skip
    paths = card.write(tmp_path)
    markdown = paths["markdown"].read_text()
    assert markdown.startswith("---\n")
    header = yaml.safe_load(markdown.split("---\n")[1])
    assert header["model_name"] == "wage-classifier" and header["license"] == "apache-2.0"
    assert header["privacy"]["epsilon"] == pytest.approx(4.0)  # whole budget: no release chosen
    assert "basic composition" in header["privacy"]["accountant"]
    assert "## Privacy changelog" in markdown and "## Sign-off" in markdown
    page = paths["html"].read_text()
    assert "<svg" in page and "budget total ε 6" in page
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org', "")


def test_stated_guarantee_without_ledger(tmp_path: Path) -> None:
    guarantee = stated_guarantee(1.2, 1e-6, accountant="PLD", privacy_unit="one user")
    card = build_card({"name": "m"}, guarantee=guarantee)
    privacy = card.privacy_card()
    jsonschema.validate(json.loads(json.dumps(privacy)), load_schema("privacy-card"))
    assert privacy["dp_guarantee"]["missing"] == ["conversion", "sampling"]
    assert privacy["sign_off"][0]["role"] == "model owner"
    assert "budget" not in card.write(tmp_path)


@pytest.mark.parametrize(
    ("meta", "message"),
    [({}, "'name' is required"), ({"name": "m", "colour": "red"}, r"unknown field\(s\) \['colour'\]"),
     ({"name": "m", "data": [{"name": "d", "url": "x"}]}, r"data\[0\] has unknown field"),
     ({"name": "m", "metrics": [{"type": "acc", "value": "high"}]}, "numeric 'value'")],
)  # fmt: skip
def test_bad_metadata_is_a_clear_error(meta: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        check_meta(meta)


def test_guarantee_errors(trained: Ledger) -> None:
    with pytest.raises(InvalidParameterError, match="has no release 99; its releases: 2, 4, 5"):
        build_card({"name": "m"}, ledger=trained, budget="wage-model", release_id=99)
    trained.create_budget("empty", 1.0)
    with pytest.raises(InvalidParameterError, match="no releases yet"):
        build_card({"name": "m"}, ledger=trained, budget="empty")
    with pytest.raises(InvalidParameterError, match="needs the DP guarantee"):
        build_card({"name": "m"})
