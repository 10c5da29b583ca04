"""`jupyter privacy datasets …` and `requests …` in-process: outputs, JSON, and user errors as one
line with exit 2. (The two-machine flow runs the CLI as processes in test_team_postgres.py.)"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jupyter_privacy.cli import main
from jupyter_privacy.core.config import LOCK_TIMEOUT_ENV
from jupyter_privacy.testing.requests import HONEST, OWNER, SCIENTIST, private_frame


@pytest.fixture
def registered(ledger, ledger_url, tmp_path, as_user, capsys) -> str:
    private_frame().to_csv(tmp_path / "people.csv", index=False)
    as_user(OWNER)  # the budget's creator is its owner (#19): the owner runs requests
    ledger.create_budget("people", 3.0, 1e-5)
    code = main(["datasets", "register", "people", "--private", str(tmp_path / "people.csv"),
                 "--budget", "people", "--bounds", "age=18:90", "--bounds", "wage=0:5000",
                 "--keys", "region=north,south,east,west", "--store", str(tmp_path / "store"),
                 "--ledger", ledger_url])  # fmt: skip
    assert code == 0 and "registered dataset 'people'" in capsys.readouterr().out
    return ledger_url


def test_datasets_list_show_and_mock(registered: str, tmp_path: Path, capsys) -> None:
    assert main(["datasets", "list", "--ledger", registered]) == 0
    assert main(["datasets", "show", "people", "--json", "--ledger", registered]) == 0
    out = capsys.readouterr().out
    assert "people" in out and '"mock_rows": 200' in out and '"content"' not in out
    assert main(["datasets", "mock", "people", "--out", str(tmp_path / "m.parquet"),
                 "--ledger", registered]) == 0  # fmt: skip
    assert (tmp_path / "m.parquet").is_file()


def test_submit_with_a_plan_file_then_list_and_results(registered, tmp_path, monkeypatch, as_user,
                                                       capsys) -> None:  # fmt: skip
    (tmp_path / "analysis.py").write_text(HONEST)
    (tmp_path / "plan.yaml").write_text(
        "- {kind: query, query: 'SELECT COUNT(*) FROM t', epsilon: 0.5}\n"
        "- {query: 'SELECT region, AVG(wage) FROM t GROUP BY region', epsilon: 1}\n"
    )
    as_user(SCIENTIST)
    assert main(["requests", "submit", "--dataset", "people", "--code", str(tmp_path / "analysis.py"),
                 "--plan", str(tmp_path / "plan.yaml"), "--json", "--ledger", registered]) == 0  # fmt: skip
    submitted = json.loads(capsys.readouterr().out)
    assert submitted["scientist"] == SCIENTIST and submitted["planned_epsilon"] == 1.5
    assert main(["requests", "list", "--status", "pending", "--ledger", registered]) == 0
    assert main(["requests", "results", str(submitted["id"]), "--ledger", registered]) == 0
    out = capsys.readouterr().out
    assert "pending" in out and "waiting for the data owner's approval" in out
    as_user(OWNER)
    assert main(["requests", "approve", str(submitted["id"]), "--reason", "ok",
                 "--ledger", registered]) == 0  # fmt: skip
    assert f"request {submitted['id']} approved by {OWNER}: ok" in capsys.readouterr().out
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "60")  # restored after the test
    assert main(["requests", "run", str(submitted["id"]), "--store", str(tmp_path / "store"),
                 "--lock-timeout", "7", "--ledger", registered]) == 0  # fmt: skip
    assert "completed" in capsys.readouterr().out
    assert os.environ[LOCK_TIMEOUT_ENV] == "7.0"  # what the run's own process was given


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["requests", "submit", "--dataset", "people", "--code", "{code}", "--query",
          "SELECT COUNT(*) FROM t"], "one --epsilon"),
        (["requests", "submit", "--dataset", "nope", "--code", "{code}", "--query",
          "SELECT COUNT(*) FROM t", "--epsilon", "1"], "no dataset named 'nope'"),
        (["requests", "run", "1"], "no request 1"),
        (["requests", "show", "x"], "a request id is a number"),
        (["datasets", "register", "other", "--private", "{code}", "--budget", "people"],
         "must be .csv or .parquet"),
    ],
)  # fmt: skip
def test_user_errors_are_one_line_and_exit_2(registered, tmp_path, capsys, argv, words) -> None:
    code_file = tmp_path / "analysis.py"
    code_file.write_text(HONEST)
    argv = [a.replace("{code}", str(code_file)) for a in argv]
    assert main([*argv, "--ledger", registered]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_deny_needs_a_reason(registered) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["requests", "deny", "1", "--ledger", registered])
    assert caught.value.code == 2


@pytest.mark.parametrize(
    "argv", [("requests", "list"), ("requests", "results", "1"), ("datasets", "list"),
             ("datasets", "show", "people"), ("datasets", "mock", "people")],
)  # fmt: skip
def test_reading_verbs_open_read_only_and_create_no_ledger(tmp_path, capsys, argv) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere' / 'ledger.db'}"
    assert main([*argv, "--lock-timeout", "5", "--ledger", url]) in (0, 2)  # empty, or unknown
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_reading_verbs_take_the_lock_timeout(registered, capsys) -> None:
    assert main(["datasets", "list", "--lock-timeout", "5", "--ledger", registered]) == 0
    assert main(["requests", "list", "--lock-timeout", "5", "--ledger", registered]) == 0
    assert "people" in capsys.readouterr().out
