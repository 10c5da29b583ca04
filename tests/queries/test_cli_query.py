"""`jupyter privacy query`: the same release as the Python API, from a file, with --json."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from jupyter_privacy.cli import main

SQL = "SELECT region, COUNT(*) AS n, AVG(income) FROM t GROUP BY region"


@pytest.fixture
def data_file(frame, tmp_path):
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def base(data_file, ledger, ledger_url):
    ledger.create_budget("study", 2.0, privacy_unit="one person")
    return ["query", "--ledger", ledger_url, "--budget", "study", "--data", str(data_file),
            "--bounds", "income=0:100000", "--keys", "region=north,south,east,west"]  # fmt: skip


def run(capsys, argv):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_release_then_replay_then_fresh(capsys, base, ledger):
    code, out, _ = run(capsys, [*base, "--epsilon", "0.5", "--json", SQL])
    assert code == 0
    first = json.loads(out)
    release = first["release"]
    assert release["epsilon"] == 0.5 and not release["replayed"]
    assert {v["group"][0] for v in release["values"]} == {"north", "south", "east", "west"}
    assert first["budget"]["epsilon_remaining"] == pytest.approx(1.5)
    code, out, _ = run(capsys, [*base, "--epsilon", "0.5", "--json", SQL])
    again = json.loads(out)["release"]
    assert again["replayed"] and again["entry_id"] == release["entry_id"]
    code, out, _ = run(capsys, [*base, "--epsilon", "0.5", "--fresh", SQL])
    assert code == 0 and "spent ε 0.5" in out and "±" in out
    assert ledger.budget("study").epsilon_spent == pytest.approx(1.0)
    assert ledger.history("study")[-1].origin == "cli"


def test_preview_spends_nothing(capsys, base, ledger):
    code, out, _ = run(capsys, [*base, "--epsilon", "1", "--preview", SQL])
    assert code == 0 and "nothing spent" in out and "Integer Laplace" in out
    assert ledger.history("study") == []


@pytest.mark.parametrize(
    ("extra", "sql", "words"),
    [
        (["--epsilon", "5"], SQL, "Nothing was spent"),
        (["--epsilon", "1"], "SELECT * FROM t", "supported DP SQL"),
        (["--epsilon", "1", "--bounds", "age=5"], SQL, "LO:HI"),
        (["--epsilon", "1", "--bounds", "income=9:1"], SQL, "low < high"),
        (["--epsilon", "1"], "SELECT SUM(name) FROM t", "numeric"),
    ],
)
def test_errors_exit_2_with_one_line(capsys, base, ledger, extra, sql, words):
    code, _, err = run(capsys, [*base, *extra, sql])
    assert code == 2 and words in err and err.count("\n") == 1
    assert ledger.history("study") == []


def test_negative_epsilon_is_an_argument_error(base):
    with pytest.raises(SystemExit) as info:
        main([*base, "--epsilon", "-1", SQL])
    assert info.value.code == 2


@pytest.mark.slow
def test_executable_runs(base, cli_env):
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy.cli", *base, "--epsilon", "0.2", "--json",
         "SELECT COUNT(*) FROM t"],
        capture_output=True, text=True, env=cli_env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["release"]["values"][0]["statistic"] == "count"


def test_split_weights_the_aggregates(capsys, base, ledger):
    code, out, _ = run(capsys, [*base, "--epsilon", "1", "--split", "1,3", "--json", SQL])
    assert code == 0
    statistics = json.loads(out)["release"]["statistics"]
    assert [s["epsilon"] for s in statistics] == pytest.approx([0.25, 0.75])
    code, _, err = run(capsys, [*base, "--epsilon", "1", "--split", "1,0", SQL])
    assert code == 2 and "finite and > 0" in err
    assert ledger.budget("study").epsilon_spent == pytest.approx(1.0)


def test_preview_rows_give_the_mean_accuracy(capsys, base, ledger):
    code, out, _ = run(
        capsys, [*base, "--epsilon", "1", "--preview", "--rows", "50", "--json", SQL]
    )
    mean = json.loads(out)["preview"]["statistics"][1]
    assert code == 0 and mean["mean_accuracy"] > 0
    code, _, err = run(capsys, [*base, "--epsilon", "1", "--rows", "50", SQL])
    assert code == 2 and "--rows plans a --preview" in err and ledger.history("study") == []
