"""The model an encrypted scorer evaluates: dense layers with polynomial activations, one score out.

On CKKS ciphertexts only additions and multiplications exist, so a layer is `x·W + b` and an
activation is a polynomial (`x²`, or a low-degree fit of the sigmoid); ReLU and tanh have no
encrypted form. The multiplicative depth — one level per dense layer, ⌊log2 d⌋ + 1 for a degree-d
activation (what TenSEAL's `polyval` consumes, checked in tests) — sizes the CKKS parameters.

`plaintext_scores` runs the same arithmetic on plain numpy arrays: the reference encrypted scores
are compared with. A model file holds weights, never data: a DP-trained model's weights are
themselves a DP release, which is why the server may hold them in the clear.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.files import read_json_file

MODEL_FORMAT = "jupyter-privacy/he-model@1"
FloatArray = npt.NDArray[np.float64]


def save_json(path: str | Path, data: dict[str, Any]) -> Path:
    """Write a JSON artifact (model, report), creating its folder; returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return target


@dataclass(frozen=True)
class DenseLayer:
    weights: FloatArray  # (inputs, outputs)
    bias: FloatArray  # (outputs,)
    activation: tuple[float, ...] | None = None  # polynomial coefficients c0 + c1·x + c2·x² …

    @property
    def activation_depth(self) -> int:
        if self.activation is None:
            return 0
        return (len(self.activation) - 1).bit_length()

    def apply(self, x: FloatArray) -> FloatArray:
        out: FloatArray = x @ self.weights + self.bias
        if self.activation is None:
            return out
        result = np.zeros_like(out)
        for power, coefficient in enumerate(self.activation):
            result += coefficient * out**power
        return result

    def to_dict(self) -> dict[str, Any]:
        return {"weights": self.weights.tolist(), "bias": self.bias.tolist(),
                "activation": None if self.activation is None else list(self.activation)}  # fmt: skip


