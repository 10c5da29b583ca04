"""Item 2 of #13: no message the kit produces may quote a private cell.

A value planted in each column type (numeric-looking, integer, boolean, date, string) of each kind
of data (CSV, Parquet, pandas, polars, LazyFrame) makes the libraries fail and quote it; every
output is then searched for it: the error's text and its printed traceback, the CLI's stdout and
stderr, the ledger and its export. Nothing may be spent either. (The notebook outputs of the same
failures are checked in test_no_cell_in_notebook_outputs.py.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import traceback
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from jupyter_privacy.cli import main
from jupyter_privacy.core.errors import PrivacyError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.queries import PrivateTable

SENTINELS = {
    "wage": "S3NT-NUM-4242.42",  # numeric-looking column
    "age": "S3NT-INT-77",
    "member": "S3NT-BOOL-yes",
    "hired": "S3NT-DATE-2024-13-45",
    "name": "S3NT-STR-alice",
}
ROWS = 3000  # beyond polars' type-inference window (100 rows by default)


def good_rows(n: int = ROWS) -> list[dict[str, str]]:
    return [{"wage": f"{1000 + i * 0.25:.2f}", "age": str(20 + i % 50),
             "member": "true" if i % 2 else "false", "hired": f"2020-01-{1 + i % 28:02d}",
             "name": f"person {i}"} for i in range(n)]  # fmt: skip


def write_csv(path: Path, bad: str) -> Path:
    """A CSV whose column `bad` holds its sentinel in the last row; `name` always holds one."""
    rows = good_rows()
    rows.append({**rows[0], bad: SENTINELS[bad], "name": SENTINELS["name"]})
    lines = [",".join(rows[0])] + [",".join(r.values()) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def assert_clean(*texts: str) -> None:
    for text in texts:
        for sentinel in SENTINELS.values():
            assert sentinel not in text
        assert "S3NT" not in text


def everything_said(error: BaseException) -> str:
    return (
        "".join(traceback.format_exception(error))
        + repr(error)
        + json.dumps(error.to_dict() if isinstance(error, PrivacyError) else {}, default=str)
    )


@pytest.fixture
def budget(ledger: Ledger) -> Ledger:
    ledger.create_budget("payroll", 5.0)
    return ledger


def no_trace_left(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    assert ledger.budget("payroll").epsilon_spent == 0
    assert main(["ledger", "export", "--include-digests", "--ledger", ledger.url]) == 0
    assert_clean(capsys.readouterr().out, Path(ledger.url.removeprefix("sqlite:///")).read_text(
        errors="replace"))  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "sql", "bounds"),
    [("wage", "SELECT SUM(wage) FROM t", ["--bounds", "wage=0:5000"]),
     ("age", "SELECT AVG(age) FROM t", ["--bounds", "age=0:120"]),
     ("member", "SELECT COUNT(member) FROM t", []),
     ("hired", "SELECT COUNT(hired) FROM t", []),
     ("name", "SELECT COUNT(*) FROM t", [])],
)  # fmt: skip
def test_csv_values_past_the_inference_window(budget, tmp_path, capsys, bad, sql, bounds) -> None:
    data = write_csv(tmp_path / "people.csv", bad)
    code = main(["query", sql, "--budget", "payroll", "--data", str(data), "--epsilon", "0.5",
                 *bounds, "--ledger", budget.url])  # fmt: skip
    out, err = capsys.readouterr()
    assert_clean(out, err)
    if bad in ("wage", "age", "member"):  # polars inferred a type the sentinel does not parse as
        assert code == 2
        assert f"column '{bad}', data row {ROWS + 1}" in err
        assert "expected" in err and "withheld" in err
    no_trace_left(budget, capsys) if code == 2 else None


def test_the_reported_cli_case_in_a_real_process(budget, tmp_path) -> None:
    data = write_csv(tmp_path / "people.csv", "wage")
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy.cli", "query", "SELECT SUM(wage) FROM t",
         "--budget", "payroll", "--data", str(data), "--epsilon", "0.5", "--bounds", "wage=0:5000",
         "--ledger", budget.url, "--json"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert_clean(done.stdout, done.stderr)
    assert json.loads(done.stdout)["error"] == "private_data"
    assert done.stderr.count("\n") == 1  # one line, no traceback


def test_parquet_columns_of_the_wrong_type(budget, tmp_path, capsys) -> None:
    frame = pl.DataFrame([*good_rows(50), {**good_rows(1)[0], **SENTINELS}])
    path = tmp_path / "people.parquet"
    frame.write_parquet(path)
    for sql, extra in (("SELECT SUM(wage) FROM t", ["--bounds", "wage=0:5000"]),
                       ("SELECT COUNT(*) FROM t WHERE age > 30", []),
                       ("SELECT COUNT(*) FROM t WHERE name = 5", [])):  # fmt: skip
        main(["query", sql, "--budget", "payroll", "--data", str(path), "--epsilon", "0.5", *extra,
              "--ledger", budget.url])  # fmt: skip
        assert_clean(*capsys.readouterr())
    truncated = tmp_path / "broken.parquet"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2] + b"PAR1")
    assert main(["query", "SELECT COUNT(*) FROM t", "--budget", "payroll", "--data",
                 str(truncated), "--epsilon", "0.5", "--ledger", budget.url]) == 2  # fmt: skip
    assert_clean(*capsys.readouterr())
    no_trace_left(budget, capsys)


def pandas_with(column: str) -> pd.DataFrame:
    """A pandas frame whose `column` mixes proper values with the sentinel (an object column)."""
    values = {
        "wage": [1000.5, 2000.25], "age": [31, 45], "member": [True, False],
        "hired": [pd.Timestamp("2020-01-01"), pd.Timestamp("2021-06-30")],
    }[column]  # fmt: skip
    return pd.DataFrame({column: pd.Series([*values, SENTINELS[column]], dtype=object),
                         "name": [SENTINELS["name"]] * 3})  # fmt: skip


@pytest.mark.parametrize("column", ["wage", "age", "member", "hired"])
def test_in_memory_pandas_object_columns(budget, column) -> None:
    with pytest.raises(PrivacyError) as caught:
        PrivateTable(pandas_with(column), budget="payroll", ledger=budget)
    assert_clean(everything_said(caught.value))
    assert f"column {column!r}" in caught.value.message


def test_polars_lazy_plan_that_fails_on_a_value(budget) -> None:
    lazy = pl.LazyFrame({"wage": ["1000.5", SENTINELS["wage"]]}).with_columns(
        pl.col("wage").cast(pl.Float64)
    )
    with pytest.raises(PrivacyError) as caught:
        PrivateTable(lazy, budget="payroll", ledger=budget, bounds={"wage": (0, 5000)})
    assert_clean(everything_said(caught.value))
    assert "column 'wage'" in caught.value.message


def test_polars_strings_declared_numeric(budget) -> None:
    frame = pl.DataFrame({"wage": ["1000.5", SENTINELS["wage"]], "name": [SENTINELS["name"]] * 2})
    with pytest.raises(PrivacyError) as caught:
        PrivateTable(frame, budget="payroll", ledger=budget, bounds={"wage": (0, 5000)})
    assert_clean(everything_said(caught.value))


def test_training_input_that_is_not_numeric(budget) -> None:
    from jupyter_privacy.core.training.fingerprint import data_fingerprint

    x = pd.DataFrame({"age": [31, 45, 50], "name": [SENTINELS["name"]] * 3})
    for arrays in ((x, [0, 1, 1]), ([[1.0], [2.0]], [SENTINELS["member"], "no"]),
                   ([[1.0, 2.0], [SENTINELS["wage"]]], [0, 1])):  # fmt: skip
        with pytest.raises(PrivacyError) as caught:
            data_fingerprint(*arrays, key=budget.data_key())
        assert_clean(everything_said(caught.value))
    assert "column 'name' of x" in str(caught.value) or "x" in str(caught.value)
