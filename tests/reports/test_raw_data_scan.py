"""The raw-data scan catches printed rows (text and HTML tables) and ignores DP releases."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.reports.raw_data_scan import RawDataScanner


@pytest.fixture(scope="module")
def private() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 2000
    return pd.DataFrame({
        "wage": np.round(rng.lognormal(6, 0.6, n), 2),
        "education": rng.integers(0, 19, n),
        "experience": rng.integers(-4, 64, n),
        "region": rng.choice(["northeast", "midwest", "south", "west"], n),
        "parttime": rng.choice(["yes", "no"], n),
    })  # fmt: skip


def test_head_as_text_is_caught(private: pd.DataFrame) -> None:
    findings = RawDataScanner(private).scan_text(private.head().to_string(), "out.txt")
    assert {f.row for f in findings} == {0, 1, 2, 3, 4}


def test_sample_as_html_table_is_caught(private: pd.DataFrame) -> None:
    sample = private.sample(3, random_state=1)
    findings = RawDataScanner(private).scan_text(sample.to_html(), "report.html")
    assert {f.row for f in findings} == set(sample.index)


def test_rounded_printing_is_caught(private: pd.DataFrame) -> None:
    row = private.iloc[42]
    line = f"{row.wage:.6f} {row.education} {row.experience} {row.region}"
    assert [f.row for f in RawDataScanner(private).scan_text(line, "x")] == [42]


def test_dp_releases_and_aggregates_are_not_findings(private: pd.DataFrame) -> None:
    text = "\n".join([
        "mean wage 612.31 ± 12.4 (ε 0.5, Laplace scale 0.93)",
        private.describe().round(3).to_string(),
        private.groupby("region").size().to_string(),
        "education 12 experience 20 region south",  # common values alone are not a row
    ])  # fmt: skip
    assert RawDataScanner(private).scan_text(text, "x") == []


def test_findings_do_not_repeat_values(private: pd.DataFrame) -> None:
    finding = RawDataScanner(private).scan_text(private.head(1).to_string(), "x")[0]
    assert str(private.wage.iloc[0]) not in finding.line()
    assert "row 0" in finding.line()


def test_notebook_outputs_and_folder(private: pd.DataFrame, tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("df.describe()", outputs=[
            nbformat.v4.new_output("execute_result", data={"text/plain": "count 2000"}, execution_count=1)
        ]),
        nbformat.v4.new_code_cell("df.head()", outputs=[
            nbformat.v4.new_output("execute_result", execution_count=2, data={
                "text/plain": private.head(2).to_string(), "text/html": private.head(2).to_html()})
        ]),
    ]  # fmt: skip
    (tmp_path / "step.ipynb").write_text(nbformat.writes(nb))
    (tmp_path / "card.md").write_text("ε = 1.0, δ = 1e-6\n")
    (tmp_path / "leak.json").write_text(json.dumps(private.iloc[7].to_dict()))
    findings = RawDataScanner(private).scan_folder(tmp_path)
    places = {(f.path, f.location) for f in findings}
    assert ("step.ipynb", "cell 1 output") in places
    assert not any(f.path == "card.md" for f in findings)
    assert any(f.path == "leak.json" and f.row == 7 for f in findings)


def test_empty_private_data_is_an_error() -> None:
    with pytest.raises(InvalidParameterError, match="non-empty"):
        RawDataScanner(pd.DataFrame())