@dataclass(frozen=True)
class EncryptedModel:
    """Dense layers ending in one output (a logit): the label is `score > threshold`."""

    layers: tuple[DenseLayer, ...]
    feature_names: tuple[str, ...] = ()
    threshold: float = 0.0
    name: str = "model"
    notes: dict[str, Any] = field(default_factory=dict)  # provenance, e.g. the ledger release

    def __post_init__(self) -> None:
        if not self.layers:
            raise InvalidParameterError("an encrypted model needs at least one dense layer")
        inputs = self.layers[0].weights.shape[0]
        for index, layer in enumerate(self.layers):
            w, b = layer.weights, layer.bias
            if w.ndim != 2 or b.shape != (w.shape[1],) or w.shape[0] != inputs:
                raise InvalidParameterError(
                    f"layer {index}: weights of shape {w.shape} and bias of shape {b.shape} do not "
                    f"chain (expected ({inputs}, k) and (k,))"
                )
            if not (np.isfinite(w).all() and np.isfinite(b).all()):
                raise InvalidParameterError(f"layer {index} has non-finite weights")
            if layer.activation is not None and (
                len(layer.activation) < 2 or not all(math.isfinite(c) for c in layer.activation)
            ):
                raise InvalidParameterError(
                    f"layer {index}: an activation is a polynomial of degree ≥ 1 given by its "
                    "finite coefficients [c0, c1, …]"
                )
            inputs = w.shape[1]
        if inputs != 1:
            raise InvalidParameterError(
                f"the last layer has {inputs} outputs; encrypted scoring returns one score per row "
                "(for two softmax logits, use their difference: EncryptedModel.from_keras does)"
            )
        if self.layers[-1].activation is not None:
            raise InvalidParameterError(
                "the last layer must be linear (its output is the score, a logit)"
            )
        if self.feature_names and len(self.feature_names) != self.n_features:
            raise InvalidParameterError(
                f"{len(self.feature_names)} feature names for {self.n_features} inputs"
            )

    @property
    def n_features(self) -> int:
        return int(self.layers[0].weights.shape[0])

    @property
    def depth(self) -> int:
        """Multiplicative depth: the CKKS levels one score consumes."""
        return sum(1 + layer.activation_depth for layer in self.layers)

    @property
    def widths(self) -> tuple[int, ...]:
        return (self.n_features, *(int(layer.weights.shape[1]) for layer in self.layers))

    def check_features(self, x: Any) -> FloatArray:
        array = np.asarray(x, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != self.n_features:
            raise InvalidParameterError(
                f"expected rows of {self.n_features} features, got an array of shape {array.shape}"
            )
        if not np.isfinite(array).all():
            raise InvalidParameterError("features must be finite numbers (no NaN or infinity)")
        return array

    def plaintext_scores(self, x: Any) -> FloatArray:
        out = self.check_features(x)
        for layer in self.layers:
            out = layer.apply(out)
        return out[:, 0]

    def labels(self, scores: Any) -> npt.NDArray[np.bool_]:
        return np.asarray(scores, dtype=np.float64) > self.threshold

    def describe(self) -> str:
        shape = " → ".join(map(str, self.widths))
        acts = [f"degree-{len(a.activation) - 1} polynomial" for a in self.layers if a.activation]
        kind = "linear" if len(self.layers) == 1 else f"MLP ({', '.join(acts) or 'linear'})"
        return f"{self.name}: {kind}, {shape}, multiplicative depth {self.depth}"

    # -- files ------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"format": MODEL_FORMAT, "name": self.name, "threshold": self.threshold,
                "feature_names": list(self.feature_names), "depth": self.depth,
                "layers": [layer.to_dict() for layer in self.layers], "notes": self.notes}  # fmt: skip

    def save(self, path: str | Path) -> Path:
        return save_json(path, self.to_dict())

    @classmethod
    def from_dict(cls, data: Any) -> EncryptedModel:
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise InvalidParameterError(
                f"not an encrypted-scoring model file (format {MODEL_FORMAT!r} expected)"
            )
        try:
            layers = tuple(
                DenseLayer(np.asarray(item["weights"], dtype=np.float64),
                           np.asarray(item["bias"], dtype=np.float64),
                           None if item.get("activation") is None
                           else tuple(float(c) for c in item["activation"]))
                for item in data["layers"]
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidParameterError(f"model file: malformed layers ({error})") from None
        return cls(layers, tuple(data.get("feature_names") or ()), float(data.get("threshold", 0)),
                   str(data.get("name", "model")), dict(data.get("notes") or {}))  # fmt: skip

    @classmethod
    def load(cls, path: str | Path) -> EncryptedModel:
        return cls.from_dict(read_json_file(path, "encrypted-scoring model"))

    # -- from trained models ---------------------------------------------------------------------
    @classmethod
    def linear(
        cls, coefficients: Any, intercept: float, *, feature_names: Sequence[str] = (),
        threshold: float = 0.0, name: str = "logistic regression",
    ) -> EncryptedModel:  # fmt: skip
        w = np.asarray(coefficients, dtype=np.float64).reshape(-1, 1)
        return cls((DenseLayer(w, np.array([float(intercept)])),), tuple(feature_names),
                   threshold, name)  # fmt: skip

    @classmethod
    def mlp(
        cls, layers: Sequence[tuple[Any, Any, Sequence[float] | None]], *,
        feature_names: Sequence[str] = (), threshold: float = 0.0, name: str = "MLP",
    ) -> EncryptedModel:  # fmt: skip
        """Layers as (weights (in, out), bias (out,), activation coefficients or None)."""
        built = tuple(
            DenseLayer(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64).reshape(-1),
                       None if act is None else tuple(float(c) for c in act))
            for w, b, act in layers
        )  # fmt: skip
        return cls(built, tuple(feature_names), threshold, name)

    @classmethod
    def from_sklearn(cls, estimator: Any, *, feature_names: Sequence[str] = ()) -> EncryptedModel:
        """A fitted binary scikit-learn linear classifier (LogisticRegression, SGDClassifier …)."""
        coef = np.asarray(getattr(estimator, "coef_", None))
        if coef.ndim != 2 or coef.shape[0] != 1:
            raise InvalidParameterError(
                "from_sklearn takes a fitted binary linear classifier (coef_ of shape (1, d))"
            )
        return cls.linear(coef[0], float(np.ravel(estimator.intercept_)[0]),
                          feature_names=feature_names, name=type(estimator).__name__)  # fmt: skip

    @classmethod
    def from_keras(
        cls, model: Any, *, feature_names: Sequence[str] = (), name: str | None = None,
        notes: dict[str, Any] | None = None,
    ) -> EncryptedModel:  # fmt: skip
        """A Keras model of Dense layers with linear activations (a logistic regression; stacked
        linear layers are composed into one, depth 1). Two softmax logits become their difference, whose sign is the
        predicted class, so one encrypted score per row carries the whole decision."""
        layers = []
        for layer in getattr(model, "layers", []):
            config = layer.get_config() if hasattr(layer, "get_config") else {}
            if type(layer).__name__ in ("InputLayer", "Dropout"):
                continue
            if type(layer).__name__ != "Dense":
                raise InvalidParameterError(
                    f"layer {layer.name!r} ({type(layer).__name__}) has no encrypted form; "
                    "use Dense layers only"
                )
            if config.get("activation", "linear") != "linear":
                raise InvalidParameterError(
                    f"layer {layer.name!r} uses activation {config.get('activation')!r}, which "
                    "cannot run on ciphertexts; train with linear layers, or build an "
                    "EncryptedModel.mlp with polynomial activations"
                )
            weights = layer.get_weights()
            bias = weights[1] if len(weights) > 1 else np.zeros(weights[0].shape[1])
            layers.append((np.asarray(weights[0], np.float64), np.asarray(bias, np.float64)))
        if not layers:
            raise InvalidParameterError("the Keras model has no Dense layer")
        w, b = layers[0]
        for next_w, next_b in layers[1:]:  # linear layers compose into one: depth 1
            w, b = w @ next_w, b @ next_w + next_b
        if w.shape[1] == 2:  # softmax over two logits: the decision is logit₁ − logit₀ > 0
            w, b = w[:, 1:2] - w[:, 0:1], b[1:2] - b[0:1]
        exported = cls.mlp([(w, b, None)], feature_names=feature_names,
                           name=name or str(getattr(model, "name", "keras model")))  # fmt: skip
        return replace(exported, notes=dict(notes or {}))
