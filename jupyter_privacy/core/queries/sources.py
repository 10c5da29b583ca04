"""Where a private table's rows live, and how OpenDP reads them: a spilled frame or the user's files.

OpenDP receives a file scan, never an in-memory frame: handing it a 10-million-row frame serialises
every value (seconds), a scan costs milliseconds. Two kinds of source:

- `FrameSource` (pandas/polars data): each column is written on first use to its own Arrow IPC file
  in a private temporary folder (in shared memory when there is room; removed on close, at exit,
  and after a crash by a watchdog or the next process: see `spill`); a query scans only the
  columns it reads. Its keyed fingerprint hashes those columns' values. A COUNT that reads no column scans a one-bit-per-row
  stand-in (`ROWS_COLUMN`): counting rows needs no values. A string column grouped by its declared
  keys is read dictionary-encoded (`pl.Enum` of those keys; other values become null, which the
  join on the declared keys drops, as it drops their groups): a byte per row instead of a string.
- `FileSource` (a .parquet/.csv path or a glob of them, in `file_source`): OpenDP scans the files
  lazily, so a table larger than memory can be queried.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Any

import polars as pl

from jupyter_privacy.core.data_errors import PASS_THROUGH, data_error, private_data
from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError
from jupyter_privacy.core.ledger.secret import DataKey
from jupyter_privacy.core.queries.columns import DataFacts, casts, narrowest_column
from jupyter_privacy.core.queries.file_source import FileSource, open_paths
from jupyter_privacy.core.queries.replay import column_hash
from jupyter_privacy.core.queries.spill import SpillFolder

#: The stand-in column a row count reads from an in-memory table: all False, one bit per row.
ROWS_COLUMN = "__jupyter_privacy_rows__"
_SHARED_MEMORY = Path("/dev/shm")


class FrameSource:
    """An in-memory frame; columns are spilled to Arrow IPC one by one, when a query first reads them.

    IPC rather than Parquet: writing costs more but each query then reads it about twice as fast,
    as fast as polars' own in-memory scan.
    """

    def __init__(self, frame: pl.DataFrame, pandas_frame: Any = None) -> None:
        """With `pandas_frame`, `frame` is its empty polars twin (the schema) and each column is
        converted on first use: a query then pays only for the columns it reads."""
        self.frame, self.schema, self._pandas = frame, frame.schema, pandas_frame
        self._height = frame.height if pandas_frame is None else len(pandas_frame)
        self._casts: list[pl.Expr] = []
        self._converted: dict[str, pl.DataFrame] = {}
        self._spills: SpillFolder | None = None
        self._files: dict[str, str] = {}
        self._hashes: dict[str, str] = {}
        self._facts: dict[str, tuple[bool, bool, tuple[float, float] | None]] = {}
        self._enums: dict[str, pl.Enum] = {}

    def prepare(self, bounds: dict[str, tuple[float, float]]) -> None:
        self._casts = casts(self.schema, bounds)
        with private_data("casting the declared columns", self.schema.names()):
            self.frame = self.frame.with_columns(self._casts)
        self.schema = self.frame.schema

    def rows(self) -> int:
        return self._height

    def _column(self, column: str) -> pl.DataFrame:
        if self._pandas is None:
            return self.frame.select(column)
        if column not in self._converted:
            position = self.schema.names().index(column)
            with private_data("converting the pandas column", [column], column=column,
                               expected=str(self.schema[column])):  # fmt: skip
                part = pl.from_pandas(self._pandas.iloc[:, [position]])
                part = part.with_columns(e for e in self._casts if e.meta.output_name() == column)
            if part.schema[column] != self.schema[column]:  # pragma: no cover - dtype decides
                raise InvalidParameterError(
                    f"column {column!r} converted to {part.schema[column]}, not the expected "
                    f"{self.schema[column]}; pass pl.from_pandas(frame) instead"
                )
            self._converted[column] = part
        return self._converted[column]

    def declare_keys(self, keys: dict[str, tuple[Any, ...]]) -> None:
        """String columns whose declared keys are all strings can be read as `pl.Enum` of them."""
        self._enums = {
            c: pl.Enum(list(values)) for c, values in keys.items()
            if self.schema[c] == pl.String and all(isinstance(v, str) for v in values)
        }  # fmt: skip

    @property
    def encodable(self) -> frozenset[str]:
        return frozenset(self._enums)

    def _encoded(self, column: str) -> pl.DataFrame:
        """The column as codes into its declared keys; pandas' Arrow strings are encoded by Arrow
        directly (about twice as fast as converting them to polars and casting)."""
        name = column + "#keys"
        if name not in self._converted:
            dtype = self._enums[column]
            values = None if self._pandas is None else self._pandas[column].array
            if values is not None and hasattr(values, "__arrow_array__"):
                import pyarrow as pa
                import pyarrow.compute as pc

                codes = pc.index_in(
                    pa.array(values), value_set=pa.array(dtype.categories.to_list())
                )
                physical = pl.Series([], dtype=dtype).to_physical().to_arrow().type  # ≤ 256: u8
                series = pl.Series(column, codes.cast(physical)).cast(dtype)
            else:
                series = self._column(column).to_series().cast(dtype, strict=False)
            self._converted[name] = series.to_frame()
        return self._converted[name]

    def count_column(self) -> str:
        """What a COUNT without WHERE reads: the row stand-in (unless the data has that name)."""
        return ROWS_COLUMN if ROWS_COLUMN not in self.schema else narrowest_column(self.schema)

    def schema_of(
        self, columns: list[str], encoded: frozenset[str] = frozenset()
    ) -> dict[str, pl.DataType]:
        def dtype(column: str) -> pl.DataType:
            if column == ROWS_COLUMN:
                return pl.Boolean()
            return self._enums[column] if column in encoded else self.schema[column]

        return {c: dtype(c) for c in columns}

    def scan(self, columns: list[str], encoded: frozenset[str] = frozenset()) -> pl.LazyFrame:
        scans = [pl.scan_ipc(self._spill(c, c in encoded)) for c in columns]
        return scans[0] if len(scans) == 1 else pl.concat(scans, how="horizontal")

    def fingerprint(
        self, columns: list[str], key: DataKey, encoded: frozenset[str] = frozenset()
    ) -> str:
        """HMAC (under the ledger's key) over the row count and, per column read, its name, type
        and value hash. The row stand-in adds nothing: a count without WHERE depends on the row
        count alone."""
        parts = [f"frame|{self._height}"]
        for column in columns:
            if column == ROWS_COLUMN:
                continue
            coded = column in encoded
            name = column + "#keys" if coded else column
            if name not in self._hashes:
                part = self._encoded(column) if coded else self._column(column)
                self._hashes[name] = column_hash(part.to_series())
            dtype = self._enums[column] if coded else self.schema[column]
            parts.append(f"{column}:{dtype}:{self._hashes[name]}")
        return key.digest(*parts)

    def data_error(self, error: BaseException, columns: list[str]) -> PrivacyError:
        """What failed while OpenDP read the spilled columns, by public facts only."""
        return data_error(error, doing="running the query on the data", columns=columns)

    def data_facts(self, columns: list[str], bounds: dict[str, tuple[float, float]]) -> DataFacts:
        """Check, once per column, which float columns among `columns` are complete (no missing
        value, no NaN) and which of those also lie inside their declared bounds."""
        complete, bounded = set(), set()
        for column in columns:
            if column == ROWS_COLUMN or self.schema[column] != pl.Float64:
                continue
            if column not in self._facts:
                series = self._column(column).to_series()
                whole = not series.null_count() and not series.is_nan().any()
                low, high = bounds.get(column, (math.inf, -math.inf))
                inside = whole and low <= series.min() and series.max() <= high  # type: ignore[operator]
                self._facts[column] = (bool(whole), bool(inside), bounds.get(column))
            whole, inside, checked = self._facts[column]
            if whole:
                complete.add(column)
            if inside and checked == bounds.get(column):
                bounded.add(column)
        return DataFacts(frozenset(complete), frozenset(bounded))

    def _spill(self, column: str, coded: bool = False) -> str:
        name = column + "#keys" if coded else column
        if name not in self._files:
            if self._spills is None:
                self._spills = SpillFolder(self._spill_parent())
            if column == ROWS_COLUMN:
                part = pl.DataFrame({ROWS_COLUMN: pl.repeat(False, self._height, eager=True)})
            else:
                part = self._encoded(column) if coded else self._column(column)
            self._files[name] = self._spills.write(part)
        return self._files[name]

    def _spill_parent(self) -> str | None:
        """Shared memory (tmpfs) when it has room for twice the frame: writing there, and removing
        the files afterwards, is several times faster than on disk. Else the temporary folder."""
        try:
            size = self._pandas.memory_usage(deep=False).sum() if self._pandas is not None else (
                self.frame.estimated_size())  # fmt: skip
            if (
                os.access(_SHARED_MEMORY, os.W_OK)
                and shutil.disk_usage(_SHARED_MEMORY).free > 2 * size
            ):
                return str(_SHARED_MEMORY)
        except OSError:  # pragma: no cover - no /dev/shm: use the temporary folder
            pass
        return None

    def close(self) -> None:
        if self._spills is not None:
            self._spills.close()
        self._spills, self._files = None, {}


def load_source(data: Any) -> FrameSource | FileSource:
    """pandas or polars frame, polars LazyFrame, or a .csv / .parquet path or glob → a source."""
    if isinstance(data, (str, os.PathLike)):
        return FileSource(open_paths(data))
    if _convertible_by_column(data):  # a shallow copy: pandas' copy-on-write snapshots it
        snapshot = data.copy(deep=False)
        return FrameSource(pl.from_pandas(snapshot.iloc[:0]), pandas_frame=snapshot)
    return FrameSource(to_polars(data))


def _convertible_by_column(data: Any) -> bool:
    """A pandas frame whose polars types follow from its dtypes alone (no object columns)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a core dependency
        return False
    return (
        isinstance(data, pd.DataFrame)
        and int(pd.__version__.split(".")[0]) >= 3  # copy-on-write always on
        and all(isinstance(c, str) for c in data.columns)
        and data.columns.is_unique
        and not any(pd.api.types.is_object_dtype(dtype) for dtype in data.dtypes)
    )


def to_polars(data: Any) -> pl.DataFrame:
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, pl.LazyFrame):
        with private_data("collecting the LazyFrame", data.collect_schema().names()):
            return data.collect()
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a core dependency
        pd = None
    if pd is not None and isinstance(data, pd.DataFrame):
        try:
            return pl.from_pandas(data)
        except PASS_THROUGH:
            raise
        except BaseException as error:  # pyarrow quotes the value it could not convert
            failure = data_error(error, doing="converting the pandas frame to polars",
                                 columns=[str(c) for c in data.columns],
                                 column=_failing_column(data))  # fmt: skip
        raise failure
    raise InvalidParameterError(
        f"a private table needs a pandas or polars DataFrame, or a .csv/.parquet path or glob; "
        f"got {type(data).__name__}"
    )


def _failing_column(frame: Any) -> str | None:
    """The first column of a pandas frame that does not convert on its own (None if all do)."""
    for position, name in enumerate(frame.columns):
        try:
            pl.from_pandas(frame.iloc[:, [position]])
        except PASS_THROUGH:
            raise
        except BaseException:
            return str(name)
    return None
