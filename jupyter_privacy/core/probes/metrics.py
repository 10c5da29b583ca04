"""Membership-inference statistics over attack scores (higher score = "member").

Our own ROC so the probe needs no scikit-learn at run time (tests check it against scikit-learn).
The empirical ε lower bound follows the auditing recipe of Jagielski et al. (2020) and Nasr et al.
(2021): for any (ε, δ)-DP model every membership test satisfies TPR ≤ e^ε·FPR + δ and
1 − FPR ≤ e^ε·(1 − TPR) + δ, so measured rates bound ε from below. Clopper–Pearson intervals with a
Bonferroni correction over the candidate thresholds make the bound hold with the stated confidence
for all thresholds at once, so picking the best threshold does not inflate it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import beta

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Roc:
    """ROC points at every distinct threshold, from (0, 0) to (1, 1)."""

    fpr: FloatArray
    tpr: FloatArray
    thresholds: FloatArray

    @property
    def auc(self) -> float:
        return float(np.trapz(self.tpr, self.fpr))

    @property
    def advantage(self) -> float:
        """Attacker advantage max(TPR − FPR) (Yeom et al. 2018), 0 for a useless attack."""
        return float(max(np.max(self.tpr - self.fpr), 0.0))

    def tpr_at_fpr(self, fpr: float) -> tuple[float, float]:
        """TPR of the best test with FPR exactly `fpr` (capped at 1), and that FPR.

        Where `fpr` falls inside a run of tied scores, the test takes the tied examples with the
        probability that spends the rest of the FPR allowance (a randomized threshold, i.e. linear
        interpolation between the ROC points around the tie). Without it ties make the figure
        jump: with all members and 0.18% of non-members tied at the top score, the best
        deterministic test reads TPR 0 at FPR 0.1% but 1 at 0.2%; the randomized one reads 0.56,
        which is attainable and monotone in `fpr`.
        """
        allowed = np.flatnonzero(self.fpr <= fpr + 1e-12)
        below = int(allowed[-1])  # the ROC is monotone: the last allowed point has the best TPR
        if below == len(self.fpr) - 1 or self.fpr[below] >= fpr:
            return float(self.tpr[below]), float(self.fpr[below])
        above = below + 1
        share = (fpr - self.fpr[below]) / (self.fpr[above] - self.fpr[below])
        return float(self.tpr[below] + share * (self.tpr[above] - self.tpr[below])), float(fpr)


def roc(member_scores: FloatArray, non_member_scores: FloatArray) -> Roc:
    scores = np.concatenate([member_scores, non_member_scores])
    is_member = np.concatenate([np.ones(len(member_scores)), np.zeros(len(non_member_scores))])
    order = np.argsort(-scores, kind="mergesort")
    scores, is_member = scores[order], is_member[order]
    last_of_run = np.r_[np.diff(scores) != 0, True]
    true_pos = np.cumsum(is_member)[last_of_run]
    false_pos = np.cumsum(1 - is_member)[last_of_run]
    tpr = np.r_[0.0, true_pos / len(member_scores)]
    fpr = np.r_[0.0, false_pos / len(non_member_scores)]
    thresholds = np.r_[np.inf, scores[last_of_run]]
    return Roc(fpr=fpr, tpr=tpr, thresholds=thresholds)


def clopper_pearson(successes: int, trials: int, alpha: float) -> tuple[float, float]:
    """Exact two-sided (1 − alpha) interval for a binomial proportion."""
    lower = 0.0 if successes == 0 else float(beta.ppf(alpha / 2, successes, trials - successes + 1))
    upper = (
        1.0
        if successes == trials
        else float(beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    )
    return lower, upper


def epsilon_from_rates(tpr: float, fpr: float, delta: float = 0.0) -> float:
    """Smallest ε consistent with one test reaching (TPR, FPR) under (ε, δ)-DP; inf if none is."""
    bounds = [0.0]
    for hit, miss in ((tpr, fpr), (1.0 - fpr, 1.0 - tpr)):
        if hit - delta <= 0:
            continue
        bounds.append(math.inf if miss <= 0 else math.log((hit - delta) / miss))
    return max(bounds)


@dataclass(frozen=True)
class EpsilonBound:
    """Empirical ε lower bound at the threshold that maximises its conservative (lower) value."""

    estimate: float  # from the observed rates (may be inf when FPR is 0)
    lower: float  # holds with `confidence` for all candidate thresholds at once
    upper: float  # the same threshold with the optimistic ends of the intervals
    confidence: float
    delta: float
    threshold: float
    tpr: float
    fpr: float
    thresholds_tried: int


def _geometric_counts(total: int) -> list[int]:
    counts, step = {0}, 1.0
    while step < total:
        counts.add(int(step))
        step *= 1.5
    return sorted(counts)


def empirical_epsilon(
    member_scores: FloatArray,
    non_member_scores: FloatArray,
    *,
    delta: float = 0.0,
    confidence: float = 0.95,
) -> EpsilonBound:
    """ε lower bound over thresholds on a geometric grid of false positives and false negatives."""
    members = np.sort(member_scores)
    non_members = np.sort(non_member_scores)[::-1]
    n_m, n_n = len(members), len(non_members)
    # Just above the c-th highest non-member (c false positives), at the c-th lowest member
    # (c false negatives): the two ends of the ROC where the two DP inequalities bite.
    candidates = {float(np.nextafter(non_members[c], np.inf)) for c in _geometric_counts(n_n)}
    candidates |= {float(members[c]) for c in _geometric_counts(n_m)}
    thresholds = sorted(candidates)
    alpha = (1.0 - confidence) / len(thresholds)  # Bonferroni over thresholds; both ends inside
    best: EpsilonBound | None = None
    for threshold in thresholds:
        true_pos = int(np.sum(member_scores >= threshold))
        false_pos = int(np.sum(non_member_scores >= threshold))
        tpr_lo, tpr_hi = clopper_pearson(true_pos, n_m, alpha)
        fpr_lo, fpr_hi = clopper_pearson(false_pos, n_n, alpha)
        lower = epsilon_from_rates(tpr_lo, fpr_hi, delta)
        tpr, fpr = true_pos / n_m, false_pos / n_n
        estimate = epsilon_from_rates(tpr, fpr, delta)
        # Ties (typically all zero) go to a threshold with a finite point estimate.
        better_tie = best is not None and lower == best.lower and math.isinf(best.estimate)
        if best is None or lower > best.lower or (better_tie and not math.isinf(estimate)):
            best = EpsilonBound(
                estimate=estimate,
                lower=lower,
                upper=epsilon_from_rates(tpr_hi, fpr_lo, delta),
                confidence=confidence,
                delta=delta,
                threshold=threshold,
                tpr=tpr,
                fpr=fpr,
                thresholds_tried=len(thresholds),
            )
    assert best is not None
    return best


@dataclass(frozen=True)
class DpCeiling:
    """The most any membership test can achieve against an (ε, δ)-DP model."""

    epsilon: float
    delta: float
    advantage: float
    auc: float

    def tpr_at_fpr(self, fpr: float) -> float:
        return max_tpr(self.epsilon, self.delta, fpr)


def max_tpr(epsilon: float, delta: float, fpr: float) -> float:
    """Hypothesis-testing region of (ε, δ)-DP (Kairouz et al. 2015)."""
    return float(
        min(1.0, math.exp(epsilon) * fpr + delta, 1 - math.exp(-epsilon) * (1 - delta - fpr))
    )


def dp_ceiling(epsilon: float, delta: float) -> DpCeiling:
    grid = np.linspace(0.0, 1.0, 20001)
    tpr = np.minimum.reduce(
        [np.ones_like(grid), math.exp(epsilon) * grid + delta,
         1 - math.exp(-epsilon) * (1 - delta - grid)]
    )  # fmt: skip
    advantage = (math.exp(epsilon) - 1) * (1 - delta) / (math.exp(epsilon) + 1) + delta
    return DpCeiling(
        epsilon=epsilon, delta=delta, advantage=min(advantage, 1.0), auc=float(np.trapz(tpr, grid))
    )
