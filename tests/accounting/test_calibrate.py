"""Inverses: σ for a target ε never overshoots and is the smallest within tolerance; most epochs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_privacy.core.accounting import (
    DpSgdSetting,
    compose_releases,
    dp_sgd_epsilon,
    epsilon_curve,
    max_epochs_for_target,
    noise_for_target_epsilon,
)
from jupyter_privacy.core.accounting.calibrate import SIGMA_RTOL
from jupyter_privacy.core.errors import InvalidParameterError


@settings(max_examples=25, deadline=None)
@given(
    target=st.sampled_from([0.1, 0.5, 1.0, 2.0, 3.0, 8.0, 20.0]),
    n=st.sampled_from([1000, 20000, 60000]),
    batch=st.sampled_from([16, 64, 256]),
    epochs=st.sampled_from([1, 5, 30]),
    sampling=st.sampled_from(["poisson", "shuffle"]),
)
def test_noise_for_target_never_overshoots(target, n, batch, epochs, sampling):
    delta = 1e-5 if n > 10000 else 1e-4
    calibration = noise_for_target_epsilon(
        target, dataset_size=n, batch_size=batch, delta=delta, epochs=epochs, sampling=sampling
    )
    sigma = calibration.noise_multiplier
    setting = DpSgdSetting(n, batch, sigma, delta, epochs=epochs, sampling=sampling)
    assert dp_sgd_epsilon(setting).epsilon <= target
    assert calibration.achieved.epsilon <= target
    # ... and it is the smallest σ up to the search tolerance: a little less noise overshoots.
    smaller = setting.with_changes(noise_multiplier=sigma * (1 - 2 * SIGMA_RTOL))
    assert dp_sgd_epsilon(smaller).epsilon > target


def test_noise_for_target_with_pld_never_overshoots():
    calibration = noise_for_target_epsilon(
        2.0, dataset_size=2000, batch_size=100, delta=1e-5, epochs=2, accountant="pld", rtol=1e-2
    )
    assert calibration.achieved.epsilon <= 2.0
    rdp = noise_for_target_epsilon(2.0, dataset_size=2000, batch_size=100, delta=1e-5, epochs=2)
    assert calibration.noise_multiplier <= rdp.noise_multiplier
    assert calibration.achieved.accountant == "pld"


def test_max_epochs_is_the_largest_within_target():
    setting = DpSgdSetting(60000, 256, 1.1, 1e-5, epochs=1)
    epochs, result = max_epochs_for_target(3.0, setting)
    assert result.epsilon <= 3.0
    assert dp_sgd_epsilon(setting.with_changes(epochs=epochs + 1)).epsilon > 3.0


def test_max_epochs_refuses_a_target_one_epoch_exceeds():
    setting = DpSgdSetting(1000, 500, 0.5, 1e-4, epochs=1)
    with pytest.raises(InvalidParameterError, match="even one epoch"):
        max_epochs_for_target(0.01, setting)


def test_epsilon_curve_falls_as_noise_rises():
    setting = DpSgdSetting(60000, 256, 1.0, 1e-5, epochs=10)
    curve = [r.epsilon for r in epsilon_curve(setting, [0.6, 0.8, 1.0, 1.5, 2.0])]
    assert curve == sorted(curve, reverse=True)


def test_composition_is_tighter_than_the_ledgers_sum_and_sound():
    run = DpSgdSetting(60000, 256, 1.1, 5e-6, epochs=30)
    result = compose_releases([run, run], delta=1e-5)
    single = dp_sgd_epsilon(run).epsilon
    assert result.basic_epsilon == pytest.approx(2 * single)
    assert result.basic_delta == pytest.approx(1e-5)
    assert single < result.composed_epsilon < result.basic_epsilon
    # Two runs of 30 epochs are one run of 60 epochs, same δ.
    assert result.composed_epsilon == pytest.approx(
        dp_sgd_epsilon(run.with_changes(epochs=60, delta=1e-5)).epsilon, rel=1e-3
    )


def test_composition_needs_the_same_dataset():
    with pytest.raises(InvalidParameterError, match="same dataset"):
        compose_releases(
            [DpSgdSetting(1000, 10, 1, 1e-5, epochs=1), DpSgdSetting(2000, 10, 1, 1e-5, epochs=1)],
            delta=1e-5,
        )
