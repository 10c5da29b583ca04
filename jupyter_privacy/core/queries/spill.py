"""Spill files of in-memory tables: private while the process lives, removed when it dies.

A spilled column is the plaintext of private data, often in shared memory (/dev/shm), which lives
until reboot. So:

- files are 0600 in a 0700 folder named after the process (`jupyter-privacy-<pid>-<start>-…`);
- the table removes them when it is closed or garbage-collected, Python at exit;
- a watchdog (one small process per Python process that spills, in its own session so that
  signals to the kernel's process group spare it) waits for its parent to end, however it ends
  (`kill -9`, out of memory, a kernel restart), then removes that process's folders;
- the next process that spills removes the folders of processes that are gone (the watchdog may
  have been killed too): its id and start time, in the folder's name, tell.

Unlinking each file right after opening it and reading it back through `/proc/self/fd/N` would
leave nothing at all to clean up, but polars resolves scan paths (realpath) and so cannot scan an
unlinked file, and a plan holding an open file handle cannot be handed to OpenDP (it does not
serialise). See docs/queries.md, "Spill files".
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import weakref
from pathlib import Path
from typing import Any

import polars as pl

PREFIX = "jupyter-privacy-"
_NAME = re.compile(rf"^{re.escape(PREFIX)}(\d+)-(\d+)-")
_SHARED_MEMORY = "/dev/shm"
_swept: set[str] = set()
_watchdog: dict[str, Any] = {}  # {"pid": owner, "process": Popen}

#: Run by the watchdog: wait for EOF on stdin (the parent is gone, or closed the pipe), then
#: remove the folders whose names start with argv[1] in each parent folder argv[2:].
_WATCHDOG = """
import os, shutil, sys
try:
    sys.stdin.buffer.read()
except BaseException:
    pass
for parent in sys.argv[2:]:
    try:
        names = os.listdir(parent)
    except OSError:
        continue
    for name in names:
        if name.startswith(sys.argv[1]):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
"""


class SpillFolder:
    """A private folder of spill files; `write` returns the path polars scans."""

    def __init__(self, parent: str | None) -> None:
        root = parent or tempfile.gettempdir()
        sweep_once(root)
        start_watchdog()
        self.path = Path(tempfile.mkdtemp(prefix=process_prefix(), dir=root))
        os.chmod(self.path, 0o700)
        self._count = 0
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def write(self, frame: pl.DataFrame) -> str:
        """Write `frame` as Arrow IPC into a new 0600 file; its path."""
        name = self.path / f"column-{self._count}.arrow"
        self._count += 1
        # Created 0600 here; polars then writes it by path (natively, as fast as before).
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        frame.write_ipc(name)
        return str(name)

    def close(self) -> None:
        self._finalizer()


def process_prefix(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{PREFIX}{pid}-{start_time(pid)}-"


def start_time(pid: int) -> int:
    """When the process started (clock ticks since boot, from /proc), or 0 when unknown: with the
    id, it tells a dead process's folder from that of a new process that reused the id."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[19])  # field 22; the name may hold spaces


def start_watchdog() -> None:
    """One watchdog per process (a forked child gets its own); failing to start one is not fatal:
    the next process's sweep still removes what a crash leaves."""
    if _watchdog.get("pid") == os.getpid():
        return
    parents = list(dict.fromkeys([_SHARED_MEMORY, tempfile.gettempdir()]))
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _WATCHDOG, process_prefix(), *parents],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True,
        )  # fmt: skip
    except OSError:  # pragma: no cover - cannot start processes here
        return
    # The pipe stays open for the life of this process: its closing is the watchdog's signal.
    _watchdog.update(pid=os.getpid(), process=process)
    weakref.finalize(sys.modules[__name__], _stop, process)  # at exit: clean up now


def _stop(process: subprocess.Popen[bytes]) -> None:
    """At a normal exit: let the watchdog clean up, and wait for it (briefly) so the folders are
    gone when the process is."""
    with contextlib.suppress(OSError, ValueError, subprocess.TimeoutExpired):
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=5)


def sweep_once(parent: str) -> None:
    """Remove, once per process and parent folder, the spill folders of processes that are gone."""
    if parent in _swept:
        return
    _swept.add(parent)
    with contextlib.suppress(OSError):
        for folder in Path(parent).iterdir():
            match = _NAME.match(folder.name)
            if match is None or not _stale(int(match[1]), int(match[2])):
                continue
            with contextlib.suppress(OSError):
                info = folder.lstat()
                if folder.is_dir() and not folder.is_symlink() and info.st_uid == os.getuid():
                    shutil.rmtree(folder, ignore_errors=True)


def _stale(pid: int, started: int) -> bool:
    if pid == os.getpid():  # ours, unless an earlier process with our id made it
        return bool(started) and started != start_time(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return bool(started) and start_time(pid) not in (0, started)  # the id was reused
