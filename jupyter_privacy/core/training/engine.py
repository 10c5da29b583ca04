"""The DP-SGD step, run one epoch per TensorFlow call so the per-step overhead stays that of Keras.

Per physical chunk (fixed shape, see sampling.py) the clipped per-example gradients are summed into
accumulators; masked padding rows weigh 0 and add exactly nothing. After the last chunk of a step,
TF Privacy's `add_aggregate_noise` adds N(0, σ²·C²) to the sum, the noisy sum is divided by the
*expected* batch size B (never the realised one, which would depend on the data) and the optimizer
applies it. Weight regularizers (input-independent) add their gradient after the division.

Clipping: TF Privacy's `clip_grads.compute_gradient_norms` + `compute_clip_weights` on the fast
path; otherwise each example's own gradient (`tf.vectorized_map`, as TF Privacy's `DPModel` does)
clipped by its global norm — 3× faster here than TF Privacy's `clip_and_aggregate_gradients`
Jacobians. Noise is TF Privacy's. Importing this module needs the `tf` extra.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from jupyter_privacy.core.errors import require_extra
from jupyter_privacy.core.training.models import (
    FAST_CLIPPING,
    PreparedModel,
    correct_predictions,
    make_loss,
)
from jupyter_privacy.core.training.sampling import EpochBatches

tf = require_extra("tensorflow", "tf")


@dataclass(frozen=True)
class EpochMetrics:
    """Loss and accuracy over the examples the epoch used: exact figures on the private data, not
    part of any release. `train_dp_sgd` shows them only with `show_private_metrics=True`."""

    loss: float | None
    accuracy: float | None


class DpSgdEngine:
    """Runs DP-SGD epochs on a prepared model over in-memory `x`, `y`."""

    def __init__(
        self, prepared: PreparedModel, x: Any, y: Any, *, loss: str, from_logits: bool,
        clip_norm: float, noise_multiplier: float, expected_batch_size: int,
        physical_batch: int, use_xla: bool = False,
    ) -> None:  # fmt: skip
        self.model = prepared.model
        self.fast = prepared.path == FAST_CLIPPING
        self.clip_norm = float(clip_norm)
        self.noise_multiplier = float(noise_multiplier)
        self.expected_batch_size = int(expected_batch_size)
        inputs = np.asarray(x)
        if inputs.dtype.kind == "f":  # float data in the model's input dtype (e.g. float64 → 32)
            inputs = inputs.astype(self.model.inputs[0].dtype.as_numpy_dtype)
        self._x = tf.constant(inputs)
        self._y = tf.constant(np.asarray(y))
        self._per_example_loss = make_loss(tf, loss, from_logits=from_logits, per_example=True)
        self._correct = correct_predictions(tf, loss, from_logits=from_logits)
        variables = self.model.trainable_variables
        self.model.optimizer.build(variables)
        self._sums = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]
        self._totals = tf.Variable(tf.zeros([3]), trainable=False)  # loss, correct, examples
        from tensorflow_privacy.privacy.fast_gradient_clipping import layer_registry

        self._registry = layer_registry.make_default_layer_registry()
        self._chunk = tf.function(self._chunk_step, jit_compile=use_xla, autograph=False)
        chunks = [
            tf.TensorSpec([None, physical_batch], tf.int32),
            tf.TensorSpec([None, physical_batch], tf.float32),
            tf.TensorSpec([None], tf.bool),
        ]
        self._epoch = tf.function(self._epoch_loop, input_signature=chunks)  # one trace per run

    @property
    def optimizer_steps(self) -> int:
        """Updates applied so far (the optimizer's own counter)."""
        return int(self.model.optimizer.iterations.numpy())

    def run_epoch(self, batches: EpochBatches) -> EpochMetrics:
        self._totals.assign(tf.zeros([3]))
        self._epoch(tf.constant(batches.indices), tf.constant(batches.mask),
                    tf.constant(batches.step_ends))  # fmt: skip
        loss, correct, examples = (float(v) for v in self._totals.numpy())
        if examples == 0:
            return EpochMetrics(None, None)
        accuracy = correct / examples if self._correct is not None else None
        return EpochMetrics(loss / examples, accuracy)

    def clipped_sum(self, indices: Any, mask: Any) -> list[Any]:
        """Sum over the chunk of each example's gradient clipped to the clip norm (no noise)."""
        return self._clipped_sum(tf.constant(indices), tf.constant(mask, tf.float32))[0]

    # -- inside tf.function ----------------------------------------------------------------------
    def _epoch_loop(self, indices: Any, mask: Any, step_ends: Any) -> Any:
        for row in tf.range(tf.shape(indices)[0]):
            self._chunk(indices[row], mask[row], step_ends[row])
        return tf.constant(0)

    def _chunk_step(self, indices: Any, mask: Any, step_end: Any) -> Any:
        grads, per_example_loss, outputs, labels = self._clipped_sum(indices, mask)
        for total, grad in zip(self._sums, grads, strict=True):
            total.assign_add(grad)
        correct = (tf.reduce_sum(self._correct(labels, outputs) * mask)
                   if self._correct is not None else tf.constant(0.0))  # fmt: skip
        self._totals.assign_add(
            tf.stack([tf.reduce_sum(per_example_loss * mask), correct, tf.reduce_sum(mask)])
        )
        return tf.cond(step_end, self._apply_noisy_step, lambda: tf.constant(False))

    def _clipped_sum(self, indices: Any, mask: Any) -> tuple[list[Any], Any, Any, Any]:
        x = tf.gather(self._x, indices)
        y = tf.gather(self._y, indices)
        variables = self.model.trainable_variables
        if self.fast:
            from tensorflow_privacy.privacy.fast_gradient_clipping import clip_grads

            norms = clip_grads.compute_gradient_norms(
                self.model, self._registry, x, y, mask,
                per_example_loss_fn=self._per_example_loss, trainable_vars=variables,
            )  # fmt: skip
            weights = clip_grads.compute_clip_weights(self.clip_norm, norms) * mask
            with tf.GradientTape() as tape:  # the same inference-mode function the norms are of
                outputs = self.model(x, training=False)
                per_example_loss = self._per_example_loss(y, outputs)
                weighted = tf.reduce_sum(per_example_loss * tf.stop_gradient(weights))
            grads = tape.gradient(weighted, variables,
                                  unconnected_gradients=tf.UnconnectedGradients.ZERO)  # fmt: skip
            return list(grads), per_example_loss, outputs, y
        outputs = self.model(x, training=True)
        per_example_loss = self._per_example_loss(y, outputs)
        grads = tf.vectorized_map(self._clipped_example_gradient, (x, y, mask))
        return [tf.reduce_sum(g, axis=0) for g in grads], per_example_loss, outputs, y

    def _clipped_example_gradient(self, example: Any) -> list[Any]:
        """One example's gradient (a batch of one, so its own forward pass), clipped to the clip
        norm by its global norm and weighted by its mask: TF Privacy's DPModel does the same."""
        x, y, mask = example
        with tf.GradientTape() as tape:
            loss = self._per_example_loss(y[tf.newaxis], self.model(x[tf.newaxis], training=True))
            weighted = tf.reduce_sum(loss) * mask
        grads = tape.gradient(weighted, self.model.trainable_variables,
                              unconnected_gradients=tf.UnconnectedGradients.ZERO)  # fmt: skip
        clipped, _ = tf.clip_by_global_norm(grads, self.clip_norm)
        return list(clipped)

    def _apply_noisy_step(self) -> Any:
        from tensorflow_privacy.privacy.fast_gradient_clipping import gradient_clipping_utils

        summed = [total.read_value() for total in self._sums]
        noisy = gradient_clipping_utils.add_aggregate_noise(
            summed, self.expected_batch_size, self.clip_norm, self.noise_multiplier,
            loss_reduction="sum",
        )  # fmt: skip
        grads = [g / float(self.expected_batch_size) for g in noisy]
        if self.model.losses:  # weight regularizers: input-independent (activity ones are refused)
            with tf.GradientTape() as tape:
                regularization = tf.add_n(self.model.losses)
            extra = tape.gradient(regularization, self.model.trainable_variables,
                                  unconnected_gradients=tf.UnconnectedGradients.ZERO)  # fmt: skip
            grads = [g + e for g, e in zip(grads, extra, strict=True)]
        self.model.optimizer.apply_gradients(
            zip(grads, self.model.trainable_variables, strict=True)
        )
        for total in self._sums:
            total.assign(tf.zeros_like(total))
        return tf.constant(True)
