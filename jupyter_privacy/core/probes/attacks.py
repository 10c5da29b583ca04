"""Membership-inference attacks: a loss threshold and a reference-model calibrated attack.

- `loss_attack`: score = −loss (Yeom et al. 2018). Cheap; weak at low FPR because some examples are
  easy for every model.
- `calibrated_attack`: LiRA-offline (Carlini et al. 2022). Each target's loss is compared with its
  losses under reference models trained WITHOUT it (on population data): the score is how far the
  target model's logit-scaled confidence sits above the reference distribution, in standard
  deviations. Per-example calibration is what makes it strong at FPR 0.1%.

Both return a ProbeReport; every random choice (bootstrap, reference subsets) comes from `seed`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.probes.inputs import (
    LossFunction,
    as_reference_losses,
    check_pair,
    losses_of,
)
from jupyter_privacy.core.probes.metrics import (
    FloatArray,
    dp_ceiling,
    empirical_epsilon,
    roc,
)
from jupyter_privacy.core.probes.report import (
    STANDARD_FPRS,
    ProbeReport,
    TprAtFpr,
    finite_or_none,
    fpr_key,
)
from jupyter_privacy.core.validation import check_delta, check_epsilon, check_positive_int

_BOOTSTRAP_ROUNDS = 200
_ROC_EXACT_UP_TO_FPR = 0.1
_ROC_MAX_POINTS = 4000
_MIN_REFERENCE_STD = 1e-3


def loss_attack(
    members: Any,
    non_members: Any,
    *,
    kind: str = "loss",
    epsilon: float | None = None,
    delta: float = 0.0,
    confidence: float = 0.95,
    seed: int = 0,
    fprs: Sequence[float] = STANDARD_FPRS,
) -> ProbeReport:
    """Threshold attack on per-example losses (or true-label probabilities, or member scores)."""
    member_scores, non_member_scores = check_pair(members, non_members, kind)
    return score_report(
        "loss-threshold", member_scores, non_member_scores, epsilon=epsilon, delta=delta,
        confidence=confidence, seed=seed, fprs=fprs,
    )  # fmt: skip


def logit_confidence(losses: FloatArray) -> FloatArray:
    """log(p / (1 − p)) for p = exp(−loss): the scale on which LiRA's Gaussians fit well."""
    safe = np.maximum(losses, 1e-12)
    confidence: FloatArray = -safe - np.log(-np.expm1(-safe))
    return confidence


def lira_offline_scores(target_losses: FloatArray, reference_losses: FloatArray) -> FloatArray:
    """Per-example z-scores of the target model's confidence against OUT reference models."""
    target = logit_confidence(target_losses)
    reference = logit_confidence(reference_losses)
    mean = reference.mean(axis=0)
    if reference.shape[0] >= 8:
        std = np.maximum(reference.std(axis=0, ddof=1), _MIN_REFERENCE_STD)
    elif reference.shape[0] > 1:  # few reference models: one pooled deviation, as LiRA advises
        pooled = float(np.sqrt(np.mean((reference - mean) ** 2) * reference.shape[0]
                               / (reference.shape[0] - 1)))  # fmt: skip
        std = np.full_like(mean, max(pooled, _MIN_REFERENCE_STD))
    else:  # one reference model: a plain difference (difficulty-calibrated loss)
        std = np.ones_like(mean)
    scores: FloatArray = (target - mean) / std
    return scores


def calibrated_attack(
    member_losses: Any,
    non_member_losses: Any,
    member_reference_losses: Any,
    non_member_reference_losses: Any,
    *,
    epsilon: float | None = None,
    delta: float = 0.0,
    confidence: float = 0.95,
    seed: int = 0,
    fprs: Sequence[float] = STANDARD_FPRS,
) -> ProbeReport:
    """LiRA-offline from saved losses: targets' losses plus reference losses, (models, examples)."""
    members, non_members = check_pair(member_losses, non_member_losses, "loss")
    members, non_members = -members, -non_members  # back to losses, now checked
    member_ref = as_reference_losses(
        member_reference_losses, len(members), "member reference losses"
    )
    non_member_ref = as_reference_losses(
        non_member_reference_losses, len(non_members), "non-member reference losses"
    )
    if member_ref.shape[0] != non_member_ref.shape[0]:
        raise InvalidParameterError(
            "member and non-member reference losses must come from the same reference models "
            f"({member_ref.shape[0]} rows vs {non_member_ref.shape[0]})"
        )
    return score_report(
        f"lira-offline ({member_ref.shape[0]} reference models)",
        lira_offline_scores(members, member_ref), lira_offline_scores(non_members, non_member_ref),
        epsilon=epsilon, delta=delta, confidence=confidence, seed=seed, fprs=fprs,
    )  # fmt: skip


def train_reference_models(
    fit: Callable[[Any, Any, int], LossFunction],
    population_x: Any,
    population_y: Any,
    *,
    count: int = 4,
    fraction: float = 0.5,
    seed: int = 0,
) -> list[LossFunction]:
    """Train `count` reference models on seeded random halves of population data.

    `fit(x, y, seed)` must train like the target (same architecture and recipe) and return a
    per-example loss function. The population must not contain the probe's members or non-members.
    """
    count = check_positive_int(count, "count")
    if not 0 < fraction <= 1:
        raise InvalidParameterError(f"fraction must be in (0, 1], got {fraction}")
    n = len(population_y)
    size = max(round(n * fraction), 1)
    rng = np.random.default_rng(seed)
    models = []
    for index in range(count):
        chosen = rng.choice(n, size=size, replace=False)
        models.append(fit(_take(population_x, chosen), _take(population_y, chosen), seed + index))
    return models


