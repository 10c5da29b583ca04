"""Honest figures for encrypted scoring: its error against plaintext, its time, its bytes, its memory.

Each phase is timed separately on the client (encrypt, score round trip, decrypt); a scorer that
knows its own compute time (the service sends it back) is reported beside the round trip, so
transport and computation can be told apart. Costs per 1,000 rows are measured when the batch has
1,000 rows, and otherwise scaled and marked `extrapolated`: linearly for row packing (one ciphertext
per row), by the number of ciphertext chunks for column packing (a chunk costs the same for 1 row or
N/2 rows). Memory is the process's resident set (RSS), sampled every few milliseconds: SEAL
allocates outside Python's heap, where `tracemalloc` cannot see.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any, Protocol

import numpy as np

from jupyter_privacy.core.encrypted.batch import EncryptedBatch, EncryptedScores
from jupyter_privacy.core.encrypted.model import FloatArray
from jupyter_privacy.core.errors import InvalidParameterError


class Scorer(Protocol):
    def score(self, batch: EncryptedBatch) -> EncryptedScores: ...


def rss_bytes() -> int:
    """Resident set size of this process now (psutil comes with ipykernel; /proc as fallback)."""
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except ImportError:  # pragma: no cover - psutil is always there with Jupyter
        import os

        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    """This process's peak resident set size so far. Linux's VmHWM, not getrusage's ru_maxrss:
    the latter survives exec, so a service started from a 1 GB kernel would report the kernel's."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource  # not Linux: ru_maxrss (bytes on macOS)

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # pragma: no cover


class PeakMemory:
    """`with PeakMemory() as peak: …` then `peak.increase_bytes` (above the RSS at entry) and
    `peak.peak_bytes` (the highest RSS seen)."""

    def __init__(self, interval: float = 0.002) -> None:
        self.interval = interval
        self.start_bytes = self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> PeakMemory:
        self.start_bytes = self.peak_bytes = rss_bytes()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_bytes = max(self.peak_bytes, rss_bytes())

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak_bytes = max(self.peak_bytes, rss_bytes())

    @property
    def increase_bytes(self) -> int:
        return max(0, self.peak_bytes - self.start_bytes)


@dataclass(frozen=True)
class AccuracyCheck:
    """Decrypted scores against the same model in plaintext, on the same (held-out) rows."""

    rows: int
    max_abs_error: float
    mean_abs_error: float
    label_agreement: float  # share of rows whose label (score > threshold) is the same
    threshold: float

    @classmethod
    def compare(cls, plaintext: Any, decrypted: Any, threshold: float = 0.0) -> AccuracyCheck:
        plain, encrypted = np.asarray(plaintext, float), np.asarray(decrypted, float)
        if plain.shape != encrypted.shape or not plain.size:
            raise InvalidParameterError(
                f"compare {plain.shape} plaintext scores with {encrypted.shape} decrypted ones"
            )
        error = np.abs(plain - encrypted)
        agreement = float(np.mean((plain > threshold) == (encrypted > threshold)))
        return cls(int(plain.size), float(error.max()), float(error.mean()), agreement, threshold)


@dataclass(frozen=True)
class PackingCost:
    packing: str
    rows: int  # rows measured
    slots: int  # rows one column-packed ciphertext holds
    encrypt_seconds: float
    score_seconds: float  # the scorer call as the client saw it (with transport, if any)
    decrypt_seconds: float
    upload_bytes: int  # ciphertexts sent
    download_bytes: int  # encrypted scores received
    server_seconds: float | None = None  # the scorer's own compute time, when it reports it

    def _chunks(self, rows: int) -> int:
        return math.ceil(rows / self.slots) if self.packing == "column" else rows

    def scaled(self, rows: int) -> dict[str, Any]:
        """The cost of `rows` rows, from what was measured (see the module's note)."""
        factor = self._chunks(rows) / self._chunks(self.rows)
        figures = {name: getattr(self, name) * factor for name in (
            "encrypt_seconds", "score_seconds", "decrypt_seconds", "upload_bytes",
            "download_bytes")}  # fmt: skip
        figures["server_seconds"] = (
            None if self.server_seconds is None else self.server_seconds * factor
        )
        figures["total_seconds"] = sum(figures[k] for k in ("encrypt_seconds", "score_seconds",
                                                            "decrypt_seconds"))  # fmt: skip
        figures.update(rows=rows, measured_rows=self.rows, extrapolated=rows != self.rows)
        return figures

    def per_row(self) -> dict[str, Any]:
        """Amortized over the rows measured (a column-packed chunk's cost shared by its rows)."""
        figures = {k: v / self.rows if isinstance(v, float | int) and not isinstance(v, bool) else v
                   for k, v in self.scaled(self.rows).items()}  # fmt: skip
        figures.update(rows=1, measured_rows=self.rows, extrapolated=False)
        return figures

    def per_1000(self) -> dict[str, Any]:
        return self.scaled(1000)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "per_row": self.per_row(), "per_1000_rows": self.per_1000()}


def measure_scoring(
    client: Any, scorer: Scorer, x: Any, *, packing: str = "column",
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[FloatArray, PackingCost]:  # fmt: skip
    """Encrypt `x`, score it with `scorer` (in process, or a service client), decrypt; timed."""
    start = clock()
    batch = client.encrypt(x, packing=packing)
    encrypted = clock()
    scores = scorer.score(batch)
    scored = clock()
    values = client.decrypt(scores)
    done = clock()
    cost = PackingCost(
        packing=packing, rows=batch.rows, slots=client.parameters.slots,
        encrypt_seconds=encrypted - start, score_seconds=scored - encrypted,
        decrypt_seconds=done - scored, upload_bytes=batch.nbytes, download_bytes=scores.nbytes,
        server_seconds=getattr(scorer, "last_server_seconds", None),
    )  # fmt: skip
    return values, cost


def plaintext_seconds(model: Any, x: Any, *, repeat: int = 5) -> float:
    """The best of `repeat` plaintext scorings of `x` (numpy): the baseline of every ratio."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        model.plaintext_scores(x)
        best = min(best, time.perf_counter() - start)
    return best
