"""The mock (PySyft's word): a small public stand-in of a private dataset that scientists may see,
explore and run their code on before they ask for the real thing.

The mock travels inside the ledger (a `dataset.registered` event, as Parquet in base64) so every
scientist who can read the ledger can read it, on any machine, and its SHA-256 is in the hash
chain. It is therefore **public**: make it synthetic. `synthetic_mock` builds one from public
facts only (column names and types, declared bounds and keys), never from a private value, and
registration refuses a mock in which the raw-data scanner finds rows of the private data.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.queries.file_source import open_paths

#: Largest mock kept in the ledger (Parquet bytes): a mock is a sample to explore, not a copy.
MAX_MOCK_BYTES = 2_000_000
DEFAULT_MOCK_ROWS = 200


def read_frame(path: str | os.PathLike[str]) -> pl.DataFrame:
    """A CSV/Parquet file (or glob) into memory, with the same clear errors as private tables."""
    paths = open_paths(path)
    reader = pl.scan_parquet if paths[0].suffix.lower() in (".parquet", ".pq") else pl.scan_csv
    try:
        return reader(paths).collect()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InvalidParameterError(f"cannot read {paths[0]}: {error}") from None


def schema_of(path: str | os.PathLike[str]) -> dict[str, str]:
    """Column names and types of a data file, read from its header or footer (no values)."""
    paths = open_paths(path)
    reader = pl.scan_parquet if paths[0].suffix.lower() in (".parquet", ".pq") else pl.scan_csv
    try:
        schema = reader(paths).collect_schema()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InvalidParameterError(f"cannot read {paths[0]}: {error}") from None
    return {name: str(dtype) for name, dtype in schema.items()}


def encode_mock(frame: pl.DataFrame) -> tuple[str, str]:
    """(base64 Parquet, its SHA-256) of a mock frame, refused when too large for the ledger."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd")
    raw = buffer.getvalue()
    if len(raw) > MAX_MOCK_BYTES:
        raise InvalidParameterError(
            f"the mock takes {len(raw):,} bytes as Parquet, more than the {MAX_MOCK_BYTES:,} a "
            "ledger entry may hold; give a smaller mock (a few hundred synthetic rows)"
        )
    text = base64.b64encode(raw).decode("ascii")
    return text, hashlib.sha256(text.encode("ascii")).hexdigest()


def decode_mock(text: str, sha256: str) -> pl.DataFrame:
    """The mock frame, after checking it is the one whose digest the hash chain holds."""
    if hashlib.sha256(text.encode("ascii")).hexdigest() != sha256:
        from jupyter_privacy.core.errors import LedgerIntegrityError

        raise LedgerIntegrityError(
            "the stored mock does not match its recorded SHA-256; the ledger was edited. Run "
            "jupyter privacy ledger verify, then register the dataset again"
        )
    return pl.read_parquet(io.BytesIO(base64.b64decode(text)))


def _numeric(dtype: str) -> bool:
    return dtype.startswith(("Int", "UInt", "Float", "Decimal"))


def synthetic_mock(
    columns: Mapping[str, str], *, bounds: Mapping[str, tuple[float, float]],
    keys: Mapping[str, Any], rows: int = DEFAULT_MOCK_ROWS, seed: int | None = None,
) -> pl.DataFrame:  # fmt: skip
    """Rows drawn from public facts only: uniform within a column's declared bounds, uniform over
    its declared keys, `<column>-<n>` placeholders for other text, missing for the rest.

    This is not a privacy mechanism (it reads no private value, so it needs none); its numbers
    are plausible in range only, not in distribution.
    """
    import numpy as np

    generator = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    for name, dtype in columns.items():
        if name in keys:
            choices = list(keys[name])
            data[name] = [choices[i] for i in generator.integers(0, len(choices), rows)]
        elif name in bounds and _numeric(dtype):
            low, high = bounds[name]
            values = generator.uniform(low, high, rows)
            data[name] = (
                np.floor(values).astype(int) if dtype.startswith(("Int", "UInt")) else values
            )
        elif dtype in ("String", "Utf8", "Categorical"):
            data[name] = [f"{name}-{i}" for i in generator.integers(1, 10 * rows, rows)]
        elif dtype == "Boolean":
            data[name] = generator.integers(0, 2, rows).astype(bool)
        else:
            data[name] = [None] * rows
    return pl.DataFrame(data)


def copied_private_rows(mock: pl.DataFrame, private_path: str | Path, public: Any) -> int:
    """How many mock lines show a row of the private data (the pilot's raw-data scanner)."""
    from jupyter_privacy.core.reports.raw_data_scan import RawDataScanner

    scanner = RawDataScanner(read_frame(private_path).to_pandas(), public_values=public)
    return len(scanner.scan_text(mock.write_csv(), "mock"))
