"""Every bad input is an InvalidParameterError whose message says what to change."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jupyter_privacy.core.accounting import DpSgdSetting, default_delta, noise_for_target_epsilon
from jupyter_privacy.core.errors import InvalidParameterError

GOOD = dict(dataset_size=1000, batch_size=10, noise_multiplier=1.0, delta=1e-5, epochs=1)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (dict(batch_size=2000), "batch_size 2000 is larger than dataset_size 1000"),
        (dict(noise_multiplier=0), "noise_multiplier must be > 0"),
        (dict(noise_multiplier=-1.5), "noise_multiplier must be > 0"),
        (dict(epochs=0), "epochs must be > 0"),
        (dict(epochs=-3), "epochs must be > 0"),
        (dict(delta=1.0), "delta must be in [0, 1)"),
        (dict(delta=0), "delta must be > 0 for DP-SGD"),
        (dict(delta=1e-3), "not below 1/n"),
        (dict(epochs=None), "either epochs or steps"),
        (dict(steps=10), "either epochs or steps"),
        (dict(sampling="random"), "sampling must be one of poisson, shuffle"),
        (dict(dataset_size=0), "dataset_size must be a whole number"),
    ],
)
def test_bad_setting_is_a_clear_error(change, words):
    with pytest.raises(InvalidParameterError) as caught:
        DpSgdSetting(**{**GOOD, **change})
    assert words in caught.value.message


def test_delta_at_one_over_n_is_an_error_with_a_suggestion():
    """Documented choice (docs/accounting.md): δ ≥ 1/n is an error, not a warning. TF Privacy's own
    test case n = 10^8, δ = 10^-7 is refused for this reason."""
    with pytest.raises(InvalidParameterError, match=r"Use δ ≤ 1e-09"):
        DpSgdSetting(100_000_000, 1024, 0.1, 1e-7, epochs=10)


def test_default_delta_is_a_power_of_ten_below_one_over_ten_n():
    assert default_delta(1797) == 1e-5
    assert default_delta(60000) == 1e-6


def test_bad_target_epsilon():
    with pytest.raises(InvalidParameterError, match="target_epsilon must be > 0"):
        noise_for_target_epsilon(0, dataset_size=1000, batch_size=10, delta=1e-5, epochs=1)


def test_accounting_does_not_import_tensorflow():
    code = (
        "import sys; import jupyter_privacy.core.accounting as a;"
        "a.dp_sgd_epsilon(a.DpSgdSetting(1000, 10, 1.0, 1e-5, epochs=1), 'pld');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'tensorflow_privacy', 'keras', 'IPython')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
