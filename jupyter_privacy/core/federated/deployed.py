"""The Flower App a deployment runs: `server_app` and `client_app`, loaded by name by the
`flwr-serverapp` and `flwr-clientapp` processes that SuperLink and each SuperNode start.

Everything they need travels the way it would between machines: the training settings as the
Flower run config, the model as messages, and each client's data from the path its SuperNode was
given (`--node-config data-path=…`), never through the server. The ServerApp writes each round's
global model (already noised in central mode) to its work folder, where the process that started
the run reads it.

Importing this module imports Flower.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from flwr.app import Context, Message
from flwr.clientapp import ClientApp
from flwr.clientapp.mod import LocalDpMod
from flwr.serverapp import Grid, ServerApp

from jupyter_privacy.core.federated.clients import Weights
from jupyter_privacy.core.federated.flower_app import fresh_noise_seed, run_server, train_reply
from jupyter_privacy.core.federated.settings import RunSettings

ROUNDS_FILE = "rounds.jsonl"


def save_arrays(path: Path, arrays: Weights) -> None:
    """Write atomically, so a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
    np.savez(temporary, *arrays)
    temporary.replace(path)


def load_arrays(path: Path) -> Weights:
    with np.load(path) as archive:
        return [archive[f"arr_{i}"] for i in range(len(archive.files))]


def round_path(work: Path, server_round: int) -> Path:
    return work / f"round-{server_round}.npz"


server_app = ServerApp()


@server_app.main()
def _serve(grid: Grid, context: Context) -> None:
    settings = RunSettings.from_config(context.run_config)
    work = Path(str(context.run_config["work-dir"]))

    def publish(server_round: int, weights: Weights, aggregated: bool) -> None:
        save_arrays(round_path(work, server_round), weights)
        with (work / ROUNDS_FILE).open("a", encoding="utf-8") as log:
            log.write(json.dumps({"round": server_round, "aggregated": aggregated}) + "\n")

    run_server(grid, settings, load_arrays(work / "initial.npz"), publish)


def _local_dp_if_asked(msg: Message, context: Context, call_next: Any) -> Message:
    """The mode arrives with the run config, after the app is built: apply Flower's LocalDpMod
    (with a fresh noise seed inside it, as in simulation) when the run is in local mode."""
    settings = RunSettings.from_config(context.run_config)
    if settings.mode != "local":
        return call_next(msg, context)  # type: ignore[no-any-return]
    local_dp = LocalDpMod(**settings.local_dp_arguments())
    return local_dp(msg, context, lambda m, c: fresh_noise_seed(m, c, call_next))


client_app = ClientApp(mods=[_local_dp_if_asked])


@client_app.train()
def _train(msg: Message, context: Context) -> Message:
    data = load_arrays(Path(str(context.node_config["data-path"])))
    return train_reply(RunSettings.from_config(context.run_config), msg, data[0], data[1])
