"""Refuse layers that break per-example privacy, before any epoch runs and before anything is spent.

DP-SGD bounds each example's influence by clipping its own gradient. Two kinds of layer escape that:

- a forward pass that **mixes examples** (BatchNormalization in training mode normalises each example
  with statistics of the whole batch, so one example moves every other example's gradient);
- **non-trainable state learned from the data** without noise (BatchNormalization's
  `moving_mean`/`moving_variance`, any layer that assigns a variable in `call`): it is released in
  the weights with no privacy at all. Two datasets differing in one record gave visibly different
  moving means under a recorded ε of 2.79.

Both are detected generally on a throw-away copy of the model and a synthetic probe batch (never the
private data): a non-trainable variable that changes during a training-mode forward pass, or an
example whose output changes when another example of the batch changes. A named list catches the
known offenders even where the probe could not see them. Layers whose forward pass depends on the
training flag or on randomness (Dropout, GaussianNoise) are allowed, but they rule out fast gradient
clipping, which computes norms in a separate inference-mode pass (see models.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from jupyter_privacy.core.errors import InvalidParameterError

#: Layer classes refused whenever they are trainable (they normalise with batch statistics).
BATCH_STATISTICS_LAYERS = ("BatchNormalization", "SyncBatchNormalization")
_PROBE_ROWS = 4
_PROBE_SEED = 20240611


class NonPrivateLayerError(InvalidParameterError):
    """A layer mixes examples or learns state from the data outside DP-SGD; nothing was spent."""

    code = "non_private_layer"


@dataclass(frozen=True)
class LayerCheck:
    """What the probe found in a model that may be trained."""

    fixed_state_layers: tuple[str, ...]  # non-trainable state, not updated by training
    training_dependent: bool  # the training-mode forward pass differs from inference mode


def all_layers(model: Any) -> Iterator[Any]:
    """Every layer, descending into nested models."""
    for layer in getattr(model, "layers", []):
        yield layer
        if getattr(layer, "layers", None):
            yield from all_layers(layer)


def _class_names(layer: Any) -> set[str]:
    return {cls.__name__ for cls in type(layer).__mro__}


def _advice(names: list[str]) -> str:
    return (
        f"{', '.join(names)}: DP-SGD cannot protect each example here. Use GroupNormalization or "
        "LayerNormalization (they normalise each example on its own), or freeze the layer with "
        "statistics computed on public data (layer.trainable = False, which also runs it in "
        "inference mode). Nothing was trained or spent"
    )


def refuse_named_layers(model: Any) -> None:
    """The named list: trainable batch-statistics layers and data-dependent activity losses."""
    batch_stats = [f"{layer.name} ({type(layer).__name__})" for layer in all_layers(model)
                   if _class_names(layer) & set(BATCH_STATISTICS_LAYERS) and layer.trainable]  # fmt: skip
    if batch_stats:
        raise NonPrivateLayerError(
            "batch statistics mix examples and their moving averages are learned from the private "
            "data without noise; refused " + _advice(batch_stats),
            layers=batch_stats,
        )
    regularized = [layer.name for layer in all_layers(model)
                   if getattr(layer, "activity_regularizer", None) is not None]  # fmt: skip
    if regularized:
        raise NonPrivateLayerError(
            f"{', '.join(regularized)}: an activity regularizer adds a loss over the whole batch "
            "that is not clipped per example. Remove it (weight regularizers are fine). Nothing "
            "was trained or spent",
            layers=regularized,
        )


def probe_batch(model: Any, rows: int = _PROBE_ROWS) -> tuple[Any, Any]:
    """Two synthetic input batches of the model's shape that differ only in their first row."""
    rng = np.random.default_rng(_PROBE_SEED)  # synthetic inputs, not noise on data
    first, second = [], []
    for tensor in model.inputs:
        shape = [rows, *(4 if d is None else int(d) for d in tensor.shape[1:])]
        if tensor.dtype.is_floating:
            values = rng.normal(size=shape).astype(tensor.dtype.as_numpy_dtype)
            changed = values.copy()
            changed[0] = rng.normal(size=shape[1:]) * 3 + 1
        else:  # indices (e.g. an Embedding's): 0 and 1 are valid for any vocabulary of two
            values = np.zeros(shape, dtype=tensor.dtype.as_numpy_dtype)
            changed = values.copy()
            changed[0] = 1
        first.append(values)
        second.append(changed)
    if len(first) == 1:
        return first[0], second[0]
    return first, second


