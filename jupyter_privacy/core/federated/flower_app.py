"""The Flower side of a DP federated training, on Flower 1.23's Message API.

Server: FedAvg with a fixed denominator (below), wrapped in Flower's
DifferentialPrivacyServerSideFixedClipping in central mode, which clips every reply's update and
adds the Gaussian noise. Client: trains the global model locally and replies with its weights only;
in local mode Flower's LocalDpMod clips the update and adds the noise before the reply leaves.

Flower draws that noise from numpy's *global* generator. Code that seeds it (a notebook calling
`tf.keras.utils.set_random_seed`, a client's training) would make the noise predictable, so numpy's
global generator is reseeded from the operating system's entropy right before each noise draw.

Importing this module imports Flower: load it only through `require_flower()` (settings.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.clientapp.mod import LocalDpMod
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import DifferentialPrivacyServerSideFixedClipping, FedAvg, Strategy

from jupyter_privacy.core.federated.clients import Weights
from jupyter_privacy.core.federated.settings import RunSettings

ARRAYS = "arrays"
#: on_round(round, global weights after it, whether that round's updates were aggregated)
RoundCallback = Callable[[int, Weights, bool], None]
DataFor = Callable[[Context], tuple[Any, Any]]


class FixedDenominatorFedAvg(FedAvg):
    """FedAvg that weighs every client equally and divides the sum of the (clipped) updates by the
    planned number of clients per round m, not by the number of replies. One client's influence on
    the average is then at most 2·C/m, whatever the others send: what the DP noise is calibrated
    to. (Flower's FedAvg weighs by example counts, which clients would have to disclose.)"""

    def __init__(self, *, clients: int, clients_per_round: int) -> None:
        super().__init__(
            fraction_train=clients_per_round / clients, min_train_nodes=clients_per_round,
            min_available_nodes=clients,
        )  # fmt: skip
        # Federated evaluation would send each client's loss on its private data, unnoised, to
        # the server: switched off (set here rather than passed, which only logs a warning).
        self.fraction_evaluate, self.min_evaluate_nodes = 0.0, 0
        self.denominator = clients_per_round
        self.aggregated_rounds: set[int] = set()
        self._current: Weights = []

    def configure_train(
        self, server_round: int, arrays: ArrayRecord, config: ConfigRecord, grid: Grid
    ) -> Iterable[Message]:
        self._current = arrays.to_numpy_ndarrays()
        return super().configure_train(server_round, arrays, config, grid)

    def aggregate_train(
        self, server_round: int, replies: Iterable[Message]
    ) -> tuple[ArrayRecord | None, MetricRecord | None]:
        valid = [reply for reply in replies if not reply.has_error()]
        if not valid:
            return None, None
        total = [np.zeros(w.shape, dtype=np.float64) for w in self._current]
        for reply in valid:
            new = reply.content.array_records[ARRAYS].to_numpy_ndarrays()
            for index, (updated, previous) in enumerate(zip(new, self._current, strict=True)):
                total[index] += updated - previous
        average = [
            (previous + summed / self.denominator).astype(previous.dtype)
            for previous, summed in zip(self._current, total, strict=True)
        ]
        self.aggregated_rounds.add(server_round)
        np.random.seed()  # the DP wrapper's noise comes next, from this generator
        return ArrayRecord(average), None


def run_server(
    grid: Grid, settings: RunSettings, initial: Weights, on_round: RoundCallback
) -> None:
    """The ServerApp's body: `rounds` rounds of (DP) FedAvg, reporting each round's model."""
    inner = FixedDenominatorFedAvg(
        clients=settings.clients, clients_per_round=settings.clients_per_round
    )
    strategy: Strategy = inner
    if settings.mode == "central":
        strategy = DifferentialPrivacyServerSideFixedClipping(
            inner, settings.noise_multiplier, settings.clipping_norm, settings.clients_per_round
        )

    def report(server_round: int, arrays: ArrayRecord) -> MetricRecord | None:
        if server_round > 0:
            on_round(
                server_round, arrays.to_numpy_ndarrays(), server_round in inner.aggregated_rounds
            )
        return None

    strategy.start(
        grid=grid, initial_arrays=ArrayRecord(initial), num_rounds=settings.rounds,
        timeout=settings.round_timeout, evaluate_fn=report,
    )  # fmt: skip


def server_app(settings: RunSettings, initial: Weights, on_round: RoundCallback) -> ServerApp:
    app = ServerApp()

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        run_server(grid, settings, initial, on_round)

    return app


def fresh_noise_seed(msg: Message, context: Context, call_next: Callable[..., Message]) -> Message:
    """Client mod placed inside LocalDpMod: after local training (which may seed numpy), reseed
    numpy's global generator from OS entropy, so the noise LocalDpMod draws next is fresh."""
    reply = call_next(msg, context)
    np.random.seed()
    return reply


def client_mods(settings: RunSettings) -> list[Any]:
    """Local DP: Flower's LocalDpMod (outermost, so it clips and noises the final reply)."""
    if settings.mode != "local":
        return []
    return [LocalDpMod(**settings.local_dp_arguments()), fresh_noise_seed]


def train_reply(settings: RunSettings, msg: Message, x: Any, y: Any) -> Message:
    """Train the received global model on this client's data; reply with the weights only."""
    weights = settings.training.train(msg.content.array_records[ARRAYS].to_numpy_ndarrays(), x, y)
    return Message(RecordDict({ARRAYS: ArrayRecord(weights)}), reply_to=msg)


def client_app(settings: RunSettings, data_for: DataFor) -> ClientApp:
    app = ClientApp(mods=client_mods(settings))

    @app.train()
    def train(msg: Message, context: Context) -> Message:
        x, y = data_for(context)
        return train_reply(settings, msg, x, y)

    return app
