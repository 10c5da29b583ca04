"""The model card's attribute-inference and model-inversion section: next to ε in Markdown, HTML, the
YAML header, Model Card Toolkit metrics and privacy-card.json (schema-valid), with its gates."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import yaml

from jupyter_privacy.core.probes import LeakageReport, loss_attack
from jupyter_privacy.core.probes.leakage import compare_populations, headline_of
from jupyter_privacy.core.reports.model_card import build_card, load_schema
from jupyter_privacy.core.reports.privacy_budget import stated_guarantee
from jupyter_privacy.core.reports.threat_model import validate_threat_model
from jupyter_privacy.core.reports.verdict import AUDIT_EXCEPTION


def _report(member_hits: int) -> LeakageReport:
    correct = np.arange(200) < member_hits
    baseline = np.arange(200) < 100
    compared = compare_populations("accuracy", (correct, baseline), (baseline, baseline),
                                   confidence=0.95, seed=0)  # fmt: skip
    attacks = [{"name": "black-box", "method": "ART AttributeInferenceBlackBox",
                "baseline": "ART AttributeInferenceBaselineTrueLabel", "knows_label": True,
                **compared}]  # fmt: skip
    name, value, interval = headline_of(attacks)
    return LeakageReport(
        metric="attribute_inference_advantage", target="ethnicity", value=value,
        interval=interval, attack=name, attacks=tuple(attacks), n_members=200,
        n_non_members=200, n_auxiliary=100, confidence=0.95, seed=0,
        library="adversarial-robustness-toolbox 1.20.1",
    )  # fmt: skip


def _threat_model() -> Any:
    return validate_threat_model({
        "title": "t", "as_of": "2026-11-30", "assets": ["rows"],
        "protected": {"who": "people", "privacy_unit": "one person"},
        "adversaries": [{"name": "client", "capabilities": ["api_access"]}], "harms": ["h"],
        "technologies": [{"name": "DP-SGD", "why": "w"}],
        "success_criteria": [{"metric": "attribute_inference_advantage", "max": 0.05},
                             {"metric": "inversion_similarity", "max": 0.1}],
    })  # fmt: skip


def test_the_card_states_the_figures_next_to_epsilon(tmp_path: Path) -> None:
    guarantee = stated_guarantee(2.0, 1e-5, accountant="RDP", privacy_unit="one person")
    membership = loss_attack(np.full(50, 0.5), np.full(50, 0.5))
    card = build_card({"name": "wage-classifier"}, guarantee=guarantee,
                      probes=[membership, _report(130)], threat_model=_threat_model())  # fmt: skip
    assert len(card.probes) == 1 and len(card.inference_probes) == 1
    paths = card.write(tmp_path)

    privacy = json.loads(paths["privacy_card_json"].read_text())
    jsonschema.validate(privacy, load_schema("privacy-card"))
    section = privacy["inference_probes"][0]
    assert section["reads"] == "members minus non-members" and section["value"] == 0.15
    assert section["member_value"] == 0.15 and section["non_member_value"] == 0
    gates = {g["gate"]: g["passed"] for g in privacy["gates"]}
    assert gates["attribute_inference_advantage[ethnicity]"] is False  # 0.15 > 0.05
    assert gates["inversion_similarity"] is False  # the threat model asks; no report measured it

    markdown = paths["markdown"].read_text()
    guarantee_at = markdown.index("## Differential-privacy guarantee")
    section_at = markdown.index("## Attribute inference and model inversion")
    assert guarantee_at < section_at < markdown.index("## Data provenance")
    assert "At ε 2, δ 1e-05" in markdown and "+0.150" in markdown
    # Both probe sections say their figures are exact statistics released as an audit exception.
    assert markdown.count(AUDIT_EXCEPTION) == 2
    assert paths["html"].read_text().count(escape(AUDIT_EXCEPTION)) == 2
    header = yaml.safe_load(markdown.split("---\n")[1])
    assert header["privacy"]["inference_probes"][0]["target"] == "ethnicity"
    assert "Attribute inference and model inversion" in paths["html"].read_text()
    mct = json.loads(paths["model_card_json"].read_text())
    slices = {m["slice"]: m["value"] for m in mct["quantitative_analysis"]["performance_metrics"]
              if m["type"] == "attribute_inference_advantage"}  # fmt: skip
    assert slices == {"attribute inference: ethnicity (members)": 0.15,
                      "attribute inference: ethnicity (non-members)": 0.0}  # fmt: skip


def test_a_card_without_these_probes_has_no_section(tmp_path: Path) -> None:
    guarantee = stated_guarantee(2.0, 1e-5, accountant="RDP")
    card = build_card({"name": "m"}, guarantee=guarantee)
    privacy = card.privacy_card()
    assert "inference_probes" not in privacy
    jsonschema.validate(json.loads(json.dumps(privacy)), load_schema("privacy-card"))
    assert "Attribute inference" not in card.write(tmp_path)["markdown"].read_text()
