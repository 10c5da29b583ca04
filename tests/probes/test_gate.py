"""The probe gate fails when it should and passes when it should, with readable reasons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.probes import (
    ProbeLimit,
    load_pair,
    loss_attack,
    parse_tpr_at_fpr,
    probe_gate,
    probe_model,
)

LIMITS = [ProbeLimit("auc", 0.6), parse_tpr_at_fpr("2%@1%")]


def test_gate_fails_on_the_overfit_model(
    digits_split: Any, overfit_model: Any, reference_models: list[Any]
) -> None:
    report = probe_model(
        overfit_model, digits_split.members, digits_split.non_members,
        reference_models=reference_models, epsilon=1.0,
    )  # fmt: skip
    results = {r.gate: r for r in probe_gate(report, LIMITS)}
    assert not results["mia_auc"].passed
    assert "above the limit 0.6" in results["mia_auc"].reason
    assert not results["mia_tpr_at_fpr@1%"].passed
    assert not results["dp_claim_consistent"].passed
    assert "do not release" in results["dp_claim_consistent"].reason


def test_gate_passes_on_a_model_that_did_not_see_the_members(
    digits_split: Any, reference_models: list[Any]
) -> None:
    report = probe_model(reference_models[0], digits_split.members, digits_split.non_members,
                         epsilon=1.0)  # fmt: skip
    results = probe_gate(report, LIMITS)
    assert [r.passed for r in results] == [True, True, True]
    assert "within" in results[0].reason


def test_advantage_limit(digits_split: Any, overfit_model: Any) -> None:
    report = probe_model(overfit_model, digits_split.members, digits_split.non_members)
    (result,) = probe_gate(report, [ProbeLimit("advantage", 0.2)])
    assert not result.passed and result.gate == "mia_advantage"
    (result,) = probe_gate(report, [ProbeLimit("advantage", 0.99)])
    assert result.passed
    with pytest.raises(InvalidParameterError, match="use tpr_at_fpr, auc or advantage"):
        ProbeLimit("precision", 0.5)


def test_unmeasurable_fpr_fails_with_what_to_do() -> None:
    rng = np.random.default_rng(1)
    report = loss_attack(rng.exponential(1, 200), rng.exponential(1, 200))
    (result,) = probe_gate(report, [parse_tpr_at_fpr("0.01@0.001")])
    assert not result.passed
    assert "at least 1000 non-members" in result.reason


def test_tied_losses_fail_a_low_fpr_gate_instead_of_passing_vacuously() -> None:
    # Every member at loss 0, and 0.18% of the non-members too: the deterministic test reads
    # TPR 0 at FPR 0.1% (and passed any limit); the randomized threshold reads 0.56.
    members = np.zeros(1000)
    non_members = np.r_[np.zeros(18), np.linspace(0.01, 5, 9982)]
    report = loss_attack(members, non_members, fprs=(0.001, 0.002))
    (result,) = probe_gate(report, [parse_tpr_at_fpr("5%@0.1%")])
    assert not result.passed
    assert result.observed == pytest.approx(0.001 / 0.0018, abs=1e-6)
    assert [e.tpr for e in report.tpr_at_fpr] == [pytest.approx(0.5556, abs=1e-4), 1.0]


@pytest.mark.parametrize(
    ("text", "tpr", "fpr"),
    [("0.01@0.001", 0.01, 0.001), ("1%@0.1%", 0.01, 0.001), (" 5% @ 1% ", 0.05, 0.01)],
)
def test_parse_tpr_at_fpr(text: str, tpr: float, fpr: float) -> None:
    limit = parse_tpr_at_fpr(text)
    assert limit.maximum == pytest.approx(tpr) and limit.fpr == pytest.approx(fpr)


@pytest.mark.parametrize("text", ["0.01", "abc@0.1", "2@0.1", "0.1@0"])
def test_bad_limits_are_clear_errors(text: str) -> None:
    with pytest.raises(InvalidParameterError):
        parse_tpr_at_fpr(text)


def test_files_of_different_kinds_are_refused(tmp_path: Path) -> None:
    members = tmp_path / "m.json"
    non_members = tmp_path / "n.json"
    members.write_text(json.dumps({"kind": "loss", "values": [0.1, 0.2]}))
    non_members.write_text(json.dumps({"kind": "probability", "values": [0.9]}))
    with pytest.raises(InvalidParameterError, match="save both sets the same way"):
        load_pair(members, non_members)
    csv = tmp_path / "n.csv"
    csv.write_text("example,loss\n1,0.5\n2,0.25\n")
    _members, n, kind = load_pair(members, csv)
    assert kind == "loss" and n.tolist() == [0.5, 0.25]
