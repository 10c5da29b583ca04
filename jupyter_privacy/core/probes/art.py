"""The Adversarial Robustness Toolbox (ART), loaded lazily, and the adapters its attacks need.

ART's attribute-inference and model-inversion attacks take an ART estimator. Any model the kit
probes (a scikit-learn classifier, a Keras model, or a `predict_proba` function) becomes a
`TargetModel` here: one `predict_proba` on the attacker's full rows, and, for MIFace, an estimator
with class gradients. Without ART a MissingExtraError names `pip install "jupyter-privacy[probes]"`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from jupyter_privacy.core.errors import InvalidParameterError, require_extra
from jupyter_privacy.core.probes.metrics import FloatArray

ART_EXTRA = "probes"
_QUERY_BATCH = 65536


def require_art() -> Any:
    """Import ART (quietly: it warns about PyTorch, which the kit does not use)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        art = require_extra("art", ART_EXTRA)
        require_extra("art.attacks.inference.attribute_inference", ART_EXTRA)
        require_extra("art.attacks.inference.model_inversion", ART_EXTRA)
    return art


def art_library() -> str:
    """What the report names as the attacks' source."""
    return f"adversarial-robustness-toolbox {require_art().__version__}"


@dataclass(frozen=True)
class TargetModel:
    """The model under attack, seen through its class probabilities on rows of `n_features`."""

    predict_proba: Callable[[Any], FloatArray]
    n_features: int
    n_classes: int
    kind: str  # "scikit-learn", "keras" or "function"
    model: Any
    classes: tuple[Any, ...] | None = None  # scikit-learn's classes_, to map labels to columns

    def label_index(self, labels: Any) -> Any:
        """Labels as probability columns (scikit-learn models may use labels other than 0..k−1)."""
        values = np.asarray(labels)
        if self.classes is None:
            index = values.astype(int)
        else:
            known = np.asarray(self.classes)
            index = np.searchsorted(known, values)
            index = np.clip(index, 0, len(known) - 1)
            if np.any(known[index] != values):
                raise InvalidParameterError(
                    "some labels are not among the model's classes; pass the labels it was trained on"
                )
        if np.any((index < 0) | (index >= self.n_classes)):
            raise InvalidParameterError(f"labels must be class indices 0..{self.n_classes - 1}")
        return index


def target_model(
    model: Any,
    *,
    n_features: int | None = None,
    n_classes: int | None = None,
    from_logits: bool | None = None,
) -> TargetModel:
    """Adapt a scikit-learn classifier, a Keras model or a `predict_proba(x)` function."""
    if isinstance(model, TargetModel):
        return model
    if _is_keras(model):
        return _keras_target(model, from_logits)
    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        width = int(getattr(model, "n_features_in_", n_features or 0))
        if not width:
            raise InvalidParameterError("cannot tell how many features the model reads; pass "
                                        "n_features")  # fmt: skip
        classes = tuple(model.classes_.tolist())
        return TargetModel(_checked(model.predict_proba), width, len(classes), "scikit-learn",
                           model, classes)  # fmt: skip
    if callable(model):
        if n_features is None or n_classes is None:
            raise InvalidParameterError(
                "a predict_proba function needs n_features and n_classes (what it reads, what "
                "it returns)"
            )
        return TargetModel(_checked(model), n_features, n_classes, "function", model)
    raise InvalidParameterError(
        f"cannot probe a {type(model).__name__}: pass a scikit-learn classifier, a Keras model or "
        "a predict_proba(x) function"
    )


def _checked(predict_proba: Callable[[Any], Any]) -> Callable[[Any], FloatArray]:
    def probabilities(x: Any) -> FloatArray:
        out = np.asarray(predict_proba(np.asarray(x, dtype=np.float32)), dtype=np.float64)
        if out.ndim != 2 or out.shape[0] != len(x) or not np.all(np.isfinite(out)):
            raise InvalidParameterError(
                f"the model returned {out.shape} for {len(x)} rows; expected finite class "
                "probabilities of shape (rows, classes)"
            )
        return out

    return probabilities


def _is_keras(model: Any) -> bool:
    module = type(model).__module__
    return module.startswith(("keras", "tf_keras", "tensorflow")) and hasattr(model, "predict")


def _keras_target(model: Any, from_logits: bool | None) -> TargetModel:
    from jupyter_privacy.core.probes.keras import outputs_logits

    tf = require_extra("tensorflow", "tf")
    logits = outputs_logits(model) if from_logits is None else from_logits
    width = int(model.input_shape[-1])
    outputs = int(model.output_shape[-1])

    def probabilities(x: Any) -> Any:
        raw = model.predict(x, batch_size=4096, verbose=0)
        if outputs == 1:  # one sigmoid (or logit) output: P(class 1)
            p = tf.math.sigmoid(raw).numpy() if logits else raw
            return np.hstack([1 - p, p])
        return tf.nn.softmax(raw).numpy() if logits else raw

    return TargetModel(_checked(probabilities), width, max(outputs, 2), "keras", model)


