"""A throw-away standalone Spark cluster for tests and benchmarks: a master and one worker on 127.0.0.1.

Test support, not used by the kit at run time. It runs the `spark-class` launcher that PyPI's
pyspark ships (no Spark download), needs Java 17 (installed from Debian when missing, as root, like
scripts/ensure-system-deps.sh), and stops both processes and removes its folder on `stop()` (also
at interpreter exit, if a test run is interrupted).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READY_TIMEOUT = 240.0  # seconds for the master and the worker to start (slow on a loaded machine)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ensure_java() -> str:
    """The `java` executable; Debian's openjdk-17-jre-headless is installed when missing (root)."""
    found = shutil.which("java")
    if found is None and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "openjdk-17-jre-headless"], check=True,
                       env=env)  # fmt: skip
        found = shutil.which("java")
    if found is None:
        raise RuntimeError("Java is not installed: apt-get install openjdk-17-jre-headless")
    return found


class SparkCluster:
    """`spark://127.0.0.1:PORT` with one worker of `cores` cores and `memory` for executors."""

    def __init__(self, *, cores: int = 2, memory: str = "2g") -> None:
        import pyspark

        ensure_java()
        self.folder = Path(tempfile.mkdtemp(prefix="jp-spark-"))
        home = Path(pyspark.__file__).parent
        self._launcher = str(home / "bin" / "spark-class")
        self._env = {
            **os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_NO_DAEMONIZE": "1", "PYSPARK_PYTHON": sys.executable,
            "SPARK_WORKER_DIR": str(self.folder / "work"), "SPARK_LOG_DIR": str(self.folder),
        }  # fmt: skip
        self._processes: list[subprocess.Popen[bytes]] = []
        atexit.register(self.stop)
        try:
            port = free_port()
            self.url = f"spark://127.0.0.1:{port}"
            self._start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                        "--port", str(port), "--webui-port", str(free_port()),
                        ready="I have been elected leader")  # fmt: skip
            self._start("worker", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                        "--port", str(free_port()), "--webui-port", str(free_port()),
                        "--cores", str(cores), "--memory", memory, self.url,
                        ready="Successfully registered with master")  # fmt: skip
        except BaseException:
            self.stop()
            raise

    def _start(self, name: str, main_class: str, *args: str, ready: str) -> None:
        log = self.folder / f"{name}.log"
        with open(log, "wb") as output:
            process = subprocess.Popen([self._launcher, main_class, *args], env=self._env,
                                       stdout=output, stderr=subprocess.STDOUT)  # fmt: skip
        self._processes.append(process)
        deadline = time.monotonic() + READY_TIMEOUT
        while ready not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the Spark {name} did not start:\n{tail}")
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop the worker, then the master (each by its own process id); remove the folder."""
        for process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=30)
        self._processes = []
        with contextlib.suppress(OSError):
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> SparkCluster:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
