"""Where a Spark table's rows live and how PipelineDP reads them: a DataFrame, or files Spark reads.

PyPI's `pyspark` is imported lazily (a missing one raises `MissingExtraError` naming the `spark`
extra). The rows PipelineDP reads are made in Spark SQL (public filter, imputation, the group key),
so the functions Spark ships to its workers are PipelineDP's and `operator.itemgetter`s: the
workers need `pipeline-dp`, not this kit.

Fingerprints (for replay keys; never shown): a table the kit reads from local files uses the files'
metadata and sampled bytes, as the OpenDP engine does (`file_source.FileSource`); a DataFrame (or
remote files, s3a:// or hdfs://) is fingerprinted by Spark itself, over the columns the query reads,
in one pass: the row count and the sums of two 64-bit row hashes (see `content_fingerprint`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, require_extra
from jupyter_privacy.core.ledger.secret import DataKey
from jupyter_privacy.core.queries.file_source import FileSource, open_paths
from jupyter_privacy.core.queries.replay import files_fingerprint

NUMERIC_TYPES = ("tinyint", "smallint", "int", "bigint", "float", "double", "boolean")
_LOOPBACK = ("local", "spark://127.0.0.1", "spark://localhost")


def pyspark_sql() -> Any:
    return require_extra("pyspark.sql", "spark")


def spark_session(
    master: str | None = None, *, app_name: str = "jupyter-privacy", config: dict[str, str] | None = None
) -> Any:  # fmt: skip
    """The active Spark session, or a new one on `master` (local[N], spark://host:port, yarn, …).

    Executors run the driver's Python unless `PYSPARK_PYTHON` says otherwise; with a master on this
    machine Spark binds to 127.0.0.1 unless `SPARK_LOCAL_IP` says otherwise. `config`: further
    Spark settings (spark.executor.memory, …).
    """
    sql = pyspark_sql()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master is None or master.startswith(_LOOPBACK):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = sql.SparkSession.builder.appName(app_name).config(
        "spark.ui.showConsoleProgress", "false"
    )
    if master:
        builder = builder.master(master)
    for name, value in (config or {}).items():
        builder = builder.config(name, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def is_remote(location: str) -> bool:
    """s3a://, hdfs://, abfss://, dbfs:/ … : Spark reads it; the kit only passes it on."""
    scheme = location.split(":", 1)[0] if ":" in location else ""
    return len(scheme) > 1 and scheme != "file"


def read_files(location: str, session: Callable[[], Any]) -> tuple[Any, FileSource | None]:
    """A DataFrame over Parquet or CSV files, with the local files' `FileSource` (fingerprints).

    Local files are checked before `session()` starts Spark: a wrong path fails in a moment."""
    if is_remote(location):
        fmt = "csv" if location.rstrip("/*").lower().endswith(".csv") else "parquet"
        paths: list[str] = [location]
        files = None
    else:
        local = location.removeprefix("file://")
        files = FileSource(open_paths(local))
        fmt, paths = files.kind, [str(p.resolve()) for p in files.paths]
    spark = session()
    reader = spark.read.option("header", "true").option("inferSchema", "true") if fmt == "csv" else spark.read  # fmt: skip
    try:
        frame = reader.format(fmt).load(paths)
    except Exception as error:  # Spark's AnalysisException: a path or format it cannot read
        raise InvalidParameterError(
            f"Spark cannot read {location}: {type(error).__name__}; check the path and format"
        ) from None
    return frame, files


class SparkSource:
    """A Spark DataFrame (and, when the kit read it from local files, those files)."""

    def __init__(self, frame: Any, files: FileSource | None = None) -> None:
        self.frame, self.files = frame, files
        self.schema = {f.name: f.dataType.simpleString() for f in frame.schema.fields}

    def names(self) -> list[str]:
        return list(self.schema)

    def numeric(self, column: str) -> bool:
        kind = self.schema[column]
        return kind in NUMERIC_TYPES or kind.startswith("decimal")

    def typed_key(self, column: str, value: Any) -> Any:
        """A declared key in the column's type (the CLI gives every key as text)."""
        kind = self.schema[column]
        if value is None or not isinstance(value, str):
            return value
        try:
            if kind in ("tinyint", "smallint", "int", "bigint"):
                return int(value)
            if kind in ("float", "double") or kind.startswith("decimal"):
                return float(value)
        except ValueError:
            raise InvalidParameterError(
                f"key {value!r} of {column!r} is not a {kind}; declare keys of the column's type"
            ) from None
        if kind == "boolean":
            return {"true": True, "false": False}.get(value.lower(), value)
        return value

    def rows(
        self, *, where: str | None, privacy_id: str | None, group_by: tuple[str, ...],
        value: str | None = None, fill: float | None = None, present: str | None = None,
    ) -> Any:  # fmt: skip
        """(privacy id, group key, value) rows as an RDD (`pipelinedp_engine.EXTRACTORS`).

        `where`: a public filter in Spark SQL; `value` (with `fill` for missing and NaN values) is
        read as a double; `present`: keep rows where that column is not missing (COUNT(col)).
        """
        functions = require_extra("pyspark.sql.functions", "spark")
        col, lit = functions.col, functions.lit
        frame = self.frame
        if where:
            frame = frame.filter(functions.expr(where))
        if present:
            frame = frame.filter(col(present).isNotNull())
        if not group_by:
            key = lit(0)
        elif len(group_by) == 1:
            key = col(group_by[0])
        else:
            key = functions.struct(*(col(c) for c in group_by))
        amount = lit(0.0)
        if value is not None:
            number = col(value).cast("double")
            amount = functions.when(number.isNull() | functions.isnan(number), lit(fill)).otherwise(number)  # fmt: skip
        unit = col(privacy_id) if privacy_id else lit(None)
        return frame.select(unit.alias("unit"), key.alias("group"), amount.alias("value")).rdd

    def fingerprint(self, columns: list[str], key: DataKey) -> str:
        """Local files: their metadata and samples (all columns). Else the content, by Spark.
        Keyed with the ledger's data key, like every data digest."""
        if self.files is not None:
            return self.files.fingerprint(columns, key)
        return content_fingerprint(self.frame, sorted(set(columns)), self.schema, key)


def content_fingerprint(
    frame: Any, columns: list[str], schema: dict[str, str], key: DataKey
) -> str:
    """One Spark pass over `columns`: the row count and, summed over rows (so the order of rows and
    partitions does not matter) as exact decimals, Spark's xxhash64 and murmur3 of each row's values
    and null flags. Those sums stay in memory; only the digest made from them is kept."""
    functions = require_extra("pyspark.sql.functions", "spark")
    aggregates = [functions.count(functions.lit(1)).alias("rows")]
    if columns:
        values = [functions.col(c) for c in columns]
        values += [functions.isnull(functions.col(c)) for c in columns]
        aggregates += [
            functions.sum(functions.xxhash64(*values).cast("decimal(38,0)")).alias("xxhash64"),
            functions.sum(functions.hash(*values).cast("decimal(38,0)")).alias("murmur3"),
        ]
    result = frame.select(*aggregates).first()
    parts = [f"rows={result['rows']}", *(f"{c}:{schema[c]}" for c in columns)]
    if columns:
        parts += [f"xxhash64={result['xxhash64']}", f"murmur3={result['murmur3']}"]
    return files_fingerprint("spark-content", parts, key)
