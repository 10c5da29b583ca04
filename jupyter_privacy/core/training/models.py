"""Turn a user's Keras model into a DP-SGD model: fast gradient clipping where every trainable layer
is in TF Privacy's layer registry, else the vectorized DP optimizer — and say which, and why.

The user's model is cloned, so their object is never trained in place: the trained weights exist
only in the returned model, which `train_dp_sgd` hands back after the ledger has recorded the spend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, require_extra

FAST_CLIPPING = "fast_gradient_clipping"
VECTORIZED_OPTIMIZER = "vectorized_dp_optimizer"
PATHS = (FAST_CLIPPING, VECTORIZED_OPTIMIZER)

#: Loss names accepted by train_dp_sgd → (Keras loss class, takes from_logits).
LOSSES = {
    "sparse_categorical_crossentropy": ("SparseCategoricalCrossentropy", True),
    "categorical_crossentropy": ("CategoricalCrossentropy", True),
    "binary_crossentropy": ("BinaryCrossentropy", True),
    "mean_squared_error": ("MeanSquaredError", False),
}


@dataclass(frozen=True)
class DpModel:
    model: Any
    path: str
    reason: str


def load_tf() -> tuple[Any, Any]:
    """TensorFlow and TF Privacy, or MissingExtraError naming jupyter-privacy[tf]."""
    tf_privacy = require_extra("tensorflow_privacy", "tf")
    tf = require_extra("tensorflow", "tf")
    return tf, tf_privacy


def make_loss(tf: Any, name: str, *, from_logits: bool, per_example: bool) -> Any:
    if name not in LOSSES:
        raise InvalidParameterError(
            f"unknown loss {name!r}; use one of: {', '.join(LOSSES)}", parameter="loss"
        )
    class_name, takes_logits = LOSSES[name]
    kwargs: dict[str, Any] = {"from_logits": from_logits} if takes_logits else {}
    if per_example:  # the DP optimizer clips per example, so it needs the unreduced loss
        kwargs["reduction"] = tf.keras.losses.Reduction.NONE
    return getattr(tf.keras.losses, class_name)(**kwargs)


def _clone(tf: Any, model: Any) -> Any:
    if callable(model) and not isinstance(model, tf.keras.Model):
        model = model()
    if not isinstance(model, tf.keras.Model):
        raise InvalidParameterError(
            f"model must be a Keras model (or a function returning one), got {type(model).__name__}"
        )
    from tensorflow_privacy.privacy.fast_gradient_clipping import gradient_clipping_utils

    if not gradient_clipping_utils.has_internal_compute_graph(model):
        raise InvalidParameterError(
            f"DP-SGD training needs a Sequential or functional Keras model it can copy; "
            f"{type(model).__name__} is a subclassed model. Rebuild it with tf.keras.Sequential "
            "or the functional API"
        )
    clone = tf.keras.models.clone_model(model)
    if not clone.built:
        raise InvalidParameterError(
            "the model has no input shape yet; start it with tf.keras.Input(shape=...)"
        )
    clone.set_weights(model.get_weights())
    return clone


def build_dp_model(
    model: Any,
    *,
    clip_norm: float,
    noise_multiplier: float,
    learning_rate: float,
    loss: str,
    from_logits: bool,
    prefer_fast_clipping: bool = True,
    use_xla: bool = False,
) -> DpModel:
    """A compiled DP-SGD model (a copy of `model`) and which implementation it uses."""
    tf, tf_privacy = load_tf()
    from tensorflow_privacy.privacy.fast_gradient_clipping import layer_registry
    from tensorflow_privacy.privacy.keras_models import dp_keras_model

    clone = _clone(tf, model)
    registry = layer_registry.make_default_layer_registry()
    unsupported = sorted(
        {
            type(layer).__name__
            for layer in clone.layers
            if layer.trainable_variables and not registry.is_elem(layer)
        }
    )
    metrics = ["accuracy"] if loss != "mean_squared_error" else []
    if prefer_fast_clipping and not unsupported:
        dp_model = dp_keras_model.DPModel(
            l2_norm_clip=clip_norm, noise_multiplier=noise_multiplier, layer_registry=registry,
            use_xla=use_xla, inputs=clone.inputs, outputs=clone.outputs,
        )  # fmt: skip
        dp_model.compile(
            optimizer=tf.keras.optimizers.SGD(learning_rate=learning_rate),
            loss=make_loss(tf, loss, from_logits=from_logits, per_example=False),
            metrics=metrics,
        )
        return DpModel(dp_model, FAST_CLIPPING, "every trainable layer supports fast clipping")
    if prefer_fast_clipping:
        reason = (
            f"fast gradient clipping cannot handle {', '.join(unsupported)}; using TF Privacy's "
            "vectorized DP optimizer instead (slower, same guarantee)"
        )
    else:
        reason = "fast gradient clipping was turned off; using the vectorized DP optimizer"
    optimizer = tf_privacy.VectorizedDPKerasSGDOptimizer(
        l2_norm_clip=clip_norm, noise_multiplier=noise_multiplier, num_microbatches=None,
        learning_rate=learning_rate,
    )  # fmt: skip
    clone.compile(
        optimizer=optimizer,
        loss=make_loss(tf, loss, from_logits=from_logits, per_example=True),
        metrics=metrics,
    )
    return DpModel(clone, VECTORIZED_OPTIMIZER, reason)
