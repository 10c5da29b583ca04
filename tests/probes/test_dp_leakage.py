"""The probes against Keras models, private and not: an overfit MLP leaks its members' region (CPS
1988) and its digits' class appearance and fails both gates; the same MLPs trained with DP-SGD
(`train_dp_sgd`, TF Privacy) at ε 1 pass. ART reaches Keras through its black-box wrapper
(attribute inference) and TensorFlowV2Classifier (MIFace)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.probes import (
    attribute_inference_probe,
    class_inversion_probe,
    leakage_gate,
)

pytestmark = [pytest.mark.tf, pytest.mark.slow, pytest.mark.probes]

SEED = 7
ATTRIBUTE_LIMIT, INVERSION_LIMIT = 0.05, 0.2


def _mlp(inputs: int, outputs: int, width: int) -> Any:
    import tensorflow as tf

    return tf.keras.Sequential([
        tf.keras.Input((inputs,)), tf.keras.layers.Dense(width, activation="relu"),
        tf.keras.layers.Dense(width, activation="relu"), tf.keras.layers.Dense(outputs),
    ])  # fmt: skip


def _overfit(model: Any, x: Any, y: Any, epochs: int) -> Any:
    import tensorflow as tf

    model.compile(tf.keras.optimizers.Adam(3e-3),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    return model


def _dp(model: Any, x: Any, y: Any, ledger: Ledger, name: str, **options: Any) -> Any:
    from jupyter_privacy.core.training import train_dp_sgd

    ledger.create_budget(name, 1.0, 1e-4)
    result = train_dp_sgd(model, x, y, budget=name, ledger=ledger, target_epsilon=1.0,
                          progress_bar=False, **options)  # fmt: skip
    return result.model, result.release


@pytest.fixture(autouse=True)
def _deterministic_tf() -> None:
    import tensorflow as tf

    tf.keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()


def test_overfit_mlp_fails_and_dp_sgd_at_epsilon_1_passes_attribute_inference(
    ledger: Ledger,
) -> None:
    from jupyter_privacy.core.queries import load_example
    from jupyter_privacy.pilot.steps import model_matrix, split_rows

    x, y, names = model_matrix(load_example("cps1988"), "wage", 500.0)
    region = [i for i, n in enumerate(names) if n.startswith("region=")]
    split = split_rows(len(x), SEED)
    train = split["train"][:600]
    members, known, holdout = train[:300], train[300:], split["holdout"][:300]
    sets = dict(members=(x[members], y[members]), non_members=(x[holdout], y[holdout]),
                auxiliary=(x[known], y[known]), sensitive=region, name="region", seed=SEED)  # fmt: skip

    leaky = _overfit(_mlp(x.shape[1], 2, 256), x[train], y[train], epochs=300)
    report = attribute_inference_probe(leaky, **sets)
    assert not leakage_gate(report, ATTRIBUTE_LIMIT).passed, report.summary()

    private, release = _dp(_mlp(x.shape[1], 2, 256), x[train], y[train], ledger, "cps",
                           epochs=20, batch_size=60, learning_rate=1.0)  # fmt: skip
    report = attribute_inference_probe(private, epsilon=release.epsilon, delta=release.delta,
                                       **sets)  # fmt: skip
    assert leakage_gate(report, ATTRIBUTE_LIMIT).passed, report.summary()
    assert report.claim == {"epsilon": release.epsilon, "delta": release.delta}


def test_overfit_mlp_fails_and_dp_sgd_at_epsilon_1_passes_model_inversion(
    ledger: Ledger,
) -> None:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16).astype("float32")
    order = np.random.default_rng(SEED).permutation(len(y))
    members, non_members, known = order[:900], order[900:1350], order[1350:]
    sets = dict(members=(x[members], y[members]), non_members=(x[non_members], y[non_members]),
                auxiliary=x[known], max_iter=80, seed=SEED)  # fmt: skip

    plain = _overfit(_mlp(64, 10, 64), x[members], y[members], epochs=60)
    report = class_inversion_probe(plain, **sets)  # TensorFlowV2Classifier over the softmax
    assert not leakage_gate(report, INVERSION_LIMIT).passed, report.summary()
    assert report.attacks[0]["members"]["identified"] >= 0.8

    private, _ = _dp(_mlp(64, 10, 64), x[members], y[members], ledger, "digits", epochs=20,
                     batch_size=64, learning_rate=1.0)  # fmt: skip
    report = class_inversion_probe(private, **sets)
    assert leakage_gate(report, INVERSION_LIMIT).passed, report.summary()
