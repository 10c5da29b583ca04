"""The exported model: its plaintext arithmetic, its multiplicative depth, its file, its sources."""

from __future__ import annotations

import numpy as np
import pytest

from jupyter_privacy.core.encrypted import EncryptedModel
from jupyter_privacy.core.errors import InvalidParameterError


def test_linear_model_scores_like_numpy() -> None:
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(50, 6)), rng.normal(size=6)
    model = EncryptedModel.linear(w, -0.25, feature_names=list("abcdef"))
    assert model.depth == 1 and model.n_features == 6
    np.testing.assert_allclose(model.plaintext_scores(x), x @ w - 0.25)
    assert (model.labels(model.plaintext_scores(x)) == (x @ w - 0.25 > 0)).all()


@pytest.mark.parametrize(("degree", "depth"), [(1, 3), (2, 4), (3, 4), (4, 5), (8, 6)])
def test_mlp_depth_counts_layers_and_activation_degree(degree: int, depth: int) -> None:
    rng = np.random.default_rng(2)
    model = EncryptedModel.mlp([(rng.normal(size=(4, 3)), np.zeros(3), [0.1] * (degree + 1)),
                                (rng.normal(size=(3, 1)), [0.0], None)])  # fmt: skip
    assert model.depth == depth  # one per dense layer + ⌊log2 d⌋ + 1 for the activation
    x = rng.normal(size=(5, 4))
    hidden = x @ model.layers[0].weights
    expected = sum(0.1 * hidden**p for p in range(degree + 1)) @ model.layers[1].weights[:, 0]
    np.testing.assert_allclose(model.plaintext_scores(x), expected)


def test_file_round_trip(tmp_path) -> None:
    model = EncryptedModel.mlp([(np.eye(2), [0.5, -0.5], [0.0, 1.0, 0.25]), ([[1.0], [2.0]], [0.1],
                                None)], feature_names=["x", "y"], name="tiny")  # fmt: skip
    loaded = EncryptedModel.load(model.save(tmp_path / "m.json"))
    assert loaded.depth == model.depth and loaded.feature_names == ("x", "y")
    np.testing.assert_allclose(loaded.plaintext_scores([[1.0, 2.0]]),
                               model.plaintext_scores([[1.0, 2.0]]))  # fmt: skip
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    with pytest.raises(InvalidParameterError, match="not an encrypted-scoring model"):
        EncryptedModel.load(tmp_path / "bad.json")
    with pytest.raises(InvalidParameterError, match="not found"):
        EncryptedModel.load(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("layers", "match"),
    [([(np.ones((3, 2)), np.zeros(2), None)], "returns one score per row"),
     ([(np.ones((3, 1)), np.zeros(1), [0.0, 1.0])], "last layer must be linear"),
     ([(np.ones((3, 2)), np.zeros(3), None)], "do not chain"),
     ([(np.full((3, 1), np.nan), np.zeros(1), None)], "non-finite"),
     ([(np.ones((3, 2)), np.zeros(2), [1.0]), (np.ones((2, 1)), [0.0], None)], "degree ≥ 1"),
     ([], "at least one dense layer")],
)  # fmt: skip
def test_models_that_cannot_be_scored_are_refused(layers: list, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        EncryptedModel.mlp(layers)


def test_features_are_checked() -> None:
    model = EncryptedModel.linear([1.0, 2.0], 0.0)
    with pytest.raises(InvalidParameterError, match="rows of 2 features"):
        model.plaintext_scores([[1.0, 2.0, 3.0]])
    with pytest.raises(InvalidParameterError, match="finite"):
        model.plaintext_scores([[1.0, np.inf]])
    with pytest.raises(InvalidParameterError, match="3 feature names for 2 inputs"):
        EncryptedModel.linear([1.0, 2.0], 0.0, feature_names=["a", "b", "c"])


def test_from_sklearn_matches_decision_function() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 5))
    y = (x[:, 0] - x[:, 3] > 0).astype(int)
    fitted = LogisticRegression().fit(x, y)
    model = EncryptedModel.from_sklearn(fitted)
    np.testing.assert_allclose(model.plaintext_scores(x), fitted.decision_function(x), rtol=1e-10)
    with pytest.raises(InvalidParameterError, match="binary linear classifier"):
        EncryptedModel.from_sklearn(object())


@pytest.mark.tf
def test_from_keras_turns_two_logits_into_one_score_and_refuses_relu() -> None:
    import tensorflow as tf

    rng = np.random.default_rng(4)
    x = rng.normal(size=(64, 5)).astype("float32")
    keras = tf.keras.Sequential([tf.keras.Input((5,)), tf.keras.layers.Dense(3),
                                 tf.keras.layers.Dense(2)])  # fmt: skip
    keras.set_weights([rng.normal(size=w.shape).astype("float32") for w in keras.get_weights()])
    model = EncryptedModel.from_keras(keras, notes={"release_id": 7})
    assert model.depth == 1 and model.notes == {"release_id": 7}  # linear layers composed
    logits = keras(x).numpy()
    np.testing.assert_allclose(model.plaintext_scores(x), logits[:, 1] - logits[:, 0], atol=1e-4)
    assert (model.labels(model.plaintext_scores(x)) == (logits.argmax(axis=1) == 1)).all()
    relu = tf.keras.Sequential([tf.keras.Input((5,)), tf.keras.layers.Dense(3, activation="relu"),
                                tf.keras.layers.Dense(2)])  # fmt: skip
    with pytest.raises(InvalidParameterError, match="cannot run on ciphertexts"):
        EncryptedModel.from_keras(relu)


def test_the_front_door_is_light_and_a_missing_tenseal_names_the_extra() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import jupyter_privacy.encrypted as he\n"
        "from jupyter_privacy.core.errors import PrivacyError\n"
        "print(sorted(m for m in ('tenseal', 'tornado') if m in sys.modules))\n"
        "sys.modules['tenseal'] = None  # as if the he extra were not installed\n"
        "try:\n"
        "    he.EncryptedClient.for_model(he.EncryptedModel.linear([1.0], 0.0))\n"
        "except PrivacyError as error:\n"
        "    print(type(error).__name__, error.message)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, error = out.stdout.strip().splitlines()
    assert loaded == "[]"
    assert error.startswith("MissingExtraError") and 'pip install "jupyter-privacy[he]"' in error
