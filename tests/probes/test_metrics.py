"""The probe's statistics against scikit-learn, closed forms and hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from jupyter_privacy.core.probes.metrics import (
    clopper_pearson,
    dp_ceiling,
    empirical_epsilon,
    epsilon_from_rates,
    max_tpr,
    roc,
)


@pytest.fixture(scope="module")
def scores() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    # Rounded so there are ties: the ROC must handle them like scikit-learn does.
    return rng.normal(0.6, 1, 400).round(1), rng.normal(0, 1, 300).round(1)


def test_roc_matches_scikit_learn(scores: tuple[np.ndarray, np.ndarray]) -> None:
    members, non_members = scores
    labels = np.r_[np.ones(len(members)), np.zeros(len(non_members))]
    pooled = np.r_[members, non_members]
    fpr, tpr, _ = roc_curve(labels, pooled, drop_intermediate=False)
    ours = roc(members, non_members)
    np.testing.assert_allclose(ours.fpr, fpr)
    np.testing.assert_allclose(ours.tpr, tpr)
    assert ours.auc == pytest.approx(roc_auc_score(labels, pooled), abs=1e-12)
    assert ours.advantage == pytest.approx(np.max(tpr - fpr))
    for level in (0.01, 0.05, 0.2):  # between scikit-learn's ROC points: interpolated
        below = np.flatnonzero(fpr <= level)[-1]
        share = (level - fpr[below]) / (fpr[below + 1] - fpr[below])
        expected = tpr[below] + share * (tpr[below + 1] - tpr[below])
        assert ours.tpr_at_fpr(level) == (pytest.approx(expected), pytest.approx(level))


def randomized_test_tpr(members: np.ndarray, non_members: np.ndarray, fpr: float) -> float:
    """Reference: walk the distinct scores from the top, taking whole tie groups while the FPR
    allowance lasts, then the next group with the probability that spends the rest."""
    tpr, spent = 0.0, 0.0
    for score in np.unique(np.r_[members, non_members])[::-1]:
        group_fpr = np.mean(non_members == score)
        group_tpr = np.mean(members == score)
        if spent + group_fpr <= fpr + 1e-12:
            tpr, spent = tpr + group_tpr, spent + group_fpr
            continue
        return tpr + group_tpr * (fpr - spent) / group_fpr
    return tpr


def test_tpr_at_fpr_uses_a_randomized_threshold_on_ties(scores) -> None:
    members, non_members = scores
    curve = roc(members, non_members)
    for level in (0.001, 0.004, 0.0123, 0.05, 0.33):
        tpr, reached = curve.tpr_at_fpr(level)
        assert tpr == pytest.approx(randomized_test_tpr(members, non_members, level))
        assert reached == pytest.approx(level)


def test_tied_members_cannot_pass_a_tpr_gate_vacuously() -> None:
    # The audit's case: every member at loss 0, and 0.18% of the non-members too.
    members = np.zeros(1000)
    non_members = np.r_[np.zeros(18), -np.linspace(0.01, 5, 9982)]  # scores are −loss
    curve = roc(members, non_members)
    assert curve.auc > 0.998
    tpr_01, reached = curve.tpr_at_fpr(0.001)
    assert reached == 0.001 and tpr_01 == pytest.approx(0.001 / 0.0018)  # was 0.0
    assert curve.tpr_at_fpr(0.002)[0] == 1.0
    grid = np.linspace(0, 0.01, 201)
    values = [curve.tpr_at_fpr(level)[0] for level in grid]
    assert values == sorted(values)  # monotone in the FPR
    assert values[0] == 0.0 and values[-1] == 1.0


def test_clopper_pearson_known_values() -> None:
    # Exact interval for 0/10 at 95%: upper = 1 − 0.025^(1/10) = 0.3085
    assert clopper_pearson(0, 10, 0.05) == (0.0, pytest.approx(1 - 0.025 ** (1 / 10)))
    low, high = clopper_pearson(5, 10, 0.05)
    assert low == pytest.approx(0.18709, abs=1e-4) and high == pytest.approx(0.81291, abs=1e-4)


def test_epsilon_from_rates_hand_computed() -> None:
    # TPR 0.5 at FPR 0.05 → ε ≥ ln(0.5/0.05) = ln 10; complement ln(0.95/0.5) is smaller.
    assert epsilon_from_rates(0.5, 0.05) == pytest.approx(math.log(10))
    # With δ = 0.1 the first bound becomes ln(0.4/0.05) = ln 8.
    assert epsilon_from_rates(0.5, 0.05, delta=0.1) == pytest.approx(math.log(8))
    assert epsilon_from_rates(0.3, 0.3) == 0.0
    assert math.isinf(epsilon_from_rates(0.2, 0.0))


def test_empirical_bound_hand_computed_case() -> None:
    # 100 members all above 100 non-members: the best conservative bound uses TPR's lower and
    # FPR's upper Clopper–Pearson ends at α = 0.05 / thresholds.
    members, non_members = np.arange(100, 200.0), np.arange(0, 100.0)
    bound = empirical_epsilon(members, non_members, confidence=0.95)
    alpha = 0.05 / bound.thresholds_tried
    tpr_low = clopper_pearson(100, 100, alpha)[0]
    fpr_high = clopper_pearson(0, 100, alpha)[1]
    assert bound.lower == pytest.approx(math.log(tpr_low / fpr_high))
    assert bound.tpr == 1.0 and bound.fpr == 0.0
    assert bound.estimate == math.inf


def test_ceiling_closed_forms() -> None:
    ceiling = dp_ceiling(1.0, 0.0)
    e = math.e
    assert ceiling.advantage == pytest.approx((e - 1) / (e + 1))
    assert ceiling.tpr_at_fpr(0.01) == pytest.approx(e * 0.01)
    assert max_tpr(1.0, 1e-5, 0.001) == pytest.approx(e * 0.001 + 1e-5)
    # AUC ceiling of pure ε-DP: e^ε/(1+e^ε) (integral of the two-piece tradeoff curve).
    assert ceiling.auc == pytest.approx(e / (1 + e), abs=1e-6)
    assert dp_ceiling(0.01, 0).auc == pytest.approx(0.5, abs=0.003)


def test_empirical_bound_stays_below_true_epsilon_of_a_dp_pair() -> None:
    """Scores from the Laplace pair that is exactly ε-DP: the conservative bound never exceeds ε,
    and with many samples it is not vacuous."""
    epsilon = 2.0
    rng = np.random.default_rng(2026)
    members = rng.laplace(1.0, 1.0 / epsilon, 20000)
    non_members = rng.laplace(0.0, 1.0 / epsilon, 20000)
    bound = empirical_epsilon(members, non_members, confidence=0.95)
    assert 0.5 * epsilon < bound.lower <= epsilon
    assert bound.lower <= bound.upper
