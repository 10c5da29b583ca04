"""Run a federated training on Flower's deployment engine, on this machine: a SuperLink and one
SuperNode per client as separate processes talking gRPC over 127.0.0.1, the run submitted with
`flwr run` as a Flower App (deployed.py).

Each client's data are written to a private temporary folder (mode 0700) that only its SuperNode
is pointed at, and removed when the run ends. Every process is started in its own process group
and ended with it (SIGTERM, then SIGKILL) however the run ends; the whole run is bounded in time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import numpy as np

from jupyter_privacy.core.federated.clients import ClientData, Weights
from jupyter_privacy.core.federated.settings import RunSettings, require_flower
from jupyter_privacy.core.federated.simulation import FederatedRunError

HOST = "127.0.0.1"
APP = "jupyter_privacy.core.federated.deployed"
LAUNCH = "jupyter_privacy.core.federated.launch"
#: Time allowed for the processes to start, on top of the rounds' own timeouts.
STARTUP_SECONDS = 240.0
_POLL_SECONDS = 0.5


def free_ports(count: int) -> list[int]:
    """Ports the kernel just handed out on 127.0.0.1 (released again for the servers to bind)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


#: Commands Flower itself starts by name, which need no TensorFlow (launch.py); flwr-clientapp
#: (trains Keras models) is found as installed.
_SHIMMED = ("flower-superexec", "flwr-serverapp")


def _environment(root: Path) -> dict[str, str]:
    """Flower's processes find `flower-superexec` and `flwr-serverapp` as launch.py shims first,
    then this Python's own scripts (flwr-clientapp)."""
    shims = root / "bin"
    shims.mkdir()
    for command in _SHIMMED:
        shim = shims / command
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m {LAUNCH} {command} "$@"\n')
        shim.chmod(0o755)
    path = os.pathsep.join([str(shims), str(Path(sys.executable).parent),
                            os.environ.get("PATH", "")])  # fmt: skip
    return {
        **os.environ, "FLWR_HOME": str(root / "flwr"), "FLWR_TELEMETRY_ENABLED": "0",
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"), "PATH": path,
    }  # fmt: skip


def _command(name: str, *args: str) -> list[str]:
    """A Flower command run through launch.py (without TensorFlow and Ray)."""
    return [sys.executable, "-m", LAUNCH, name, *args]


class Processes:
    """Started processes, each leading its own process group, all ended together."""

    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs, self.env = logs, env
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                cwd=self.logs, start_new_session=True,
            )  # fmt: skip
        self.running.append((name, process))
        return process

    def check_alive(self, *names: str) -> None:
        for name, process in self.running:
            if name in names and process.poll() is not None:
                raise FederatedRunError(
                    f"the local Flower {name} stopped (exit code {process.returncode}) before the "
                    "run finished; nothing was spent. Run with verbose=True to see its log"
                )

    def stop(self, grace: float = 5.0) -> None:
        for _, process in self.running:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for _, process in self.running:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            _signal_group(process, signal.SIGKILL)  # the group: SuperExec and app children too
            process.wait()
        self.running.clear()

    def tail(self, lines: int = 40) -> str:
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _wait_for_port(port: int, deadline: float, processes: Processes) -> None:
    while time.monotonic() < deadline:
        processes.check_alive("superlink")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            if sock.connect_ex((HOST, port)) == 0:
                return
        time.sleep(_POLL_SECONDS)
    raise FederatedRunError("the local SuperLink did not start in time; nothing was spent")


def write_app(folder: Path, settings: RunSettings, work: Path, control_port: int) -> Path:
    """The Flower App folder `flwr run` bundles: a pyproject.toml naming deployed.py's apps, the
    run config (the settings, the server's work folder) and the local federation; a README."""
    import tomli_w

    folder.mkdir(parents=True)
    config = {**settings.config(), "work-dir": str(work)}
    document = {
        "project": {"name": "jupyter-privacy-federated", "version": "1.0.0",
                    "description": "DP federated averaging run by jupyter-privacy",
                    "license": "BSD-3-Clause", "dependencies": []},
        "tool": {"flwr": {
            "app": {"publisher": "jupyter-privacy",
                    "components": {"serverapp": f"{APP}:server_app",
                                   "clientapp": f"{APP}:client_app"},
                    "config": config},
            "federations": {"default": "local",
                            "local": {"address": f"{HOST}:{control_port}", "insecure": True}},
        }},
    }  # fmt: skip
    (folder / "pyproject.toml").write_text(tomli_w.dumps(document), encoding="utf-8")
    (folder / "README.md").write_text(  # a FAB must carry one file besides its pyproject.toml
        f"DP federated averaging started by jupyter-privacy; the apps are {APP}.\n",
        encoding="utf-8",
    )
    return folder


