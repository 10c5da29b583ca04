"""Attribute inference: given a person's other features, does the model reveal a sensitive one?

Every attack comes from the Adversarial Robustness Toolbox (ART) and runs twice, on training
members and on non-members, each time next to ART's baseline that has the same knowledge but no
model; the accuracy difference (the *advantage*) is what the model gives away.

- ``black-box`` (AttributeInferenceBlackBox): a model learnt on the attacker's auxiliary rows maps
  the other features, the target model's predicted class (and the true label when the attacker
  knows it) to the attribute. Baseline: AttributeInferenceBaselineTrueLabel, or
  AttributeInferenceBaseline without the label.
- ``posterior`` (AttributeInferenceMembership): tries every value and keeps the one under which the
  model best explains the known label, weighted by the value's frequency in the auxiliary rows:
  the maximum-a-posteriori attack of Fredrikson et al. (2014), through Yeom et al.'s (2018)
  reduction to membership. Needs the label and a model that reads the attribute.
- ``white-box-tree`` / ``lifestyle-tree`` (AttributeInferenceWhiteBoxDecisionTree /
  …LifestyleDecisionTree, Fredrikson et al. 2015): for a scikit-learn decision tree, with the
  attribute in one column of codes.

The auxiliary rows (every column and the label) are the attacker's knowledge. ART's own setting
draws them from the training data (an attacker who knows some members: the stronger case, and the
one DP is designed for); population rows model a weaker attacker.
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
from jupyter_privacy.core.probes.rows import (
    Rows,
    Sensitive,
    check_one_hot,
    model_reads,
    probe_sets,
    sensitive_columns,
)
from jupyter_privacy.core.validation import check_delta, check_epsilon

ATTACKS = ("black-box", "posterior", "white-box-tree", "lifestyle-tree")
_SATURATED = 0.9


def attribute_inference_probe(
    model: Any,
    *,
    members: tuple[Any, Any],
    non_members: tuple[Any, Any],
    auxiliary: tuple[Any, Any],
    sensitive: int | slice | Sequence[int],
    name: str = "sensitive attribute",
    knows_label: bool = True,
    attacks: Sequence[str] | None = None,
    confidence: float = 0.95,
    seed: int = 0,
    epsilon: float | None = None,
    delta: float = 0.0,
    n_classes: int | None = None,
    from_logits: bool | None = None,
) -> LeakageReport:
    """Run the applicable (or the named) attacks; rows hold every column, the attribute included.

    `sensitive` is the attribute's column (codes) or its adjacent one-hot columns. A model that
    does not read the attribute is recognised by its input width and queried without those columns.
    """
    m, n, aux = probe_sets(members, non_members, auxiliary)
    assert aux is not None
    confidence = check_confidence(confidence)
    width = m.x.shape[1]
    attribute = sensitive_columns(sensitive, width)
    check_one_hot(attribute, m, n, aux)
    target = art_adapters.target_model(model, n_features=width, n_classes=n_classes,
                                       from_logits=from_logits)  # fmt: skip
    reads = model_reads(attribute, target.n_features, width)
    chosen = _choose_attacks(attacks, target, attribute, reads=reads, knows_label=knows_label)
    with art_adapters.one_thread():
        context = _Context(target, attribute, reads, knows_label, aux, seed)
        results = [context.run(attack, (m, n), confidence) for attack in chosen]
    best, value, interval = headline_of(results)
    notes = list(exposure_note(results, "advantage"))
    if np.max(np.bincount(_codes(attribute, aux.x))) / len(aux) > _SATURATED:
        notes.append("one value of the attribute covers over 90% of the auxiliary rows: accuracy "
                     "saturates near that share, so even a model that uses the attribute shows "
                     "a small advantage")  # fmt: skip
    if not reads:
        notes.append("the model does not read the attribute: any advantage comes from what its "
                     "outputs say about correlated features or memorised labels")  # fmt: skip
    return LeakageReport(
        metric="attribute_inference_advantage", target=name, value=value, interval=interval,
        attack=best, attacks=tuple(results), n_members=len(m), n_non_members=len(n),
        n_auxiliary=len(aux), confidence=confidence, seed=seed,
        library=art_adapters.art_library(), claim=_claim(epsilon, delta), notes=tuple(notes),
    )  # fmt: skip


def _claim(epsilon: float | None, delta: float) -> dict[str, Any] | None:
    if epsilon is None:
        return None
    return {"epsilon": check_epsilon(epsilon), "delta": check_delta(delta)}


def _codes(attribute: Sensitive, x: Any) -> Any:
    codes = attribute.codes(x)
    return np.unique(codes, return_inverse=True)[1]


def _choose_attacks(
    requested: Sequence[str] | None,
    target: art_adapters.TargetModel,
    attribute: Sensitive,
    *,
    reads: bool,
    knows_label: bool,
) -> list[str]:
    is_tree = (
        target.kind == "scikit-learn" and type(target.model).__name__ == "DecisionTreeClassifier"
    )
    why_not = {
        "black-box": None,
        "posterior": None if reads and knows_label else
        "needs the attacker to know the label and the model to read the attribute",
        "white-box-tree": None if is_tree and reads and knows_label and not attribute.one_hot else
        "needs a scikit-learn DecisionTreeClassifier that reads the attribute as one column, and "
        "the label",
        "lifestyle-tree": None if is_tree and reads and not attribute.one_hot else
        "needs a scikit-learn DecisionTreeClassifier that reads the attribute as one column",
    }  # fmt: skip
    if requested is None:
        return [a for a in ATTACKS if why_not[a] is None]
    if not requested:
        raise InvalidParameterError(f"name at least one attack: {', '.join(ATTACKS)}")
    for attack in requested:
        if attack not in why_not:
            raise InvalidParameterError(f"unknown attack {attack!r}; use {', '.join(ATTACKS)}")
        if why_not[attack]:
            raise InvalidParameterError(f"the {attack} attack {why_not[attack]}")
    return list(dict.fromkeys(requested))


class _Context:
    """What every attack of one probe shares: the target, the attribute and the attacker's rows."""

    def __init__(
        self,
        target: art_adapters.TargetModel,
        attribute: Sensitive,
        reads: bool,
        knows_label: bool,
        auxiliary: Rows,
        seed: int,
    ) -> None:
        self.target, self.attribute, self.reads = target, attribute, reads
        self.knows_label, self.aux, self.seed = knows_label, auxiliary, seed
        width = auxiliary.x.shape[1]
        hidden = () if reads else attribute.columns
        self.estimator = art_adapters.black_box_estimator(target, width, hidden)
        self.values: list[Any] = (
            [[0.0, 1.0]] * len(attribute.columns) if attribute.one_hot
            else sorted(np.unique(attribute.codes(auxiliary.x)).tolist())
        )  # fmt: skip
        self._baselines: dict[bool, Any] = {}

    def run(self, attack: str, targets: tuple[Rows, Rows], confidence: float) -> dict[str, Any]:
        uses_label = attack != "lifestyle-tree" and self.knows_label
        infer = getattr(self, "_" + attack.replace("-", "_"))()
        baseline, baseline_name = self._baseline(uses_label)
        result: dict[str, Any] = {
            "name": attack, "method": _METHODS[attack], "baseline": baseline_name,
            "knows_label": uses_label,
        }  # fmt: skip
        hits = []
        for rows in targets:
            truth = self.attribute.codes(rows.x)
            hits.append((self._as_codes(infer(rows)) == truth,
                         self._as_codes(baseline(rows)) == truth))  # fmt: skip
        return result | compare_populations("accuracy", *hits, confidence=confidence,
                                            seed=self.seed)  # fmt: skip

    # -- what each attack needs: fitted on the auxiliary rows, then a function of the targets ----
    def _labels(self, rows: Rows) -> Any:
        return self.target.label_index(rows.y)

    def _one_hot_labels(self, rows: Rows) -> Any:
        return np.eye(self.target.n_classes)[self._labels(rows)]

    def _predicted(self, rows: Rows) -> Any:
        return self.estimator.predict(rows.x).argmax(axis=1).reshape(-1, 1)

    def _as_codes(self, inferred: Any) -> Any:
        inferred = np.asarray(inferred)
        if self.attribute.one_hot:
            return inferred.reshape(len(inferred), -1).argmax(axis=1)
        return inferred.reshape(-1)

    def _black_box(self) -> Any:
        from art.attacks.inference.attribute_inference import AttributeInferenceBlackBox

        attack = AttributeInferenceBlackBox(
            self.estimator, attack_model=art_adapters.attack_classifier(self.seed),
            attack_feature=self.attribute.feature,
        )  # fmt: skip
        attack.fit(self.aux.x, self._labels(self.aux) if self.knows_label else None)

        def infer(rows: Rows) -> Any:
            labels = self._labels(rows) if self.knows_label else None
            return attack.infer(self.attribute.without(rows.x), labels, pred=self._predicted(rows),
                                values=self.values)  # fmt: skip

        return infer

    def _posterior(self) -> Any:
        from art.attacks.inference.attribute_inference import AttributeInferenceMembership

        prior = self._prior()
        oracle = art_adapters.label_posterior_oracle(self.estimator, prior)
        attack = AttributeInferenceMembership(self.estimator, oracle,
                                              attack_feature=self.attribute.feature)  # fmt: skip
        return lambda rows: attack.infer(self.attribute.without(rows.x), self._labels(rows),
                                         values=self.values)  # fmt: skip

    def _prior(self) -> Any:
        """Each value's share of the auxiliary rows (add-one smoothed), looked up per candidate."""
        codes = self.attribute.codes(self.aux.x)
        if self.attribute.one_hot:
            counts = np.bincount(codes.astype(int), minlength=len(self.attribute.columns)) + 1.0
            shares = counts / counts.sum()
            return lambda x: shares[self.attribute.codes(x).astype(int)]
        values = np.asarray(self.values)
        counts = np.array([np.sum(codes == v) for v in values]) + 1.0
        shares = counts / counts.sum()
        return lambda x: shares[np.searchsorted(values, self.attribute.codes(x))]

    def _tree_estimator(self) -> Any:
        from art.estimators.classification.scikitlearn import ScikitlearnDecisionTreeClassifier

        column = self.attribute.columns[0]
        if column >= self.aux.x.shape[1] - 1:
            raise InvalidParameterError(
                "ART's decision-tree attacks cannot attack the last column; put the attribute "
                "before another feature when training the tree"
            )
        return ScikitlearnDecisionTreeClassifier(self.target.model)

    def _tree_priors(self) -> list[float]:
        codes = self.attribute.codes(self.aux.x)
        return [float(np.mean(codes == v)) for v in self.values]

    def _white_box_tree(self) -> Any:
        from art.attacks.inference.attribute_inference import (
            AttributeInferenceWhiteBoxDecisionTree,
        )

        attack = AttributeInferenceWhiteBoxDecisionTree(self._tree_estimator(),
                                                        attack_feature=self.attribute.columns[0])  # fmt: skip
        priors = self._tree_priors()
        return lambda rows: attack.infer(self.attribute.without(rows.x), self._labels(rows),
                                         values=self.values, priors=priors)  # fmt: skip

    def _lifestyle_tree(self) -> Any:
        from art.attacks.inference.attribute_inference import (
            AttributeInferenceWhiteBoxLifestyleDecisionTree,
        )

        attack = AttributeInferenceWhiteBoxLifestyleDecisionTree(
            self._tree_estimator(), attack_feature=self.attribute.columns[0]
        )
        priors = self._tree_priors()
        return lambda rows: attack.infer(self.attribute.without(rows.x), values=self.values,
                                         priors=priors)  # fmt: skip

    def _baseline(self, uses_label: bool) -> tuple[Any, str]:
        """ART's no-model baseline with the same knowledge (the label when the attack has it)."""
        if uses_label not in self._baselines:
            from art.attacks.inference.attribute_inference import (
                AttributeInferenceBaseline,
                AttributeInferenceBaselineTrueLabel,
            )

            # attack_model_type="rf" only steers ART's code path: with an attack_model given,
            # its baselines otherwise take the PyTorch branch (ART 1.20).
            options = dict(attack_model=art_adapters.attack_classifier(self.seed),
                           attack_model_type="rf", attack_feature=self.attribute.feature)  # fmt: skip
            if uses_label:
                baseline = AttributeInferenceBaselineTrueLabel(**options)
                baseline.fit(self.aux.x, self._one_hot_labels(self.aux))

                def infer(rows: Rows) -> Any:
                    return baseline.infer(self.attribute.without(rows.x),
                                          self._one_hot_labels(rows), values=self.values)  # fmt: skip

                name = "ART AttributeInferenceBaselineTrueLabel (no model; features and label)"
            else:
                baseline = AttributeInferenceBaseline(**options)
                baseline.fit(self.aux.x)

                def infer(rows: Rows) -> Any:
                    return baseline.infer(self.attribute.without(rows.x), values=self.values)

                name = "ART AttributeInferenceBaseline (no model; features only)"
            self._baselines[uses_label] = (infer, name)
        return self._baselines[uses_label]  # type: ignore[no-any-return]


_METHODS = {
    "black-box": "ART AttributeInferenceBlackBox, gradient-boosted trees on the model's "
    "predicted class",
    "posterior": "ART AttributeInferenceMembership, most probable value given the label "
    "(Fredrikson et al. 2014)",
    "white-box-tree": "ART AttributeInferenceWhiteBoxDecisionTree",
    "lifestyle-tree": "ART AttributeInferenceWhiteBoxLifestyleDecisionTree",
}
