"""Keras adapter: a trained Keras classifier → per-example cross-entropy losses for the probes.

TensorFlow is imported only when this adapter is used (the `tf` extra).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jupyter_privacy.core.errors import InvalidParameterError, require_extra
from jupyter_privacy.core.probes.inputs import LossFunction
from jupyter_privacy.core.probes.metrics import FloatArray


def keras_losses(
    model: Any, *, from_logits: bool | None = None, batch_size: int = 1024
) -> LossFunction:
    """Per-example sparse categorical cross-entropy of `model` (binary if it has one output).

    `from_logits` defaults to True unless the last layer applies a softmax or sigmoid.
    """
    tf = require_extra("tensorflow", "tf")
    if not hasattr(model, "predict"):
        raise InvalidParameterError(f"expected a Keras model, got {type(model).__name__}")
    logits = outputs_logits(model) if from_logits is None else from_logits

    def losses(x: Any, y: Any) -> FloatArray:
        outputs = model.predict(x, batch_size=batch_size, verbose=0)
        labels = np.asarray(y)
        if (outputs.ndim == 2 and outputs.shape[1] == 1) or outputs.ndim == 1:
            loss = tf.keras.losses.binary_crossentropy(
                labels.reshape(-1, 1).astype("float32"), outputs.reshape(-1, 1),
                from_logits=logits,
            )  # fmt: skip
        else:
            loss = tf.keras.losses.sparse_categorical_crossentropy(
                labels.astype("int64"), outputs, from_logits=logits
            )
        return np.asarray(loss, dtype=np.float64).reshape(-1)

    return losses


def outputs_logits(model: Any) -> bool:
    """True unless the last layer applies a softmax or sigmoid."""
    activation = getattr(getattr(model, "layers", [None])[-1], "activation", None)
    return getattr(activation, "__name__", "linear") not in ("softmax", "sigmoid")
