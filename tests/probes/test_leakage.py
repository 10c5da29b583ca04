"""Attribute-inference / inversion reports without running an attack: the statistics against
hand-computed values, the JSON round trip, the gates (threat model, unmeasured criteria, CLI
limits) and the missing-extra error."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jupyter_privacy.core.errors import InvalidParameterError, MissingExtraError
from jupyter_privacy.core.probes import LeakageReport, leakage_gate, load_report, loss_attack
from jupyter_privacy.core.probes.leakage import EXCESS, compare_populations, headline_of
from jupyter_privacy.core.probes.metrics import clopper_pearson
from jupyter_privacy.core.reports.gates import collect_gates
from jupyter_privacy.core.reports.threat_model import criterion_text, validate_threat_model
from jupyter_privacy.core.reports.verdict import AUDIT_EXCEPTION


def hits(correct: int, total: int) -> Any:
    return np.arange(total) < correct


def attack_entry(member_hits: tuple[int, int], non_member_hits: tuple[int, int]) -> dict[str, Any]:
    """An attack with (attack, baseline) hits out of 100 members and 100 non-members."""
    members = (hits(member_hits[0], 100), hits(member_hits[1], 100))
    non_members = (hits(non_member_hits[0], 100), hits(non_member_hits[1], 100))
    compared = compare_populations("accuracy", members, non_members, confidence=0.95, seed=3)
    return {"name": "posterior", "method": "m", "baseline": "b", "knows_label": True, **compared}


def make_report(member_hits: tuple[int, int] = (80, 60), non_member_hits: tuple[int, int] = (62, 60),
                **extra: Any) -> LeakageReport:  # fmt: skip
    attacks = [attack_entry(member_hits, non_member_hits)]
    name, value, interval = headline_of(attacks)
    return LeakageReport(
        metric="attribute_inference_advantage", target="ethnicity", value=value, interval=interval,
        attack=name, attacks=tuple(attacks), n_members=100, n_non_members=100, n_auxiliary=50,
        confidence=0.95, seed=3, library="adversarial-robustness-toolbox 1.20.1", **extra,
    )  # fmt: skip


THREAT_MODEL = {
    "title": "t", "as_of": "2026-11-30", "assets": ["rows"],
    "protected": {"who": "people", "privacy_unit": "one person"},
    "adversaries": [{"name": "client", "capabilities": ["api_access"]}], "harms": ["inference"],
    "technologies": [{"name": "DP-SGD", "why": "bounds leakage"}],
}  # fmt: skip


def threat_model(*criteria: dict[str, Any]) -> Any:
    return validate_threat_model({**THREAT_MODEL, "success_criteria": list(criteria)})


def test_accuracy_figures_match_hand_computed_values() -> None:
    entry = attack_entry((80, 60), (62, 60))
    members = entry["members"]
    assert members["accuracy"] == 0.8 and members["baseline_accuracy"] == 0.6
    assert members["advantage"] == pytest.approx(0.2)
    assert members["accuracy_interval"] == pytest.approx(clopper_pearson(80, 100, 0.05), abs=1e-6)
    low, high = members["advantage_interval"]
    assert low < 0.2 < high and low > 0  # 20 more hits out of 100, paired: clearly above 0
    assert entry["non_members"]["advantage"] == pytest.approx(0.02)
    gated = entry["gated"]
    assert gated["reads"] == EXCESS and gated["value"] == pytest.approx(0.18)
    assert gated["interval"][0] < 0.18 < gated["interval"][1]
    assert attack_entry((80, 60), (62, 60)) == entry  # seeded: the same figures every time


def test_error_figures_are_a_similarity_to_the_baseline() -> None:
    attack, baseline = np.full(50, 0.05), np.full(50, 0.1)
    compared = compare_populations("error", (attack, baseline), (baseline, baseline),
                                   confidence=0.9, seed=0)  # fmt: skip
    assert compared["members"]["similarity"] == pytest.approx(0.5)
    assert compared["members"]["error"] == 0.05 and compared["members"]["baseline_error"] == 0.1
    assert compared["non_members"]["similarity"] == 0
    assert compared["gated"]["value"] == pytest.approx(0.5)


def test_round_trip_and_load_either_report_family(tmp_path: Path) -> None:
    report = make_report(claim={"epsilon": 2.0, "delta": 1e-5}, notes=("a note",))
    path = report.save(tmp_path / "leak.json")
    data = json.loads(path.read_text())
    assert data["format"] == "jupyter-privacy/leakage-report@1"
    assert LeakageReport.load(path) == report
    assert load_report(path) == report
    membership = loss_attack(np.full(20, 0.1), np.full(20, 1.0)).save(tmp_path / "mia.json")
    assert load_report(membership).attack == "loss-threshold"
    text = report.summary()
    assert "members minus non-members: +0.180" in text and "the model's claim: ε 2" in text
    # Exact statistics on private rows: every summary says they are an audit exception, not DP.
    assert f"note: {AUDIT_EXCEPTION}" in text
    assert f"note: {AUDIT_EXCEPTION}" in load_report(membership).summary()
    assert report.member_value() == pytest.approx(0.2)
    assert report.non_member_value() == pytest.approx(0.02)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"format": "nope"}, "is not a probe report"),
        ([1, 2], "is not a probe report"),
        ({"format": "jupyter-privacy/leakage-report@1"}, "incomplete"),
    ],
)
def test_bad_report_files(tmp_path: Path, content: Any, message: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(content))
    with pytest.raises(InvalidParameterError, match=message):
        load_report(path)


def test_gate_reads_the_gated_excess() -> None:
    report = make_report()
    failed = leakage_gate(report, 0.1)
    assert not failed.passed and failed.gate == "attribute_inference_advantage[ethnicity]"
    assert "above the limit 0.1" in failed.reason and EXCESS in failed.reason
    assert leakage_gate(report, 0.2).passed
    with pytest.raises(InvalidParameterError, match=r"\[0, 1\]"):
        leakage_gate(report, 1.5)


def test_a_model_that_reveals_the_attribute_to_everyone_passes_with_its_exposure_shown() -> None:
    report = make_report((80, 60), (79, 60))  # the outputs reveal it for non-members as well
    assert report.value == pytest.approx(0.01) and leakage_gate(report, 0.05).passed
    assert report.exposure() == pytest.approx(0.19)


def test_threat_model_criteria_become_gates_and_unmeasured_ones_fail() -> None:
    model = threat_model(
        {"metric": "attribute_inference_advantage", "max": 0.05, "note": "ethnicity"},
        {"metric": "inversion_similarity", "max": 0.2},
    )
    assert model.leakage_limits() == {"attribute_inference_advantage": 0.05,
                                      "inversion_similarity": 0.2}  # fmt: skip
    assert "attribute-inference advantage" in criterion_text(model.criteria[0])
    results = {g.gate: g for g in collect_gates(probe_reports=[make_report()],
                                                threat_model=model)}  # fmt: skip
    assert not results["attribute_inference_advantage[ethnicity]"].passed
    unmeasured = results["inversion_similarity"]
    assert not unmeasured.passed and "--attack inversion" in unmeasured.reason
    # limits given directly gate only the reports there are, and tighten the threat model's
    direct = collect_gates(probe_reports=[make_report()],
                           leakage_limits={"attribute_inference_advantage": 0.3})  # fmt: skip
    assert [g.passed for g in direct] == [True]


@pytest.mark.parametrize(
    ("criterion", "message"),
    [
        ({"metric": "attribute_inference_advantage", "max": 1.5}, r"must be in \[0, 1\]"),
        ({"metric": "inversion_similarity"}, "missing required field"),
        ({"metric": "inversion_similarity", "max": 0.1, "fpr": 0.1}, "unknown field"),
    ],
)
def test_bad_leakage_criteria(criterion: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        threat_model(criterion)


def test_missing_art_names_the_probes_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_privacy.core.probes.art import require_art

    monkeypatch.setitem(sys.modules, "art", None)
    with pytest.raises(MissingExtraError, match=r'pip install "jupyter-privacy\[probes\]"'):
        require_art()
