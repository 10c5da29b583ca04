"""Run the encrypted-scoring service until SIGINT/SIGTERM (`jupyter privacy he serve`).

It binds to loopback unless told otherwise: the ciphertexts are safe on any network, but the token
travels in a header over plain HTTP, so a remote service belongs behind a TLS-terminating proxy.
The bound address is written to `ready_file` (JSON, mode 0600) once it accepts connections: with
`port=0` that is how a launcher learns the port.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from jupyter_privacy.core.encrypted import EncryptedModel
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.encrypted_server import TOKEN_ENV
from jupyter_privacy.encrypted_server.app import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONTEXTS,
    ServiceState,
    make_app,
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    model_path: str | Path, *, token: str, host: str = "127.0.0.1", port: int = 8765,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, max_contexts: int = DEFAULT_MAX_CONTEXTS,
    allow_remote: bool = False, ready_file: str | Path | None = None,
    exit_with_parent: bool = False, echo: Callable[[str], None] | None = None,
) -> None:  # fmt: skip
    if not token or len(token) < 16:
        raise InvalidParameterError(
            f"give the service a token of at least 16 characters (${TOKEN_ENV} or --token-file)"
        )
    if not is_loopback(host) and not allow_remote:
        raise InvalidParameterError(
            f"{host} is not a loopback address: the service speaks plain HTTP, so its token would "
            "cross the network in the clear; put it behind a TLS proxy and pass --allow-remote"
        )
    model = EncryptedModel.load(model_path)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="[he-serve %(asctime)s] %(message)s"
    )  # tornado's access log: no bodies
    state = ServiceState(model, token, max_body_bytes=max_body_bytes, max_contexts=max_contexts)
    say = echo or (lambda text: print(text, file=sys.stderr, flush=True))
    parent = os.getppid() if exit_with_parent else None
    asyncio.run(_serve(state, host, port, ready_file, say, parent))


async def _serve(
    state: ServiceState, host: str, port: int, ready_file: str | Path | None,
    say: Callable[[str], None], parent: int | None,
) -> None:  # fmt: skip
    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets

    # tornado's own cap sits above ours, so an oversized body meets our 413 (with a message)
    # rather than tornado's bare 400.
    server = HTTPServer(make_app(state), max_body_size=state.max_body_bytes + 2**20,
                        max_buffer_size=state.max_body_bytes + 2**20)  # fmt: skip
    sockets = bind_sockets(port, host)
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()[1]
    url = f"http://{host if ':' not in host else f'[{host}]'}:{bound}"
    if ready_file:
        _write_private(Path(ready_file), {"url": url, "port": bound, "pid": os.getpid()})
    say(f"encrypted scoring of {state.model.describe()} on {url} "
        f"(body limit {state.max_body_bytes} bytes); Ctrl-C stops it")  # fmt: skip
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if parent is not None:  # a notebook's service must not outlive its kernel
        from tornado.ioloop import PeriodicCallback

        PeriodicCallback(lambda: os.getppid() != parent and stop.set(), 1000).start()
    try:
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()
        state.executor.shutdown(wait=False, cancel_futures=True)
        say("encrypted scoring service stopped")


def _write_private(path: Path, data: dict[str, object]) -> None:
    """Write atomically (a reader never sees half a file), readable by this user only."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    partial.replace(path)
