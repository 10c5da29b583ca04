"""#13 items 9 and 12 as a user meets them: every failure is one line on stderr with exit 2 (never a
traceback), output cut short by a closed pipe ends quietly, and free text cannot drive the
terminal. Each case is a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_privacy import open_ledger
from jupyter_privacy.core.reports.model_card import example_path
from jupyter_privacy.testing.cli import run_cli as run

HOSTILE = "\x1b[2J\x1b[31mred\x1b[0m\u202eevil\r\x07"
RAW_CONTROLS = ("\x1b", "\u202e", "\r", "\x07")


def assert_one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("jupyter privacy: error:")
    for word in words:
        assert word in done.stderr


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("not a folder\n")
    return path


@pytest.fixture
def losses(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "m.json").write_text(json.dumps([0.1, 0.2, 0.3, 0.4]))
    (tmp_path / "n.json").write_text(json.dumps([0.5, 0.6, 0.7, 0.8]))
    return str(tmp_path / "m.json"), str(tmp_path / "n.json")


def test_out_into_unwritable_places(cli_env, a_file, losses) -> None:
    run("budget", "create", "b", "--epsilon", "1", env=cli_env)
    meta = str(example_path("card.yaml"))
    for out in (str(a_file / "x"), "/proc/jupyter-privacy-test/x"):  # root cannot write /proc
        named = str(Path(out).parent)  # the message names the place that cannot be written
        assert_one_line_error(run("ledger", "export", "--out", out + ".json", env=cli_env), named)
        assert_one_line_error(
            run("probe", "--members", losses[0], "--non-members", losses[1], "--out", out,
                env=cli_env), named,
        )  # fmt: skip
        assert_one_line_error(
            run("card", "build", "--meta", meta, "--epsilon", "1", "--accountant", "rdp", "--out",
                out, env=cli_env), named,
        )  # fmt: skip
    done = run("pilot", "run", "--out", str(a_file / "pilot"), env=cli_env)
    assert_one_line_error(done, "is a file, not a folder")


def test_card_meta_that_is_a_folder(cli_env, tmp_path) -> None:
    done = run("card", "build", "--meta", str(tmp_path), "--epsilon", "1", "--accountant", "rdp",
               "--out", str(tmp_path / "card"), env=cli_env)  # fmt: skip
    assert_one_line_error(done, "is a folder")


def test_absurd_epochs_are_refused_not_attempted(cli_env) -> None:
    """It tried to allocate 221 TiB; now the work is bounded before it starts."""
    args = ("--dataset-size", "1000", "--batch-size", "10", "--noise-multiplier", "1")
    assert_one_line_error(run("epsilon", *args, "--epochs", "1e12", env=cli_env), "optimizer steps")
    done = run("epsilon", *args, "--epochs", "2000", "--sampling", "shuffle", env=cli_env)
    assert_one_line_error(done, "--accountant rdp")  # PLD's work grows with ε
    fine = run("epsilon", *args, "--epochs", "2000", "--sampling", "shuffle", "--accountant", "rdp",
               env=cli_env)  # fmt: skip
    assert fine.returncode == 0, fine.stderr


def test_a_closed_pipe_ends_quietly(cli_env, ledger_url) -> None:
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("b", 1000.0)
        for i in range(400):
            ledger.spend("b", 0.001, value={"i": i}, description=f"release {i}" + "." * 200)
    for args in (("ledger", "export"), ("ledger", "verify", "--json"), ("budget", "show", "b")):
        child = subprocess.Popen([sys.executable, "-m", "jupyter_privacy.cli", *args],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env)  # fmt: skip
        assert child.stdout is not None and child.stderr is not None
        child.stdout.read(10)
        child.stdout.close()  # `| head -c 10`
        err = child.stderr.read().decode()
        code = child.wait(timeout=60)
        assert "Traceback" not in err and "BrokenPipe" not in err
        assert code == 141 if args[-1] != "--json" else code in (0, 141)  # verify's is short


def test_pilot_parameters_are_checked_before_any_notebook_runs(cli_env, tmp_path) -> None:
    out = tmp_path / "pilot"
    done = run("pilot", "run", "--out", str(out), "-p", "analytics_epsilon", "-1", env=cli_env)
    assert_one_line_error(done, "analytics_epsilon", "> 0")
    assert not out.exists()
    done = run("pilot", "run", "--out", str(out), "-p", "epochs", "two", env=cli_env)
    assert_one_line_error(done, "'epochs' must be a whole number")


def test_unexpected_errors_are_one_line_without_their_text(monkeypatch, capsys) -> None:
    from jupyter_privacy import cli

    def broken(_args):
        raise RuntimeError("a library message quoting SECRET-CELL-42")

    monkeypatch.setattr("jupyter_privacy.cli.budget._list", broken)
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    assert cli.main(["budget", "list"]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "RuntimeError" in err and "SECRET" not in err and err.count("\n") == 1


def test_control_characters_never_reach_the_terminal(cli_env) -> None:
    run("budget", "create", "b", "--epsilon", "1", "--unit", "one " + HOSTILE, env=cli_env)
    spent = run("budget", "spend", "b", "--epsilon", "0.1", "--description", HOSTILE,
                "--mechanism", HOSTILE, env=cli_env)  # fmt: skip
    assert spent.returncode == 0, spent.stderr
    for args in (("budget", "show", "b"), ("budget", "list")):
        done = run(*args, env=cli_env)
        assert done.returncode == 0
        assert not any(c in done.stdout for c in RAW_CONTROLS)
        assert "\\x1b[2J" in done.stdout  # visible instead
    shown = run("budget", "show", "b", "--json", env=cli_env)
    assert not any(c in shown.stdout for c in RAW_CONTROLS)
    assert json.loads(shown.stdout)["releases"][0]["description"] == HOSTILE  # JSON is exact
    wrong = run("budget", "show", "\x1b[31mb", env=cli_env)
    assert wrong.returncode == 2 and "\x1b" not in wrong.stderr


def test_epsilon_is_never_shown_as_a_bare_zero(cli_env) -> None:
    done = run("noise", "--dataset-size", "1000", "--batch-size", "10", "--epochs", "1",
               "--target-epsilon", "1e-12", env=cli_env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ε = 0 " not in done.stdout and "(0, δ)-DP" in done.stdout
    assert "target ε 1e-12" in done.stdout
    env = {**cli_env, "COLUMNS": "200"}
    table = run("epsilon", "--dataset-size", "1000", "--batch-size", "10", "--noise-multiplier",
                "1000", "--epochs", "1", "--accountant", "rdp", env=env)  # fmt: skip
    assert "(0, δ)-DP" in table.stdout
