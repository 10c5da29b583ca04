"""Model inversion: what the model lets an attacker rebuild, measured against the training data.

- **Class representatives** (image-like models): ART's MIFace (Fredrikson et al. 2015) climbs each
  class's probability by gradient steps from the attacker's average row. The similarity is the
  cosine between the reconstruction and the class mean, both centred on the set's overall mean (so
  the shared background of every image does not count): 0 = no resemblance, 1 = the class mean
  itself. It matters most where a class is one person (faces, voices); for population classes
  such as digits it measures how much class appearance the model carries, which shrinks with ε.
- **A sensitive feature** (tabular models): ART's AttributeInferenceBlackBox as a regression
  (the model's predicted class and the other features → the feature), and, when the model reads
  the feature and the attacker knows the label, the most probable value on a grid over the public
  range (AttributeInferenceMembership, as in attribute.py). Errors are a fraction of the public
  range; the similarity is 1 − error / baseline error, the baseline (ART's) seeing no model.

Figures come for members and non-members; reports keep aggregates only, never a reconstruction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.probes import art as art_adapters
from jupyter_privacy.core.probes.leakage import (
    LeakageReport,
    check_confidence,
    compare_populations,
    exposure_note,
    headline_of,
)
from jupyter_privacy.core.probes.metrics import FloatArray
from jupyter_privacy.core.probes.rows import (
    MIN_TARGETS,
    Rows,
    as_rows,
    model_reads,
    probe_sets,
    sensitive_columns,
)
from jupyter_privacy.core.validation import check_delta, check_epsilon, check_positive_int

GRID_POINTS = 21


def _claim(epsilon: float | None, delta: float) -> dict[str, Any] | None:
    if epsilon is None:
        return None
    return {"epsilon": check_epsilon(epsilon), "delta": check_delta(delta)}


# -- class representatives (MIFace) ---------------------------------------------------------------
def class_representatives(
    model: Any,
    classes: Sequence[int],
    *,
    start: Any,
    clip_values: tuple[float, float] = (0.0, 1.0),
    max_iter: int = 150,
    learning_rate: float | None = None,
    from_logits: bool | None = None,
) -> FloatArray:
    """MIFace reconstructions, one row per class, from the row `start` (the attacker's prior).

    Every class runs all `max_iter` steps. Keras models are climbed on their log-probabilities
    (see art.gradient_estimator), by steps of 0.1; scikit-learn's on probabilities, by steps of 2
    (their gradients are that much smaller), unless `learning_rate` says otherwise. The result is as private as the model: keep it out of reports
    when the model is not public.
    """
    art_adapters.require_art()
    from art.attacks.inference.model_inversion import MIFace

    max_iter = check_positive_int(max_iter, "max_iter")
    target = art_adapters.target_model(model, from_logits=from_logits)
    climbed = art_adapters.gradient_estimator(target, clip_values)
    labels = target.label_index(np.asarray(classes))
    first = np.asarray(start, dtype=np.float32).reshape(1, -1)
    if first.shape[1] != target.n_features:
        raise InvalidParameterError(f"start has {first.shape[1]} values; the model reads "
                                    f"{target.n_features}")  # fmt: skip
    # ART's early stop keeps a class going only while its cost (1 − output) is ≤ threshold: an
    # infinite threshold (log-probabilities) or 1.0 (probabilities) runs every step.
    threshold = float("inf") if climbed.log_probabilities else 1.0
    step = default_step(climbed.log_probabilities) if learning_rate is None else learning_rate
    attack = MIFace(climbed.estimator, max_iter=max_iter, window_length=max(max_iter, 1),
                    threshold=threshold, learning_rate=float(step),
                    batch_size=len(labels), verbose=False)  # fmt: skip
    inverted: FloatArray = attack.infer(np.repeat(first, len(labels), axis=0), labels)
    return inverted.astype(np.float64)


def default_step(log_probabilities: bool) -> float:
    return 0.1 if log_probabilities else 2.0


def class_similarity(
    reconstructions: FloatArray, classes: Sequence[Any], rows: Rows
) -> dict[str, Any]:
    """Centred cosine of each reconstruction to its class mean in `rows`, and how many classes are
    identified (their reconstruction is closer to their own mean than to any other class's)."""
    centre = rows.x.mean(axis=0)
    labels = np.asarray(rows.y)
    missing = [c for c in classes if not np.any(labels == c)]
    if missing:
        raise InvalidParameterError(f"{rows.name}: {len(missing)} of the classes have no rows; "
                                    "probe only classes present in both sets")  # fmt: skip
    means = np.stack([rows.x[labels == c].mean(axis=0) for c in classes]) - centre
    shifted = reconstructions - centre
    norms = np.linalg.norm(shifted, axis=1)[:, None] * np.linalg.norm(means, axis=1)[None, :]
    cosines = np.divide(shifted @ means.T, norms, out=np.zeros((len(classes),) * 2),
                        where=norms > 0)  # fmt: skip
    own = np.diag(cosines)
    identified = np.argmax(cosines, axis=1) == np.arange(len(classes))
    return {
        "classes": len(classes),
        "similarity": round(float(own.mean()), 6),
        "similarity_min": round(float(own.min()), 6),
        "similarity_max": round(float(own.max()), 6),
        "identified": round(float(identified.mean()), 6),
    }


def class_inversion_probe(
    model: Any,
    *,
    members: tuple[Any, Any],
    non_members: tuple[Any, Any],
    auxiliary: Any | None = None,
    classes: Sequence[int] | None = None,
    clip_values: tuple[float, float] = (0.0, 1.0),
    max_iter: int = 150,
    learning_rate: float | None = None,
    seed: int = 0,
    epsilon: float | None = None,
    delta: float = 0.0,
    from_logits: bool | None = None,
) -> LeakageReport:
    """MIFace class representatives, compared with the members' and the non-members' class means.

    `auxiliary` (rows the attacker holds) gives the starting row, its mean; without it, the middle
    of `clip_values`. MIFace is deterministic; `seed` is recorded for the report's provenance.
    """
    m, n, _ = probe_sets(members, non_members, None)
    low, high = (float(v) for v in clip_values)
    if not low < high:
        raise InvalidParameterError(f"clip_values must be (low, high) with low < high, got "
                                    f"{clip_values}")  # fmt: skip
    chosen = sorted(set(np.asarray(m.y).tolist())) if classes is None else list(classes)
    if len(chosen) < 2:
        raise InvalidParameterError("model inversion needs at least two classes")
    if auxiliary is not None:
        aux = as_rows((auxiliary, np.zeros(len(auxiliary))), "auxiliary", width=m.x.shape[1])
        start, where, n_aux = aux.x.mean(axis=0), "the auxiliary rows' mean", len(aux)
    else:
        start, where, n_aux = np.full(m.x.shape[1], (low + high) / 2), "mid-range", 0
    inverted = class_representatives(model, chosen, start=start, clip_values=(low, high),
                                     max_iter=max_iter, learning_rate=learning_rate,
                                     from_logits=from_logits)  # fmt: skip
    attack: dict[str, Any] = {
        "name": "miface",
        "method": f"ART MIFace (Fredrikson et al. 2015), {max_iter} gradient steps "
                  f"({'default size' if learning_rate is None else f'of {learning_rate:g}'}) "
                  f"from {where}",
        "baseline": "none: 0 means no resemblance beyond the average row",
        "members": class_similarity(inverted, chosen, m),
        "non_members": class_similarity(inverted, chosen, n),
    }  # fmt: skip
    attack["gated"] = {"value": attack["members"]["similarity"], "interval": None,
                       "reads": "members"}  # fmt: skip
    notes = ("the similarity of a class representative to the class mean shows what the model "
             "reveals about a class; where a class is one person it is that person's likeness",)  # fmt: skip
    return LeakageReport(
        metric="inversion_similarity", target=f"class representatives ({len(chosen)} classes)",
        value=attack["members"]["similarity"], interval=None, attack="miface",
        attacks=(attack,), n_members=len(m), n_non_members=len(n), n_auxiliary=n_aux,
        confidence=0.95, seed=seed, library=art_adapters.art_library(),
        claim=_claim(epsilon, delta), notes=notes,
    )  # fmt: skip


# -- a sensitive feature of tabular rows --------------------------------------------------------
def feature_reconstruction_probe(
    model: Any,
    *,
    members: tuple[Any, Any],
    non_members: tuple[Any, Any],
    auxiliary: tuple[Any, Any],
    feature: int,
    bounds: tuple[float, float],
    name: str = "sensitive feature",
    knows_label: bool = False,
    attacks: Sequence[str] | None = None,
    confidence: float = 0.95,
    seed: int = 0,
    epsilon: float | None = None,
    delta: float = 0.0,
    n_classes: int | None = None,
    from_logits: bool | None = None,
) -> LeakageReport:
    """Reconstruct one numeric column; `bounds` is its public range (never read from the data)."""
    m, n, aux = probe_sets(members, non_members, auxiliary)
    assert aux is not None
    confidence = check_confidence(confidence)
    low, high = (float(v) for v in bounds)
    if not low < high:
        raise InvalidParameterError(f"bounds must be (low, high) with low < high, got {bounds}")
    width = m.x.shape[1]
    column = sensitive_columns(feature, width)
    if column.one_hot:
        raise InvalidParameterError("reconstruct one numeric column; for a one-hot category use "
                                    "attribute_inference_probe")  # fmt: skip
    target = art_adapters.target_model(model, n_features=width, n_classes=n_classes,
                                       from_logits=from_logits)  # fmt: skip
    reads = model_reads(column, target.n_features, width)
    applicable = {"black-box": None, "posterior": None if reads and knows_label else
                  "needs the attacker to know the label and the model to read the feature"}  # fmt: skip
    chosen = list(applicable) if attacks is None else list(dict.fromkeys(attacks))
    if attacks is None:
        chosen = [a for a in chosen if applicable[a] is None]
    for attack in chosen:
        if attack not in applicable:
            raise InvalidParameterError(f"unknown attack {attack!r}; use black-box or posterior")
        if applicable[attack]:
            raise InvalidParameterError(f"the {attack} attack {applicable[attack]}")
    context = _Reconstruction(target, column.columns[0], (low, high), reads, knows_label, aux, seed)
    with art_adapters.one_thread():
        results = [context.run(attack, (m, n), confidence) for attack in chosen]
    best, value, interval = headline_of(results)
    return LeakageReport(
        metric="inversion_similarity", target=name, value=value, interval=interval, attack=best,
        attacks=tuple(results), n_members=len(m), n_non_members=len(n), n_auxiliary=len(aux),
        confidence=confidence, seed=seed, library=art_adapters.art_library(),
        claim=_claim(epsilon, delta),
        notes=(f"errors are fractions of the public range [{low:g}, {high:g}]",
               *exposure_note(results, "similarity")),
    )  # fmt: skip


class _Reconstruction:
    def __init__(
        self,
        target: art_adapters.TargetModel,
        column: int,
        bounds: tuple[float, float],
        reads: bool,
        knows_label: bool,
        auxiliary: Rows,
        seed: int,
    ) -> None:
        if len(auxiliary) < MIN_TARGETS:
            raise InvalidParameterError(f"the attacker needs at least {MIN_TARGETS} auxiliary rows")
        self.target, self.column, self.bounds = target, column, bounds
        self.knows_label, self.aux, self.seed = knows_label, auxiliary, seed
        hidden = () if reads else (column,)
        self.estimator = art_adapters.black_box_estimator(target, auxiliary.x.shape[1], hidden)
        self._fitted_baseline: tuple[Any, str] | None = None

    def _labels(self, rows: Rows) -> Any:
        return self.target.label_index(rows.y) if self.knows_label else None

    def _without(self, x: FloatArray) -> FloatArray:
        return np.delete(x, self.column, axis=1)

    def run(self, attack: str, targets: tuple[Rows, Rows], confidence: float) -> dict[str, Any]:
        infer = self._black_box() if attack == "black-box" else self._posterior()
        baseline, baseline_name = self._baseline()
        low, high = self.bounds
        result: dict[str, Any] = {"name": attack, "method": _METHODS[attack],
                                  "baseline": baseline_name, "knows_label": self.knows_label}  # fmt: skip
        errors = []
        for rows in targets:
            truth = np.clip(rows.x[:, self.column], low, high)
            errors.append(tuple(
                np.abs(np.clip(np.asarray(guess, dtype=np.float64).reshape(-1), low, high) - truth)
                / (high - low) for guess in (infer(rows), baseline(rows))
            ))  # fmt: skip
        return result | compare_populations("error", *errors, confidence=confidence,
                                            seed=self.seed)  # fmt: skip

    def _black_box(self) -> Any:
        from art.attacks.inference.attribute_inference import AttributeInferenceBlackBox

        attack = AttributeInferenceBlackBox(
            self.estimator, attack_model=art_adapters.attack_regressor(self.seed),
            attack_feature=self.column, is_continuous=True,
        )  # fmt: skip
        attack.fit(self.aux.x, self._labels(self.aux))

        def infer(rows: Rows) -> Any:
            predicted = self.estimator.predict(rows.x).argmax(axis=1).reshape(-1, 1)
            return attack.infer(self._without(rows.x), self._labels(rows), pred=predicted)

        return infer

    def _posterior(self) -> Any:
        """The most probable grid value given the label, weighted by the auxiliary histogram."""
        from art.attacks.inference.attribute_inference import AttributeInferenceMembership

        low, high = self.bounds
        grid = np.linspace(low, high, GRID_POINTS)
        nearest = np.abs(np.clip(self.aux.x[:, self.column], low, high)[:, None] - grid).argmin(1)
        counts = np.bincount(nearest, minlength=GRID_POINTS) + 1.0
        shares = counts / counts.sum()

        def prior(x: Any) -> FloatArray:
            result: FloatArray = shares[np.abs(x[:, self.column][:, None] - grid).argmin(axis=1)]
            return result

        oracle = art_adapters.label_posterior_oracle(self.estimator, prior)
        attack = AttributeInferenceMembership(self.estimator, oracle, attack_feature=self.column)
        return lambda rows: attack.infer(self._without(rows.x), self._labels(rows),
                                         values=grid.tolist())  # fmt: skip

    def _baseline(self) -> tuple[Any, str]:
        if self._fitted_baseline is None:
            self._fitted_baseline = self._fit_baseline()
        return self._fitted_baseline

    def _fit_baseline(self) -> tuple[Any, str]:
        from art.attacks.inference.attribute_inference import (
            AttributeInferenceBaseline,
            AttributeInferenceBaselineTrueLabel,
        )

        # attack_model_type="rf" only steers ART 1.20 past its PyTorch branch (see attribute.py).
        options = dict(attack_model=art_adapters.attack_regressor(self.seed),
                       attack_model_type="rf", attack_feature=self.column, is_continuous=True)  # fmt: skip
        if self.knows_label:
            baseline = AttributeInferenceBaselineTrueLabel(**options)
            one_hot = np.eye(self.target.n_classes)
            baseline.fit(self.aux.x, one_hot[self._labels(self.aux)])
            return (lambda rows: baseline.infer(self._without(rows.x), one_hot[self._labels(rows)]),
                    "ART AttributeInferenceBaselineTrueLabel (no model; features and label)")  # fmt: skip
        plain = AttributeInferenceBaseline(**options)
        plain.fit(self.aux.x)
        return (lambda rows: plain.infer(self._without(rows.x)),
                "ART AttributeInferenceBaseline (no model; features only)")  # fmt: skip


_METHODS = {
    "black-box": "ART AttributeInferenceBlackBox as a regression, gradient-boosted trees on the "
    "model's predicted class",
    "posterior": f"ART AttributeInferenceMembership, most probable of {GRID_POINTS} values over "
    "the public range given the label (Fredrikson et al. 2014)",
}
