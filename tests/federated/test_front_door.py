"""The public front door: imports nothing heavy, names the extra when Flower is missing, and checks
its arguments before importing anything."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jupyter_privacy.core.errors import InvalidParameterError

from .conftest import make_clients


def test_importing_the_front_door_loads_neither_flower_nor_tensorflow() -> None:
    code = ("import sys, jupyter_privacy.federated as f\n"
            "print([m for m in ('flwr', 'tensorflow', 'ray') if m in sys.modules], "
            "f.train_federated.__name__)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] train_federated"


def test_without_flower_the_error_names_the_federated_extra() -> None:
    code = (
        "import sys\nsys.modules['flwr'] = None\n"
        "import numpy as np\nfrom jupyter_privacy.federated import train_federated\n"
        "from jupyter_privacy.core.errors import MissingExtraError\n"
        "data = [(np.zeros((4, 2)), np.zeros(4)), (np.ones((4, 2)), np.ones(4))]\n"
        "try:\n    train_federated(lambda: None, data, budget='b', noise_multiplier=1.0)\n"
        "except MissingExtraError as error:\n    print(error.fields['extra'], '|', error)\n"
        "print('tensorflow' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, second = out.stdout.strip().splitlines()
    assert first.startswith("federated |") and 'pip install "jupyter-privacy[federated]"' in first
    assert second == "False"  # refused before TensorFlow was loaded


@pytest.mark.parametrize(
    ("options", "message"),
    [({"engine": "cluster"}, "engine must be one of simulation, deployment"),
     ({"mode": "both"}, "mode must be 'central'"),
     ({"rounds": -1}, "rounds")],
)  # fmt: skip
def test_bad_arguments_are_refused_before_anything_runs(options, message) -> None:
    from jupyter_privacy.federated import train_federated

    with pytest.raises(InvalidParameterError, match=message):
        train_federated(lambda: None, make_clients(2), budget="b", noise_multiplier=1.0,
                        **options)  # fmt: skip
