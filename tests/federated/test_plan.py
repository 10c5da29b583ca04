"""Federated accounting: user-level ε of `rounds` Gaussian mechanisms of sensitivity 2·C, checked
against dp-accounting directly; bad settings refused with what to change (no Flower needed)."""

from __future__ import annotations

import math

import dp_accounting
import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.federated import (
    PRIVACY_UNIT,
    plan_federated,
    recorded_epsilon,
)
from jupyter_privacy.core.federated.clients import LocalTraining
from jupyter_privacy.core.federated.settings import RunSettings


def direct_epsilon(sigma: float, rounds: int, delta: float, accountant: str) -> float:
    """`rounds` Gaussians whose noise is σ·C against a sensitivity of 2·C: multiplier σ/2."""
    event = dp_accounting.SelfComposedDpEvent(dp_accounting.GaussianDpEvent(sigma / 2), rounds)
    if accountant == "pld":
        account = dp_accounting.pld.PLDAccountant()
    else:
        account = dp_accounting.rdp.RdpAccountant()
    return float(account.compose(event).get_epsilon(delta))


@pytest.mark.parametrize(("sigma", "rounds", "accountant"),
                         [(1.0, 1, "rdp"), (2.5, 5, "rdp"), (4.0, 10, "pld")])  # fmt: skip
def test_epsilon_is_rounds_gaussians_at_half_the_noise_multiplier(sigma, rounds, accountant):
    plan = plan_federated(clients=3, rounds=rounds, clipping_norm=1.0, noise_multiplier=sigma,
                          delta=1e-5, accountant=accountant)  # fmt: skip
    assert plan.planned.epsilon == pytest.approx(direct_epsilon(sigma, rounds, 1e-5, accountant),
                                                 rel=1e-3)  # fmt: skip
    assert plan.planned.compositions == rounds and plan.planned.privacy_unit == PRIVACY_UNIT
    assert (
        plan.sensitivity == 2.0
        and plan.hyper_parameters()["effective_noise_multiplier"] == sigma / 2
    )


def test_epsilon_grows_each_round_and_ends_at_the_planned_value() -> None:
    plan = plan_federated(clients=4, rounds=4, clipping_norm=0.5, noise_multiplier=3.0)
    spent = [plan.epsilon_after(r).epsilon for r in range(1, 5)]
    assert spent == sorted(spent) and len(set(spent)) == 4
    assert spent[-1] == pytest.approx(plan.planned.epsilon)


def test_target_epsilon_solves_sigma_without_overshooting() -> None:
    plan = plan_federated(clients=3, rounds=3, clipping_norm=1.0, target_epsilon=4.0)
    assert plan.planned.epsilon <= 4.0 and plan.planned.epsilon == pytest.approx(4.0, rel=1e-3)
    assert plan.target_epsilon == 4.0
    assert direct_epsilon(plan.noise_multiplier, 3, plan.delta, "rdp") == pytest.approx(
        plan.planned.epsilon, rel=1e-3)  # fmt: skip


def test_no_amplification_is_claimed_for_a_subset_of_clients() -> None:
    everyone = plan_federated(clients=10, rounds=5, clipping_norm=1.0, noise_multiplier=2.0)
    subset = plan_federated(clients=10, clients_per_round=3, rounds=5, clipping_norm=1.0,
                            noise_multiplier=2.0)  # fmt: skip
    assert subset.planned.epsilon == everyone.planned.epsilon
    assert (everyone.sampling, subset.sampling) == ("all-clients", "fixed-size")
    assert "not Poisson" in subset.planned.sampling_note
    assert "no amplification" in subset.planned.sampling_note
    assert subset.hyper_parameters()["noise_stddev_on_average"] == pytest.approx(2.0 / 3)


def test_default_delta_is_small_and_stated() -> None:
    plan = plan_federated(clients=3, rounds=2, clipping_norm=1.0, noise_multiplier=2.0)
    assert plan.delta == 1e-5 and plan.planned.delta == 1e-5
    many = plan_federated(clients=100_000, rounds=2, clipping_norm=1.0, noise_multiplier=2.0)
    assert many.delta == 1e-6


def test_local_dp_arguments_give_noise_of_sigma_times_clip() -> None:
    plan = plan_federated(clients=3, rounds=2, clipping_norm=0.5, noise_multiplier=3.0,
                          mode="local", delta=1e-6)  # fmt: skip
    training = LocalTraining("{}", "sparse_categorical_crossentropy", True, 1, 8, 0.1)
    args = RunSettings.from_plan(plan, training, 60.0).local_dp_arguments()
    # Flower's LocalDpMod: stddev = sensitivity · √(2 ln(1.25/δ)) / ε
    stddev = args["sensitivity"] * math.sqrt(2 * math.log(1.25 / args["delta"])) / args["epsilon"]
    assert stddev == pytest.approx(3.0 * 0.5) and args["sensitivity"] == 1.0