def probe_model(
    model: LossFunction,
    members: tuple[Any, Any],
    non_members: tuple[Any, Any],
    *,
    reference_models: Sequence[LossFunction] = (),
    epsilon: float | None = None,
    delta: float = 0.0,
    confidence: float = 0.95,
    seed: int = 0,
    fprs: Sequence[float] = STANDARD_FPRS,
) -> ProbeReport:
    """Probe a model given as a per-example loss function (see inputs.py and keras.py adapters).

    With reference models the calibrated attack runs, otherwise the loss-threshold attack.
    """
    (mx, my), (nx, ny) = members, non_members
    member_losses = losses_of(model, mx, my, "member losses")
    non_member_losses = losses_of(model, nx, ny, "non-member losses")
    options = dict(epsilon=epsilon, delta=delta, confidence=confidence, seed=seed, fprs=fprs)
    if not reference_models:
        return loss_attack(member_losses, non_member_losses, **options)  # type: ignore[arg-type]
    member_ref = np.stack([losses_of(m, mx, my, "reference losses") for m in reference_models])
    non_member_ref = np.stack([losses_of(m, nx, ny, "reference losses") for m in reference_models])
    return calibrated_attack(
        member_losses,
        non_member_losses,
        member_ref,
        non_member_ref,
        **options,  # type: ignore[arg-type]
    )


def score_report(
    attack: str,
    member_scores: FloatArray,
    non_member_scores: FloatArray,
    *,
    epsilon: float | None,
    delta: float,
    confidence: float,
    seed: int,
    fprs: Sequence[float],
) -> ProbeReport:
    delta = check_delta(delta)
    if not 0.5 <= confidence < 1:
        raise InvalidParameterError(f"confidence must be in [0.5, 1), got {confidence}")
    for fpr in fprs:
        if not 0 < fpr < 1:
            raise InvalidParameterError(f"FPR levels must be in (0, 1), got {fpr}")
    curve = roc(member_scores, non_member_scores)
    n_non = len(non_member_scores)
    entries = []
    notes = []
    for fpr in fprs:
        tpr, achieved = curve.tpr_at_fpr(fpr)
        resolvable = n_non * fpr >= 1
        entries.append(TprAtFpr(fpr, tpr, achieved, resolvable))
        if not resolvable:
            notes.append(
                f"TPR at FPR {fpr_key(fpr)} needs at least {int(np.ceil(1 / fpr))} non-members "
                f"to be measured (have {n_non}); the figure shown is at FPR 0"
            )
    bound = empirical_epsilon(member_scores, non_member_scores, delta=delta, confidence=confidence)
    ceiling = None
    if epsilon is not None:
        c = dp_ceiling(check_epsilon(epsilon), delta)
        ceiling = {
            "epsilon": c.epsilon, "delta": c.delta, "auc": c.auc, "advantage": c.advantage,
            "tpr_at_fpr": {fpr_key(f): c.tpr_at_fpr(f) for f in fprs},
        }  # fmt: skip
        if bound.lower > c.epsilon:
            notes.append(
                f"the empirical lower bound ε ≥ {bound.lower:.4g} exceeds the claimed ε "
                f"{c.epsilon:g}: the DP claim or its accounting is wrong"
            )
    return ProbeReport(
        attack=attack, n_members=len(member_scores), n_non_members=n_non, auc=curve.auc,
        auc_interval=_bootstrap_auc(member_scores, non_member_scores, seed),
        advantage=curve.advantage, tpr_at_fpr=tuple(entries),
        empirical_epsilon={
            "lower": bound.lower, "estimate": finite_or_none(bound.estimate),
            "upper": finite_or_none(bound.upper), "confidence": confidence, "delta": delta,
            "method": "Clopper-Pearson, Bonferroni over "
                      f"{bound.thresholds_tried} thresholds",
            "threshold": bound.threshold, "tpr": bound.tpr, "fpr": bound.fpr,
        },
        ceiling=ceiling, seed=seed, roc=_compact_roc(curve.fpr, curve.tpr), notes=tuple(notes),
    )  # fmt: skip


def _bootstrap_auc(members: FloatArray, non_members: FloatArray, seed: int) -> tuple[float, float]:
    """Percentile bootstrap of the AUC (Mann–Whitney form), resampling each set separately."""
    rng = np.random.default_rng(seed)
    aucs = np.empty(_BOOTSTRAP_ROUNDS)
    for index in range(_BOOTSTRAP_ROUNDS):
        m = rng.choice(members, size=len(members))
        n = rng.choice(non_members, size=len(non_members))
        aucs[index] = roc(m, n).auc
    low, high = np.quantile(aucs, [0.025, 0.975])
    return float(low), float(high)


def _compact_roc(fpr: FloatArray, tpr: FloatArray) -> dict[str, list[float]]:
    """Every point up to FPR 10% (gates read there), a thinned curve beyond."""
    low = np.flatnonzero(fpr <= _ROC_EXACT_UP_TO_FPR)
    high = np.flatnonzero(fpr > _ROC_EXACT_UP_TO_FPR)
    if len(high) > _ROC_MAX_POINTS:
        high = high[np.linspace(0, len(high) - 1, _ROC_MAX_POINTS).astype(int)]
    keep = np.r_[low, high]
    return {"fpr": fpr[keep].round(8).tolist(), "tpr": tpr[keep].round(8).tolist()}


def _take(data: Any, index: Any) -> Any:
    if hasattr(data, "iloc"):
        return data.iloc[index]
    return np.asarray(data)[index]