def check_layers(tf: Any, model: Any) -> LayerCheck:
    """Refuse non-private layers (named list, then the probe); report fixed state and training
    dependence. `model` is not changed: the probe runs on a copy."""
    refuse_named_layers(model)
    copy = tf.keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    before = [(v.name, v.numpy().copy()) for v in copy.non_trainable_variables]
    first, second = probe_batch(copy)
    previous_seed = _global_seed()
    try:
        outputs = _forward(tf, copy, first, training=True)
        changed = _forward(tf, copy, second, training=True)
        inference = _forward(tf, copy, first, training=False)
    except Exception as error:
        raise InvalidParameterError(
            f"the model could not be checked for layers that mix examples: a forward pass on a "
            f"synthetic batch of its input shape failed ({type(error).__name__}: {error}). Give "
            "the model fixed input shapes with tf.keras.Input(shape=...)"
        ) from None
    finally:  # the probe's fixed seed must not make the training noise predictable
        tf.random.set_seed(previous_seed)
    updated = sorted({name.split("/")[0] for (name, old), v in
                      zip(before, copy.non_trainable_variables, strict=True)
                      if not np.array_equal(old, v.numpy())})  # fmt: skip
    if updated:
        raise NonPrivateLayerError(
            "non-trainable state changed during one training step on a synthetic batch, so it "
            "would be learned from the private data without noise; refused " + _advice(updated),
            layers=updated,
        )
    mixing = not all(
        np.allclose(a[1:], b[1:], rtol=1e-5, atol=1e-6)
        for a, b in zip(outputs, changed, strict=True)
    )
    if mixing:
        raise NonPrivateLayerError(
            "changing one example of a synthetic batch changed the model's outputs for the other "
            "examples: a layer mixes examples in its forward pass; refused "
            + _advice(_suspects(model)),
            layers=_suspects(model),
        )
    dependent = not all(
        np.allclose(a, b, rtol=1e-5, atol=1e-6) for a, b in zip(outputs, inference, strict=True)
    )
    fixed = sorted({v.name.split("/")[0] for v in model.non_trainable_variables})
    return LayerCheck(fixed_state_layers=tuple(fixed), training_dependent=dependent)


def _global_seed() -> int | None:
    """TensorFlow's global random seed (None unless the user set one), to restore after the probe."""
    from tensorflow.python.eager import context

    seed = context.global_seed()
    return None if seed is None else int(seed)


def _forward(tf: Any, model: Any, inputs: Any, *, training: bool) -> list[Any]:
    """Outputs as numpy arrays; the same random seed each call, so Dropout draws the same mask."""
    tf.random.set_seed(_PROBE_SEED)
    outputs = model(inputs, training=training)
    return [np.asarray(o) for o in tf.nest.flatten(outputs)]


def _suspects(model: Any) -> list[str]:
    """Layers without trainable weights of their own that are not standard per-example layers:
    the likely mixers (a Lambda or custom layer); all layers if none stands out."""
    standard = {"InputLayer", "Dense", "Dropout", "Activation", "Flatten", "Reshape"}
    names = [f"{layer.name} ({type(layer).__name__})" for layer in all_layers(model)
             if type(layer).__name__ not in standard]  # fmt: skip
    return names or [layer.name for layer in all_layers(model)]
