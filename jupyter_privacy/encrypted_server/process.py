"""Start the scoring service as its own process (what a notebook or a test does), and stop it.

A separate process is the honest boundary: the service cannot reach the client's key in memory.
The token is handed over in the environment (never on the command line, where `ps` shows it) and
the service reports its port through a private ready file.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from jupyter_privacy.encrypted_server import TOKEN_ENV
from jupyter_privacy.encrypted_server.client import ScoringServiceClient, ServiceError


class RunningService:
    """A started service: `client()` talks to it; `stop()` (or leaving a `with`) ends it."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, token: str, log: IO[bytes],
                 folder: tempfile.TemporaryDirectory[str]) -> None:  # fmt: skip
        self.process, self.url, self._token = process, url, token
        self._log, self._folder = log, folder

    def __repr__(self) -> str:
        state = "running" if self.process.poll() is None else f"exited {self.process.returncode}"
        return f"RunningService({self.url}, pid {self.process.pid}, {state})"

    def client(self, *, timeout: float = 300.0) -> ScoringServiceClient:
        return ScoringServiceClient(self.url, self._token, timeout=timeout)

    def log_text(self) -> str:
        """What the service wrote to stdout/stderr so far (for tests and troubleshooting)."""
        self._log.flush()
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 15.0) -> int:
        atexit.unregister(self.stop)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self._log.close()
        self._folder.cleanup()
        return int(self.process.returncode)

    def __enter__(self) -> RunningService:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.stop()


def start_service(
    model_path: str | Path, *, token: str | None = None, port: int = 0,
    max_body_bytes: int | None = None, timeout: float = 120.0, extra_args: list[str] | None = None,
) -> RunningService:  # fmt: skip
    """Run `jupyter privacy he serve` on 127.0.0.1 (a free port by default) and wait until it
    accepts connections; a service that fails to start raises with the end of its log."""
    folder = tempfile.TemporaryDirectory(prefix="jp-he-")
    ready = Path(folder.name) / "ready.json"
    log = open(Path(folder.name) / "service.log", "w+b")  # noqa: SIM115 - closed by stop()
    token = token or secrets.token_urlsafe(32)
    command = [sys.executable, "-m", "jupyter_privacy.cli", "he", "serve", "--model",
               str(model_path), "--port", str(port), "--ready-file", str(ready),
               "--exit-with-parent"]  # fmt: skip
    if max_body_bytes is not None:
        command += ["--max-body-bytes", str(max_body_bytes)]
    command += extra_args or []
    env = {**os.environ, TOKEN_ENV: token}
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + timeout
    while not ready.is_file():
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.seek(0)
            tail = log.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            log.close()
            folder.cleanup()
            raise ServiceError(
                "the encrypted scoring service did not start"
                + (f": {' '.join(tail)}" if tail else f" within {timeout:g} s")
            )
        time.sleep(0.05)
    info: dict[str, Any] = json.loads(ready.read_text(encoding="utf-8"))
    service = RunningService(process, str(info["url"]), token, log, folder)
    atexit.register(service.stop)
    return service
