"""Prepare a user's Keras model for DP-SGD: copy it, refuse non-private layers (layers.py), and pick
how per-example gradients are clipped — and say which, and why.

- **fast gradient clipping** (TF Privacy's `clip_grads` with the default layer registry): per-example
  gradient norms from one extra backward pass. Used when every trainable layer is registered and
  the forward pass does not depend on the training flag: TF Privacy computes the norms in a separate
  pass in inference mode, so with Dropout the clipped gradients could exceed the clip norm (measured:
  4× with Dropout(0.5)).
- **per-example Jacobians** (TF Privacy's `clip_and_aggregate_gradients`): exact per-example
  gradients of the very forward pass that trains, clipped one by one. Slower; used otherwise.

The user's model is cloned, so their object is never trained in place: the trained weights exist
only in the returned model, which `train_dp_sgd` hands back after the ledger has recorded the spend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, require_extra
from jupyter_privacy.core.training.layers import LayerCheck, check_layers

FAST_CLIPPING = "fast_gradient_clipping"
VECTORIZED_OPTIMIZER = (
    "vectorized_dp_optimizer"  # per-example Jacobians (name kept for old releases)
)
PATHS = (FAST_CLIPPING, VECTORIZED_OPTIMIZER)

#: Loss names accepted by train_dp_sgd → (Keras loss class, takes from_logits).
LOSSES = {
    "sparse_categorical_crossentropy": ("SparseCategoricalCrossentropy", True),
    "categorical_crossentropy": ("CategoricalCrossentropy", True),
    "binary_crossentropy": ("BinaryCrossentropy", True),
    "mean_squared_error": ("MeanSquaredError", False),
}


@dataclass(frozen=True)
class PreparedModel:
    """A compiled copy of the user's model, the clipping path and why, and what the probe found."""

    model: Any
    path: str
    reason: str
    check: LayerCheck


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


def correct_predictions(tf: Any, loss: str, *, from_logits: bool) -> Any:
    """`fn(y, outputs)` → 1.0 per correctly classified example, 0.0 otherwise; None for regression
    losses (no accuracy)."""
    if loss == "sparse_categorical_crossentropy":
        return lambda y, out: tf.cast(
            tf.equal(tf.argmax(out, axis=-1, output_type=tf.int64),
                     tf.cast(tf.reshape(y, [-1]), tf.int64)), tf.float32)  # fmt: skip
    if loss == "categorical_crossentropy":
        return lambda y, out: tf.cast(tf.equal(tf.argmax(out, -1), tf.argmax(y, -1)), tf.float32)
    if loss == "binary_crossentropy":
        cut = 0.0 if from_logits else 0.5

        def binary(y: Any, out: Any) -> Any:
            predicted = tf.cast(out > cut, tf.float32)
            same = tf.cast(tf.equal(predicted, tf.cast(tf.reshape(y, tf.shape(out)), tf.float32)),
                           tf.float32)  # fmt: skip
            return tf.reduce_min(tf.reshape(same, [tf.shape(out)[0], -1]), axis=1)

        return binary
    return None


def prepare_model(
    model: Any,
    *,
    learning_rate: float,
    loss: str,
    from_logits: bool,
    prefer_fast_clipping: bool = True,
) -> PreparedModel:
    """A compiled copy of `model` whose layers allow DP-SGD, and the clipping path to use.

    Raises NonPrivateLayerError (nothing spent) for layers that mix examples or learn state.
    """
    tf, _ = load_tf()
    from tensorflow_privacy.privacy.fast_gradient_clipping import layer_registry

    make_loss(tf, loss, from_logits=from_logits, per_example=False)  # unknown loss: a clear error
    clone = _clone(tf, model)
    check = check_layers(tf, clone)
    registry = layer_registry.make_default_layer_registry()
    unsupported = sorted({type(layer).__name__ for layer in clone.layers
                          if layer.trainable_variables and not registry.is_elem(layer)})  # fmt: skip
    clone.compile(
        optimizer=tf.keras.optimizers.SGD(learning_rate=learning_rate),
        loss=make_loss(tf, loss, from_logits=from_logits, per_example=False),
        metrics=["accuracy"] if loss != "mean_squared_error" else [],
    )
    if not prefer_fast_clipping:
        reason = "fast gradient clipping was turned off; clipping per-example Jacobians"
    elif unsupported:
        reason = (f"fast gradient clipping cannot handle {', '.join(unsupported)}; clipping "
                  "per-example Jacobians instead (slower, same guarantee)")  # fmt: skip
    elif check.training_dependent:
        reason = ("the model behaves differently in training (e.g. Dropout), and fast gradient "
                  "clipping measures norms in inference mode; clipping per-example Jacobians "
                  "instead (slower, same guarantee)")  # fmt: skip
    else:
        return PreparedModel(clone, FAST_CLIPPING, "every trainable layer supports fast clipping",
                             check)  # fmt: skip
    return PreparedModel(clone, VECTORIZED_OPTIMIZER, reason, check)
