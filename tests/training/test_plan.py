"""Planning a DP-SGD training needs no TensorFlow: σ from a target ε, δ default, bad inputs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.training import plan_training

BASE = dict(
    dataset_size=1500, batch_size=64, epochs=5, clip_norm=1.0, noise_multiplier=None,
    target_epsilon=None, learning_rate=0.1, delta=None, sampling="shuffle", accountant="rdp",
)  # fmt: skip


def test_target_epsilon_solves_sigma_within_target():
    plan = plan_training(**{**BASE, "target_epsilon": 8.0})
    assert plan.planned.epsilon <= 8.0
    assert plan.noise_multiplier > 0 and plan.target_epsilon == 8.0
    assert plan.delta == 1e-5  # the stated default: largest power of ten ≤ 1/(10·n)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({}, "exactly one of noise_multiplier"),
        ({"noise_multiplier": 1.0, "target_epsilon": 2.0}, "exactly one of noise_multiplier"),
        ({"noise_multiplier": 0.0}, "noise_multiplier must be > 0"),
        ({"noise_multiplier": 1.0, "batch_size": 5000}, "larger than dataset_size"),
        ({"noise_multiplier": 1.0, "epochs": 0}, "epochs must be a whole number"),
        ({"noise_multiplier": 1.0, "delta": 1.0}, "delta must be in [0, 1)"),
        ({"noise_multiplier": 1.0, "delta": 1e-3}, "not below 1/n"),
        ({"noise_multiplier": 1.0, "clip_norm": 0}, "clip_norm must be > 0"),
        ({"noise_multiplier": 1.0, "sampling": "random"}, "sampling must be one of"),
        ({"noise_multiplier": 1.0, "accountant": "gdp"}, "unknown accountant"),
    ],
)
def test_bad_training_parameters_are_clear_errors(change, words):
    with pytest.raises(InvalidParameterError) as caught:
        plan_training(**{**BASE, **change})
    assert words in caught.value.message


def test_missing_tf_extra_names_the_extra():
    """With TF Privacy unimportable, training fails with MissingExtraError naming the extra."""
    code = (
        "import sys; sys.modules['tensorflow_privacy'] = None\n"
        "from jupyter_privacy.core.errors import MissingExtraError\n"
        "from jupyter_privacy.core.training import train_dp_sgd\n"
        "try:\n"
        "    train_dp_sgd(None, [0] * 100, [0] * 100, budget='b', noise_multiplier=1.0)\n"
        "except MissingExtraError as error:\n"
        "    print(error.message)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "jupyter-privacy[tf]"' in out.stdout


def test_training_package_does_not_import_tensorflow_eagerly():
    code = (
        "import sys, jupyter_privacy.core.training\n"
        "print('tensorflow' in sys.modules, 'tensorflow_privacy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