def black_box_estimator(target: TargetModel, width: int, hidden: Sequence[int] = ()) -> Any:
    """ART BlackBoxClassifier over the attacker's full rows; `hidden` columns are the ones the model
    does not read (a sensitive attribute kept out of its inputs), dropped before each query."""
    require_art()
    from art.estimators.classification import BlackBoxClassifier

    keep = np.setdiff1d(np.arange(width), np.asarray(hidden, dtype=int))

    def predict(x: Any) -> FloatArray:
        return target.predict_proba(np.asarray(x)[:, keep])

    class WholeBatches(BlackBoxClassifier):  # type: ignore[misc]
        """ART queries 128 rows at a time by default: one call per set is much faster (Keras)."""

        def predict(self, x: Any, batch_size: int = _QUERY_BATCH, **kwargs: Any) -> Any:
            return super().predict(x, batch_size=batch_size, **kwargs)

    return WholeBatches(predict, input_shape=(width,), nb_classes=target.n_classes)


@dataclass(frozen=True)
class GradientEstimator:
    """What MIFace climbs: ART's classifier and whether its outputs are log-probabilities."""

    estimator: Any
    log_probabilities: bool


def gradient_estimator(target: TargetModel, clip_values: tuple[float, float]) -> GradientEstimator:
    """An ART classifier with class gradients, as MIFace needs (Keras, or scikit-learn linear).

    A Keras model is climbed on its log-probabilities: MIFace's own cost, 1 − probability, has no
    gradient once the model is confident (saturated softmax), which stalls the attack on exactly the
    sharp models it should expose. scikit-learn's linear models keep ART's probability gradients.
    """
    require_art()
    if target.kind == "keras":
        import tensorflow as tf
        from art.estimators.classification import TensorFlowV2Classifier

        from jupyter_privacy.core.probes.keras import outputs_logits

        if outputs_logits(target.model):
            head = tf.keras.layers.Lambda(tf.nn.log_softmax)
        else:
            head = tf.keras.layers.Lambda(lambda p: tf.math.log(tf.maximum(p, 1e-12)))
        model = tf.keras.Sequential([target.model, head])
        classifier = TensorFlowV2Classifier(model, nb_classes=target.n_classes,
                                            input_shape=(target.n_features,),
                                            clip_values=clip_values)  # fmt: skip
        return GradientEstimator(classifier, log_probabilities=True)
    if target.kind == "scikit-learn":
        from art.estimators.classification import SklearnClassifier

        estimator = SklearnClassifier(target.model, clip_values=clip_values)
        if hasattr(estimator, "class_gradient"):
            return GradientEstimator(estimator, log_probabilities=False)
    raise InvalidParameterError(
        f"model inversion (MIFace) needs class gradients: a Keras model or a scikit-learn "
        f"LogisticRegression/SVC, not a {type(target.model).__name__}"
    )


def attack_classifier(seed: int) -> Any:
    """The learned attacks' model: seeded gradient-boosted trees (stopping early on a held-out tenth
    of the attacker's rows, so a small auxiliary set is not memorised) behind ART's wrapper."""
    require_art()
    from art.estimators.classification import SklearnClassifier
    from sklearn.ensemble import HistGradientBoostingClassifier

    with _unfitted_quietly():
        return SklearnClassifier(
            HistGradientBoostingClassifier(early_stopping=True, random_state=seed)
        )


def attack_regressor(seed: int) -> Any:
    require_art()
    from art.estimators.regression.scikitlearn import ScikitlearnRegressor
    from sklearn.ensemble import HistGradientBoostingRegressor

    with _unfitted_quietly():
        return ScikitlearnRegressor(
            HistGradientBoostingRegressor(early_stopping=True, random_state=seed)
        )


@contextmanager
def _unfitted_quietly() -> Iterator[None]:
    """ART logs a warning when it wraps a model not fitted yet; the attack fits it next."""
    logger = logging.getLogger("art")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def one_thread() -> Iterator[None]:
    """Fit the attack models on one OpenMP thread: on a shared machine, scikit-learn's gradient
    boosting slows down 40-fold when its threads compete with other processes (measured)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def label_posterior_oracle(estimator: Any, prior: Callable[[Any], FloatArray]) -> Any:
    """A membership score for ART's AttributeInferenceMembership: prior(v) · p(y | x with v).

    Picking the candidate value with the highest score is the maximum-a-posteriori attack of
    Fredrikson et al. (2014); Yeom et al. (2018) reduce attribute inference to membership this way
    (a training member's true value is the one the model fits best).
    """
    require_art()
    from art.attacks.attack import MembershipInferenceAttack
    from art.estimators.classification.classifier import ClassifierMixin
    from art.estimators.estimator import BaseEstimator

    class LabelPosterior(MembershipInferenceAttack):  # type: ignore[misc]
        _estimator_requirements = (BaseEstimator, ClassifierMixin)

        def infer(self, x: Any, y: Any = None, **kwargs: Any) -> Any:
            rows = np.arange(len(x))
            fit = self.estimator.predict(x, batch_size=len(x))[rows, np.asarray(y, dtype=int)]
            return (fit * prior(x)).reshape(-1, 1)

    return LabelPosterior(estimator)
