"""Attacks on real scikit-learn models: a leaky model is caught, a model that never saw the
members is not, and the calibrated attack beats the loss threshold at low FPR."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.probes import (
    ProbeReport,
    calibrated_attack,
    loss_attack,
    probe_model,
)


def test_overfit_model_leaks(digits_split: Any, overfit_model: Any) -> None:
    report = probe_model(overfit_model, digits_split.members, digits_split.non_members)
    assert report.auc_interval[0] > 0.7
    assert report.advantage > 0.3
    assert report.empirical_epsilon["lower"] > 1.0


def test_model_that_never_saw_the_members_does_not_leak(
    digits_split: Any, reference_models: list[Any]
) -> None:
    # Reference models were trained on population data only: "members" are not members for them.
    report = probe_model(reference_models[0], digits_split.members, digits_split.non_members)
    low, high = report.auc_interval
    assert low < 0.5 < high
    assert report.empirical_epsilon["lower"] < 0.5


def test_calibrated_attack_is_stronger_at_low_fpr(
    digits_split: Any, overfit_model: Any, reference_models: list[Any]
) -> None:
    loss = probe_model(overfit_model, digits_split.members, digits_split.non_members)
    calibrated = probe_model(
        overfit_model, digits_split.members, digits_split.non_members,
        reference_models=reference_models,
    )  # fmt: skip
    assert calibrated.attack.startswith("lira-offline")
    assert calibrated.tpr_at(0.01).tpr > loss.tpr_at(0.01).tpr
    assert calibrated.auc > loss.auc


def test_reports_are_reproducible_and_round_trip(
    digits_split: Any, overfit_model: Any, tmp_path: Any
) -> None:
    first = probe_model(overfit_model, digits_split.members, digits_split.non_members, seed=3)
    again = probe_model(overfit_model, digits_split.members, digits_split.non_members, seed=3)
    assert first.to_dict() == again.to_dict()
    loaded = ProbeReport.load(first.save(tmp_path / "probe.json"))
    assert loaded.to_dict() == first.to_dict()


def test_ceiling_is_attached_for_a_claimed_epsilon() -> None:
    rng = np.random.default_rng(0)
    report = loss_attack(rng.exponential(1, 300), rng.exponential(1, 300), epsilon=1.0, delta=1e-5)
    assert report.ceiling is not None
    assert report.ceiling["tpr_at_fpr"]["1%"] == pytest.approx(np.e * 0.01 + 1e-5)
    assert any("1000 non-members" in note for note in report.notes)


@pytest.mark.parametrize(
    ("members", "non_members", "message"),
    [
        ([0.1, float("nan")], [0.2], "NaN or infinite value(s), the first at index 1"),
        ([0.1, 0.3], [float("inf")], "non-member values has 1 NaN or infinite"),
        ([], [0.2], "member values is empty"),
        ([[0.1, 0.2]], [0.2], "1-D array"),
        ([0.1], ["a"], "must be numbers"),
        ([-1.0], [0.2], "losses are ≥ 0"),
    ],
)
def test_bad_inputs_are_clear_errors(members: Any, non_members: Any, message: str) -> None:
    with pytest.raises(
        InvalidParameterError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        loss_attack(members, non_members)


def test_probabilities_out_of_range_and_unknown_kind() -> None:
    with pytest.raises(InvalidParameterError, match=r"in \[0, 1\]"):
        loss_attack([0.2, 1.5], [0.3], kind="probability")
    with pytest.raises(InvalidParameterError, match="use one of loss, probability, score"):
        loss_attack([0.2], [0.3], kind="logits")


def test_reference_losses_must_match_their_targets() -> None:
    with pytest.raises(InvalidParameterError, match=r"shape \(reference models, 3\)"):
        calibrated_attack([0.1, 0.2, 0.3], [0.4], np.ones((4, 2)), np.ones((4, 1)))
    with pytest.raises(InvalidParameterError, match="same reference models"):
        calibrated_attack([0.1, 0.2, 0.3], [0.4], np.ones((4, 3)), np.ones((2, 1)))


def test_a_model_must_return_one_loss_per_example() -> None:
    def batch_mean(x: Any, y: Any) -> Any:
        return np.ones(len(y) - 1)

    with pytest.raises(InvalidParameterError, match="one loss per example"):
        probe_model(batch_mean, (np.zeros((3, 1)), [0, 1, 0]), (np.zeros((2, 1)), [0, 1]))


def test_keras_adapter_names_the_extra_when_tensorflow_is_missing(monkeypatch: Any) -> None:
    import sys

    from jupyter_privacy.core.errors import MissingExtraError
    from jupyter_privacy.core.probes.keras import keras_losses

    monkeypatch.setitem(sys.modules, "tensorflow", None)
    with pytest.raises(MissingExtraError, match=r'pip install "jupyter-privacy\[tf\]"'):
        keras_losses(object())
