"""A private table over Parquet or CSV files (a path or a glob): scanned lazily, never loaded.

OpenDP scans the files itself, so a table larger than memory can be queried. The fingerprint reads
file metadata plus sampled bytes (`replay.files_fingerprint`), never whole files.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

import polars as pl

from jupyter_privacy.core.data_errors import PASS_THROUGH, data_error, private_data
from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError
from jupyter_privacy.core.ledger.secret import DataKey
from jupyter_privacy.core.queries.columns import NO_FACTS, DataFacts, casts, narrowest_column
from jupyter_privacy.core.queries.replay import FileStat, file_digest, files_fingerprint, stat_file

PARQUET_SUFFIXES, CSV_SUFFIXES = (".parquet", ".pq"), (".csv",)


class FileSource:
    """Parquet or CSV files scanned lazily; nothing is read into memory until OpenDP runs."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.kind = "parquet" if paths[0].suffix.lower() in PARQUET_SUFFIXES else "csv"
        reader = pl.scan_parquet if self.kind == "parquet" else pl.scan_csv
        try:
            raw = reader(paths)
            schema = raw.collect_schema()
        except OSError as error:
            raise InvalidParameterError(
                f"cannot read {_describe(paths)}: {error.strerror or type(error).__name__}"
            ) from None
        except PASS_THROUGH:
            raise
        except BaseException as error:  # polars quotes cells it cannot parse; pyo3 panics too
            failure = data_error(error, doing=f"reading {_describe(paths)}")
            raise failure from None
        self._raw, self._scan, self.schema = raw, raw, schema  # raw: row counts from metadata
        self._raw_schema = schema
        self._digests: dict[FileStat, str] = {}
        self._rows: dict[tuple[FileStat, ...], int] = {}
        self.bytes_read = 0  # by the last fingerprint: metadata and samples, not whole files

    def prepare(self, bounds: dict[str, tuple[float, float]]) -> None:
        self._scan = self._scan.with_columns(casts(self.schema, bounds))
        self.schema = self._scan.collect_schema()

    def rows(self) -> int:
        """Parquet: from the footers. CSV: one streaming pass (cached until a file changes)."""
        stats = tuple(self._stats())
        if stats not in self._rows:
            with private_data(f"counting the rows of {_describe(self.paths)}",
                              self._raw_schema.names()):  # fmt: skip
                count = self._raw.select(pl.len()).collect().item()
            self._rows = {stats: int(count)}
        return self._rows[stats]

    def declare_keys(self, keys: dict[str, tuple[Any, ...]]) -> None:
        """Files are read as they are: no encoding."""

    encodable: frozenset[str] = frozenset()

    def count_column(self) -> str:
        return narrowest_column(self.schema)

    def schema_of(
        self, columns: list[str], encoded: frozenset[str] = frozenset()
    ) -> dict[str, pl.DataType]:
        return {c: self.schema[c] for c in columns}

    def data_facts(self, columns: list[str], bounds: dict[str, tuple[float, float]]) -> DataFacts:
        """Unknown without reading every file: OpenDP keeps its fill and clip steps."""
        del columns, bounds
        return NO_FACTS

    def scan(self, columns: list[str], encoded: frozenset[str] = frozenset()) -> pl.LazyFrame:
        return self._scan.select(columns)

    def fingerprint(
        self, columns: list[str], key: DataKey, encoded: frozenset[str] = frozenset()
    ) -> str:
        """Metadata and sampled bytes of every file, keyed (see `replay.files_fingerprint`)."""
        del columns, encoded  # a file's bytes mix all columns; sampling cannot single one out
        stats = self._stats()
        digests, self.bytes_read = [], 0
        for stat in stats:
            if stat not in self._digests:
                self._digests[stat], read = file_digest(stat, parquet=self.kind == "parquet")
                self.bytes_read += read
            digests.append(self._digests[stat])
        return files_fingerprint(self.kind, digests, key)

    def data_error(self, error: BaseException, columns: list[str]) -> PrivacyError:
        """What failed while OpenDP read the files, by public facts only (data_errors.py). For a
        CSV value polars could not parse, the column and data row are found by scanning the file
        again: the value itself is never read back or shown."""
        located = self._locate_bad_value(columns) if self.kind == "csv" else None
        column, row = located or (None, None)
        expected = str(self._raw_schema[column]) if column else None
        return data_error(
            error, doing=f"reading {_describe(self.paths)} for the query",
            columns=self._raw_schema.names(), column=column, row=row, expected=expected,
            hint="fix or remove that value in the file (or declare the column's type with a "
            "Parquet file); nothing was spent",
        )  # fmt: skip

    def _locate_bad_value(self, columns: list[str]) -> tuple[str, int] | None:
        """The first (column, 1-based data row) whose text does not parse as the column's
        inferred type; None when none is found or the file cannot be scanned."""
        for column in columns:
            dtype = self._raw_schema.get(column)
            if dtype is None or dtype == pl.String:
                continue
            value = pl.col(column).str.strip_chars()
            parsed = (
                value.str.to_lowercase().is_in(["true", "false"]) if dtype == pl.Boolean
                else value.cast(dtype, strict=False).is_not_null()
            )  # fmt: skip
            try:
                text = pl.scan_csv(self.paths, schema_overrides={column: pl.String})
                bad = (
                    text.select(pl.col(column)).with_row_index("row", offset=1)
                    .filter(pl.col(column).is_not_null() & ~parsed)
                    .select("row").head(1).collect()
                )  # fmt: skip
            except PASS_THROUGH:
                raise
            except BaseException:  # this type cannot be cast from text: look no further
                continue
            if bad.height:
                return column, int(bad.item())
        return None

    def _stats(self) -> list[FileStat]:
        try:
            return [stat_file(path) for path in self.paths]
        except FileNotFoundError as error:
            raise InvalidParameterError(
                f"data file {error.filename} no longer exists; create the table again"
            ) from None

    def close(self) -> None:
        """Nothing to remove: the files are the user's."""


def open_paths(data: str | os.PathLike[str]) -> list[Path]:
    """A .csv/.parquet path or a glob of them (one format), sorted; at least one file must exist."""
    text = os.fspath(data)
    if glob.has_magic(text):
        paths = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not paths:
            raise InvalidParameterError(f"no data files match {text}")
    else:
        paths = [Path(text)]
        if not paths[0].is_file():
            raise InvalidParameterError(f"data file {text} does not exist")
    suffixes = {p.suffix.lower() for p in paths}
    if len(suffixes) > 1:
        raise InvalidParameterError(
            f"{text} matches files of several formats ({', '.join(sorted(suffixes))}); "
            "use one format per table"
        )
    if suffixes.pop() not in PARQUET_SUFFIXES + CSV_SUFFIXES:
        raise InvalidParameterError(
            f"data file {paths[0]} must be .csv or .parquet, not {paths[0].suffix or 'none'}"
        )
    return paths


def _describe(paths: list[Path]) -> str:
    return str(paths[0]) if len(paths) == 1 else f"{paths[0]} and {len(paths) - 1} more file(s)"