def test_settings_survive_the_flower_run_config() -> None:
    plan = plan_federated(clients=3, rounds=2, clipping_norm=0.5, noise_multiplier=3.0)
    training = LocalTraining('{"a": "b\\n"}', "binary_crossentropy", False, 2, 16, 0.25)
    settings = RunSettings.from_plan(plan, training, 30.0)
    config = settings.config()
    assert all(isinstance(value, (str, int, float, bool)) for value in config.values())
    assert RunSettings.from_config(config) == settings


def test_recorded_hyper_parameters_recompute_the_same_epsilon() -> None:
    plan = plan_federated(clients=5, clients_per_round=2, rounds=3, clipping_norm=1.0,
                          noise_multiplier=1.5, accountant="pld")  # fmt: skip
    again = recorded_epsilon({"hyper_parameters": plan.hyper_parameters()})
    assert again.epsilon == pytest.approx(plan.planned.epsilon)
    with pytest.raises(InvalidParameterError, match="train_federated"):
        recorded_epsilon({"hyper_parameters": {"clients": 3}})


def test_statement_says_who_is_protected_from_whom() -> None:
    central = plan_federated(clients=3, rounds=2, clipping_norm=1.0, noise_multiplier=2.0)
    local = plan_federated(clients=3, rounds=2, clipping_norm=1.0, noise_multiplier=2.0,
                           mode="local")  # fmt: skip
    text = " ".join(central.statement().split())
    assert "server is trusted" in text and "one client's whole dataset" in text
    assert "not protected" in text and "ε = " in text
    assert "nobody is trusted" in " ".join(local.statement().split())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"clients": 1}, "at least 2 clients"),
        ({"clients_per_round": 4}, "at most 3"),
        ({"noise_multiplier": None}, "exactly one of noise_multiplier"),
        ({"target_epsilon": 1.0}, "exactly one of noise_multiplier"),
        ({"mode": "hybrid"}, "'central'"),
        ({"rounds": 0}, "rounds"),
        ({"clipping_norm": 0}, "clipping_norm"),
        ({"noise_multiplier": 0}, "noise_multiplier"),
        ({"delta": 0.5}, "not below 1/n"),
        ({"accountant": "moments"}, "unknown accountant"),
    ],
)
def test_bad_settings_say_what_to_change(options, message) -> None:
    settings = {"clients": 3, "rounds": 2, "clipping_norm": 1.0, "noise_multiplier": 2.0}
    with pytest.raises(InvalidParameterError, match=message):
        plan_federated(**{**settings, **options})


def test_target_epsilon_includes_the_dp_validation_share() -> None:
    plan = plan_federated(clients=3, rounds=3, clipping_norm=1.0, target_epsilon=4.0,
                          validation="dp", validation_epsilon=0.25)  # fmt: skip
    assert plan.validation_epsilon == 0.25
    assert plan.planned.epsilon == pytest.approx(3.75, rel=1e-3) and plan.planned.epsilon <= 3.75
    assert plan.total_epsilon <= 4.0 and plan.total_epsilon == pytest.approx(4.0, rel=1e-3)
    text = " ".join(plan.statement().split())
    assert "released with differential privacy" in text and "0.0833 per round" in text
    assert "one validation row" in text and "spends ε 4 in total" in text
    # The share is what separates the plans: without validation, σ is solved for the whole 4.
    whole = plan_federated(clients=3, rounds=3, clipping_norm=1.0, target_epsilon=4.0)
    assert whole.noise_multiplier < plan.noise_multiplier and whole.validation_epsilon == 0
    assert "No validation metrics are released" in whole.statement()
    public = plan_federated(clients=3, rounds=3, clipping_norm=1.0, target_epsilon=4.0,
                            validation="public")  # fmt: skip
    assert public.total_epsilon == public.planned.epsilon
    assert "NOT covered" in public.statement() and "declared public" in public.statement()
    with pytest.raises(InvalidParameterError, match="leaves nothing of target_epsilon"):
        plan_federated(clients=3, rounds=3, clipping_norm=1.0, target_epsilon=0.2,
                       validation="dp", validation_epsilon=0.25)  # fmt: skip
    with pytest.raises(InvalidParameterError, match="validation must be one of"):
        plan_federated(clients=3, rounds=3, clipping_norm=1.0, noise_multiplier=2.0,
                       validation="exact")  # fmt: skip
