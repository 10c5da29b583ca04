"""The settings a Flower run needs on the server and on every client, as flat values.

In a simulation they are passed in memory; in a deployment they travel as the Flower run config
(`[tool.flwr.app.config]`), which SuperLink hands to the ServerApp and SuperNodes to ClientApps.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jupyter_privacy.core.errors import require_extra
from jupyter_privacy.core.federated.clients import LocalTraining
from jupyter_privacy.core.federated.plan import FederatedPlan

Config = dict[str, str | int | float | bool]


def require_flower() -> Any:
    """Flower, or MissingExtraError naming jupyter-privacy[federated]. Flower's telemetry (run
    events sent to telemetry.flower.ai) and Ray's usage statistics are turned off unless the user
    turned them on explicitly: a privacy kit does not report its runs."""
    os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    flwr = require_extra("flwr", "federated")
    from flwr.common import telemetry

    telemetry.FLWR_TELEMETRY_ENABLED = os.environ["FLWR_TELEMETRY_ENABLED"]  # read at its import
    return flwr


@dataclass(frozen=True)
class RunSettings:
    mode: str
    clients: int
    clients_per_round: int
    rounds: int
    clipping_norm: float
    noise_multiplier: float
    delta: float
    training: LocalTraining
    round_timeout: float

    @classmethod
    def from_plan(
        cls, plan: FederatedPlan, training: LocalTraining, round_timeout: float
    ) -> RunSettings:
        return cls(
            mode=plan.mode, clients=plan.clients, clients_per_round=plan.clients_per_round,
            rounds=plan.rounds, clipping_norm=plan.clipping_norm,
            noise_multiplier=plan.noise_multiplier, delta=plan.delta, training=training,
            round_timeout=round_timeout,
        )  # fmt: skip

    def local_dp_arguments(self) -> dict[str, float]:
        """LocalDpMod's arguments for noise of standard deviation σ·C on each update. Flower
        derives that deviation as sensitivity·√(2 ln(1.25/δ))/ε, so this `epsilon` is only that
        parametrisation (the classic Gaussian bound, proven for ε < 1); the ε the kit states and
        records comes from its accountant (plan.py)."""
        sensitivity = 2 * self.clipping_norm
        scale = math.sqrt(2 * math.log(1.25 / self.delta))
        return {
            "clipping_norm": self.clipping_norm,
            "sensitivity": sensitivity,
            "epsilon": sensitivity * scale / (self.noise_multiplier * self.clipping_norm),
            "delta": self.delta,
        }

    def config(self) -> Config:
        return {
            **self.training.config(), "mode": self.mode, "clients": self.clients,
            "clients-per-round": self.clients_per_round, "rounds": self.rounds,
            "clipping-norm": self.clipping_norm, "noise-multiplier": self.noise_multiplier,
            "delta": self.delta, "round-timeout": self.round_timeout,
        }  # fmt: skip

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RunSettings:
        return cls(
            mode=str(config["mode"]), clients=int(config["clients"]),
            clients_per_round=int(config["clients-per-round"]), rounds=int(config["rounds"]),
            clipping_norm=float(config["clipping-norm"]),
            noise_multiplier=float(config["noise-multiplier"]), delta=float(config["delta"]),
            training=LocalTraining.from_config(config),
            round_timeout=float(config["round-timeout"]),
        )  # fmt: skip