@contextmanager
def local_federation(
    clients: Sequence[ClientData], root: Path, *, deadline: float
) -> Iterator[tuple[Processes, int]]:
    """A SuperLink and one SuperNode per client on 127.0.0.1; yields (processes, control port)."""
    logs = root / "logs"
    logs.mkdir()
    processes = Processes(logs, _environment(root))
    fleet, serverappio, control, *appio = free_ports(3 + len(clients))
    try:
        processes.start("superlink", _command(
            "flower-superlink", "--insecure", "--fleet-api-address", f"{HOST}:{fleet}",
            "--serverappio-api-address", f"{HOST}:{serverappio}",
            "--control-api-address", f"{HOST}:{control}",
        ))  # fmt: skip
        data = root / "clients"
        data.mkdir(mode=0o700)
        wait = str(max(30, int(deadline - time.monotonic())))
        for index, client in enumerate(clients):
            path = data / f"client-{index}.npz"
            np.savez(path, client.x, client.y)
            processes.start(f"supernode-{index}", _command(
                "flower-supernode", "--insecure", "--superlink", f"{HOST}:{fleet}",
                "--clientappio-api-address", f"{HOST}:{appio[index]}",
                "--node-config", f'data-path="{path}"', "--max-wait-time", wait,
            ))  # fmt: skip
        _wait_for_port(control, deadline, processes)
        yield processes, control
    finally:
        processes.stop()


def deploy_locally(
    settings: RunSettings, initial: Weights, clients: Sequence[ClientData],
    on_round: Callable[[int, Weights, bool], None], *, verbose: bool = False,
    startup_seconds: float = STARTUP_SECONDS,
) -> None:  # fmt: skip
    """Run every round on a local deployment; `on_round` is called here as rounds finish."""
    require_flower()
    from jupyter_privacy.core.federated.deployed import ROUNDS_FILE, load_arrays, round_path

    deadline = time.monotonic() + startup_seconds + settings.rounds * settings.round_timeout
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="jp-federation-")))
        work = root / "server"
        work.mkdir()
        np.savez(work / "initial.npz", *initial)
        processes, control = stack.enter_context(local_federation(clients, root, deadline=deadline))
        app = write_app(root / "app", settings, work, control)
        runner = processes.start("run", _command("flwr", "run", str(app), "local", "--stream"))
        done = 0
        try:
            while True:
                finished = runner.poll() is not None
                for line in _new_lines(work / ROUNDS_FILE, done):
                    entry = json.loads(line)
                    on_round(entry["round"], load_arrays(round_path(work, entry["round"])),
                             bool(entry["aggregated"]))  # fmt: skip
                    done += 1
                if finished or done >= settings.rounds:
                    break
                processes.check_alive("superlink")
                if time.monotonic() > deadline:
                    raise FederatedRunError(
                        f"the local Flower deployment did not finish {settings.rounds} rounds in "
                        f"time ({done} done); it was stopped and nothing was spent"
                    )
                time.sleep(_POLL_SECONDS)
        except BaseException:
            if verbose:
                print(processes.tail(), file=sys.stderr)
            raise
        if done < settings.rounds:
            if verbose:
                print(processes.tail(), file=sys.stderr)
            raise FederatedRunError(
                f"`flwr run` ended (exit code {runner.returncode}) after {done} of "
                f"{settings.rounds} rounds; nothing was spent. Run with verbose=True to see the "
                "Flower logs"
            )


def _new_lines(path: Path, seen: int) -> list[str]:
    if not path.is_file():
        return []
    complete = path.read_text(encoding="utf-8").split("\n")[:-1]  # the last may be half-written
    return [line for line in complete[seen:] if line.strip()]
