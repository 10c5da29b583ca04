"""Replay keys: the same question on the same data from the same budget must not spend twice.

The key hashes the budget, the canonical query, every parameter that shapes the release (ε, δ,
bounds, imputation, keys, candidates, contribution and size bounds) and a fingerprint of the data.
The confidence level α is left out: it changes only the reported accuracy, recomputed on replay.

The fingerprint is keyed (HMAC under the ledger's secret, core/ledger/secret.py): the fast inner
hashes of columns and file samples never leave memory, and what is stored cannot be recomputed
from guessed data without the secret. So the replay key, derived from it, stays stable for the
same data and ledger and reveals nothing either.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xxhash

from jupyter_privacy.core.ledger.secret import DataKey

KEY_VERSION = 3  # 2: per-column frame hashes and sampled file fingerprints; 3: keyed fingerprints
KEY_PREFIX = "dpq2:"  # dpq1: keys of versions 1-2 (unkeyed fingerprints)
_FIXED_WIDTH = (pl.Float32, pl.Float64, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16,
                pl.UInt32, pl.UInt64, pl.Boolean)  # fmt: skip
_HASH_SEEDS = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A)  # fixed: stable across runs
SAMPLE_BLOCK = 64 * 1024  # bytes per sampled block
SAMPLE_BLOCKS = 16  # evenly spaced from the first byte to the last
MAX_FOOTER = 64 * 1024 * 1024


@dataclass(frozen=True)
class FileStat:
    """What the file system says about a data file; a change to any field re-reads its samples."""

    path: str
    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int


def stat_file(path: str | Path) -> FileStat:
    info = os.stat(path)
    return FileStat(str(Path(path).resolve()), info.st_size, info.st_mtime_ns, info.st_ctime_ns,
                    info.st_ino)  # fmt: skip


def file_digest(stat: FileStat, *, parquet: bool) -> tuple[str, int]:
    """SHA-256 of a file's name, size and mtime, its Parquet footer and sampled blocks; bytes read.

    The footer holds the schema, the row count and every row group's offsets, sizes and min/max/null
    statistics. The samples are `SAMPLE_BLOCKS` blocks of `SAMPLE_BLOCK` bytes spread evenly from
    the first byte to the last. A change the metadata do not show and the samples miss goes unseen
    (docs/queries.md, "Large data").
    """
    digest = hashlib.sha256(f"{Path(stat.path).name}|{stat.size}|{stat.mtime_ns}".encode())
    read = 0
    with open(stat.path, "rb") as handle:
        if parquet and stat.size >= 12:
            handle.seek(stat.size - 8)
            tail = handle.read(8)
            length = int.from_bytes(tail[:4], "little")
            if tail[4:] == b"PAR1" and length <= min(stat.size - 12, MAX_FOOTER):
                handle.seek(stat.size - 8 - length)
                digest.update(b"footer" + handle.read(length))
                read += length + 8
        last = max(stat.size - SAMPLE_BLOCK, 0)
        offsets = sorted({last * i // (SAMPLE_BLOCKS - 1) for i in range(SAMPLE_BLOCKS)})
        for offset in offsets:
            handle.seek(offset)
            block = handle.read(SAMPLE_BLOCK)
            digest.update(offset.to_bytes(8, "little") + block)
            read += len(block)
    return digest.hexdigest(), read


def files_fingerprint(kind: str, digests: list[str], key: DataKey) -> str:
    """One keyed fingerprint for a table made of files (their order is the sorted path order)."""
    return key.digest(f"files:{kind}", *digests)


def replay_key(
    *, budget: str, query: str, epsilon: float, delta: float, parameters: dict[str, Any],
    fingerprint: str,
) -> str:  # fmt: skip
    payload = {
        "v": KEY_VERSION, "budget": budget, "query": query, "epsilon": repr(float(epsilon)),
        "delta": repr(float(delta)), "parameters": parameters, "data": fingerprint,
    }  # fmt: skip
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return KEY_PREFIX + hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def column_hash(series: pl.Series) -> str:
    """A hash of a column's values in row order, for the data fingerprint of an in-memory table.
    Unkeyed and fast: it only ever feeds the keyed fingerprint, and is never stored or shown.

    Fixed-width columns: XXH3-128 over the value buffer and, when there are nulls, the null mask
    (one pass at memory speed, ~5 ms per 80 MB). Other types (strings, dates, …): polars' 64-bit
    hash of each (value, row number), summed; stable for a given polars version.
    """
    if isinstance(series.dtype, pl.Enum):  # codes into the declared categories (in the dtype)
        series = series.to_physical()
    if isinstance(series.dtype, _FIXED_WIDTH):
        digest = xxhash.xxh3_128()
        if series.null_count():
            digest.update(np.packbits(series.is_null().to_numpy()).tobytes())
            series = series.fill_null(False if series.dtype == pl.Boolean else 0)
        digest.update(np.ascontiguousarray(series.to_numpy()).data)
        return f"xxh3:{digest.hexdigest()}"
    row = pl.int_range(pl.len(), dtype=pl.UInt64)
    value = (pl.col(series.name).hash(*_HASH_SEEDS) ^ row).hash(*_HASH_SEEDS).sum()
    return f"polars-{pl.__version__}:{series.to_frame().select(value).item()}"
