"""Run a federated training on Flower's simulation engine: the ServerApp in a thread of this process,
each client's ClientApp in Ray actors on this machine.

Ray is started small (two CPUs at most, a 100 MB object store, no dashboard, no usage statistics)
and always as a fresh local instance, never attached to a cluster someone else started; Flower
shuts it down when the run ends.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from jupyter_privacy.core.errors import PrivacyError
from jupyter_privacy.core.federated.clients import ClientData, Weights
from jupyter_privacy.core.federated.settings import RunSettings, require_flower

OBJECT_STORE_BYTES = 100 * 1024**2


class FederatedRunError(PrivacyError):
    """The federated run failed before it could produce a model; nothing was spent."""

    code = "federated_run_failed"


def backend_config(cpus: int | None, verbose: bool = False) -> dict[str, Any]:
    cpus = cpus or min(2, os.cpu_count() or 1)
    return {
        "client_resources": {"num_cpus": 1, "num_gpus": 0},
        "init_args": {
            "address": "local", "num_cpus": cpus, "include_dashboard": False,
            "object_store_memory": OBJECT_STORE_BYTES, "log_to_driver": verbose,
            "logging_level": logging.INFO if verbose else logging.ERROR,
            "_node_ip_address": "127.0.0.1",
        },
    }  # fmt: skip


@contextmanager
def quiet_flower(verbose: bool) -> Iterator[None]:
    """Flower logs every round at INFO; a notebook shows only its warnings unless `verbose`."""
    logger = logging.getLogger("flwr")
    level = logger.level
    if not verbose:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def simulate(
    settings: RunSettings, initial: Weights, clients: Sequence[ClientData],
    on_round: Any, *, cpus: int | None = None, verbose: bool = False,
) -> None:  # fmt: skip
    """Run every round; `on_round` is called in the ServerApp's thread after each one."""
    require_flower()
    from flwr.simulation import run_simulation

    from jupyter_privacy.core.federated import flower_app

    data = [(client.x, client.y) for client in clients]
    failures: list[BaseException] = []

    def reporting(server_round: int, weights: Weights, aggregated: bool) -> None:
        try:
            on_round(server_round, weights, aggregated)
        except BaseException as error:  # Flower would log it and raise a bare RuntimeError
            failures.append(error)
            raise

    def data_for(context: Any) -> tuple[Any, Any]:
        return data[int(context.node_config["partition-id"])]

    server = flower_app.server_app(settings, initial, reporting)
    client = flower_app.client_app(settings, data_for)
    with quiet_flower(verbose):
        try:
            run_simulation(
                server_app=server, client_app=client, num_supernodes=len(clients),
                backend_config=backend_config(cpus, verbose),
            )  # fmt: skip
        except RuntimeError as error:
            if failures:
                raise failures[0] from None
            raise FederatedRunError(
                f"the Flower simulation failed ({error}); nothing was spent. Run again with "
                "verbose=True to see Flower's log"
            ) from None
