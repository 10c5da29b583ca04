"""Tables made of Parquet/CSV files (a glob) are scanned lazily; their fingerprint samples the files."""

from __future__ import annotations

import os

import numpy as np
import polars as pl
import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.queries import Aggregate, PrivateTable, QuerySpec
from jupyter_privacy.core.queries.mechanisms import TableInfo, calibrate, run
from jupyter_privacy.core.queries.replay import file_digest, stat_file

ROWS_PER_FILE = 400_000  # ~3.3 MB of incompressible floats per file: larger than the samples
GROUPS = ["a", "b", "c"]


def write_part(path, seed: int, rows: int = ROWS_PER_FILE) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pl.DataFrame({"value": rng.uniform(0, 100, rows), "group": rng.choice(GROUPS, rows)})
    frame.write_parquet(path, row_group_size=100_000)
    return frame


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    frames = [write_part(folder / f"part-{i}.parquet", seed=i) for i in range(3)]
    return folder, pl.concat(frames)


def table_over(data, ledger) -> PrivateTable:
    return PrivateTable(data, budget="files", ledger=ledger, bounds={"value": (0, 100)},
                        keys={"group": GROUPS}, max_rows=10_000_000)  # fmt: skip


@pytest.mark.slow
def test_parquet_glob_answers_over_all_files(parts, ledger):
    folder, truth = parts
    ledger.create_budget("files", 100.0)
    table = table_over(str(folder / "part-*.parquet"), ledger)
    assert table.columns == ["value", "group"]
    count = table.count(epsilon=5.0)
    assert abs(count.value - truth.height) < 20  # scale 0.2
    mean = table.mean("value", epsilon=5.0)
    assert abs(mean.value - truth["value"].mean()) < 0.01
    grouped = table.group_by("group").count(epsilon=5.0)
    expected = dict(truth.group_by("group").len().iter_rows())
    assert len(grouped.values) == len(GROUPS)
    assert all(abs(v.value - expected[v.group[0]]) < 20 for v in grouped.values)


@pytest.mark.slow
def test_fingerprint_follows_file_changes_without_reading_whole_files(tmp_path, ledger):
    ledger.create_budget("files", 100.0)
    for i in range(3):
        write_part(tmp_path / f"part-{i}.parquet", seed=i)
    pattern = str(tmp_path / "part-*.parquet")
    first = table_over(pattern, ledger).mean("value", epsilon=1.0)
    table = table_over(pattern, ledger)
    assert table.mean("value", epsilon=1.0).replayed  # unchanged files: the stored release

    size = os.path.getsize(tmp_path / "part-1.parquet")
    digest, read = file_digest(stat_file(tmp_path / "part-1.parquet"), parquet=True)
    assert read < size / 2 and digest

    write_part(tmp_path / "part-1.parquet", seed=99)  # same shape, other values
    changed = table.mean("value", epsilon=1.0)  # the same table object notices the change
    assert not changed.replayed and changed.entry_id != first.entry_id
    assert (
        ledger.history("files")[-1].details["data_fingerprint"]
        != (ledger.history("files")[0].details["data_fingerprint"])
    )
    (tmp_path / "part-2.parquet").unlink()
    with pytest.raises(InvalidParameterError, match="no longer exists"):
        table.mean("value", epsilon=1.0)
    assert len(ledger.history("files")) == 2


def test_csv_glob_and_bad_paths(tmp_path, ledger):
    ledger.create_budget("files", 10.0)
    for i in range(2):
        pl.DataFrame({"value": [10.0 * i + j for j in range(50)]}).write_csv(tmp_path / f"{i}.csv")
    table = PrivateTable(
        str(tmp_path / "*.csv"), budget="files", ledger=ledger, bounds={"value": (0, 100)}
    )
    assert abs(table.count(epsilon=5.0).value - 100) < 20  # both files, scale 0.2
    with pytest.raises(InvalidParameterError, match="no data files match"):
        PrivateTable(str(tmp_path / "*.parquet"), budget="files", ledger=ledger)
    (tmp_path / "x.parquet").write_bytes(b"")
    with pytest.raises(InvalidParameterError, match="several formats"):
        PrivateTable(str(tmp_path / "*"), budget="files", ledger=ledger)
    assert len(ledger.history("files")) == 1  # only the count


@pytest.mark.slow
def test_streaming_engine_draws_noise_once_per_release_not_per_batch(parts):
    """OpenDP runs on polars' streaming engine: the noise must follow the aggregate of all batches."""
    folder, truth = parts
    info = TableInfo(schema={"value": pl.Float64}, bounds={"value": (0.0, 100.0)},
                     impute={"value": 50.0}, keys={}, candidates={}, max_rows=10_000_000,
                     max_groups=None, contributions=1)  # fmt: skip
    calibrated = calibrate(QuerySpec((Aggregate("count"),), (), None), info, None, 1.0, 0.0)
    scan = pl.scan_parquet(folder / "part-*.parquet")  # 12 row groups in 3 files
    errors = np.array([run(calibrated, scan).item() - truth.height for _ in range(200)])
    # One discrete Laplace draw at scale 1 has variance 1.84; one per batch would be ≥ 12 × that.
    assert 0.6 < errors.var() < 4.0
