"""`jupyter privacy budget …` and `ledger …` as a user runs them: a real subprocess per call."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_privacy import open_ledger
from jupyter_privacy.testing.cli import run_cli as run


def test_create_list_show_spend_json(cli_env: dict[str, str]) -> None:
    created = run("budget", "create", "census", "--epsilon", "1", "--delta", "1e-6",
                  "--unit", "one person", "--max-contributions", "2", "--json", env=cli_env)  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["privacy_unit"] == "one person"
    spent = run("budget", "spend", "census", "--epsilon", "0.25", "--description", "mean wage",
                "--value", '{"mean": 612.3}', "--json", env=cli_env)  # fmt: skip
    assert spent.returncode == 0, spent.stderr
    body = json.loads(spent.stdout)
    assert body["release"]["value"] == {"mean": 612.3}
    assert body["budget"]["epsilon_remaining"] == pytest.approx(0.75)
    listed = json.loads(run("budget", "list", "--json", env=cli_env).stdout)
    assert [b["name"] for b in listed["budgets"]] == ["census"]
    shown = json.loads(run("budget", "show", "census", "--json", env=cli_env).stdout)
    assert shown["budget"]["release_count"] == 1
    assert shown["releases"][0]["description"] == "mean wage"
    assert shown["releases"][0]["origin"] == "cli"


def test_human_output(cli_env: dict[str, str]) -> None:
    run("budget", "create", "census", "--epsilon", "1", env=cli_env)
    run("budget", "spend", "census", "--epsilon", "0.4", "--description", "count", env=cli_env)
    table = run("budget", "list", env=cli_env).stdout
    assert "census" in table and "0.4 / 1" in table and "0.6" in table
    assert "ledger OK" in run("ledger", "verify", env=cli_env).stdout


def test_ledger_flag_overrides_env(cli_env: dict[str, str], tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert (
        run("budget", "create", "x", "--epsilon", "1", "--ledger", other, env=cli_env).returncode
        == 0
    )
    with open_ledger(other) as ledger:
        assert [b.name for b in ledger.budgets()] == ["x"]


def test_replay_key_on_cli_spends_once(cli_env: dict[str, str]) -> None:
    run("budget", "create", "b", "--epsilon", "1", env=cli_env)
    for _ in range(2):
        out = run("budget", "spend", "b", "--epsilon", "0.3", "--description", "d",
                  "--replay-key", "k", env=cli_env)  # fmt: skip
    assert "replayed" in out.stdout
    assert json.loads(run("budget", "show", "b", "--json", env=cli_env).stdout)["budget"][
        "epsilon_spent"
    ] == pytest.approx(0.3)


def test_raise(cli_env: dict[str, str]) -> None:
    run("budget", "create", "b", "--epsilon", "1", env=cli_env)
    out = run("budget", "raise", "b", "--epsilon", "2", "--reason", "DPO approved", env=cli_env)
    assert out.returncode == 0 and "ε 2" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["budget", "create", "b", "--epsilon", "abc"], "--epsilon must be a number"),
        (["budget", "create", "b", "--epsilon", "-1"], "--epsilon must be > 0"),
        (["budget", "create", "b", "--epsilon", "nan"], "finite"),
        (["budget", "create", "b", "--epsilon", "1", "--delta", "1"], "[0, 1)"),
        (["budget", "create", "b", "--epsilon", "1", "--max-contributions", "x"], "whole number"),
        (["budget", "create", "b b", "--epsilon", "1"], "letters, digits"),
        (["budget", "show", "missing"], "no budget named 'missing'"),
        (["budget", "spend", "missing", "--epsilon", "1", "--description", "d"], "no budget named"),
        (["budget", "spend", "b", "--epsilon", "1", "--description", "d", "--value", "{"], "JSON"),
    ],
)
def test_cli_bad_input_is_one_clear_line(
    cli_env: dict[str, str], args: list[str], message: str
) -> None:
    run("budget", "create", "b", "--epsilon", "1", env=cli_env)
    out = run(*args, env=cli_env)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_cli_error_as_json(cli_env: dict[str, str]) -> None:
    out = run("budget", "show", "missing", "--json", env=cli_env)
    assert out.returncode == 2
    assert json.loads(out.stdout)["error"] == "unknown_budget"


def test_overspend_on_cli(cli_env: dict[str, str]) -> None:
    run("budget", "create", "b", "--epsilon", "0.5", env=cli_env)
    out = run("budget", "spend", "b", "--epsilon", "0.6", "--description", "d", env=cli_env)
    assert out.returncode == 2 and "Nothing was spent" in out.stderr


def test_corrupt_ledger_on_cli(tmp_path: Path, cli_env: dict[str, str]) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\x00garbage" * 512)
    out = run("budget", "list", "--ledger", f"sqlite:///{bad}", env=cli_env)
    assert out.returncode == 2 and "not a readable database" in out.stderr


def test_export_to_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    run("budget", "create", "b", "--epsilon", "1", env=cli_env)
    run("budget", "spend", "b", "--epsilon", "0.1", "--description", "d", env=cli_env)
    target = tmp_path / "out" / "ledger.json"
    assert run("ledger", "export", "--out", str(target), env=cli_env).returncode == 0
    data = json.loads(target.read_text())
    assert data["format"] == "jupyter-privacy-ledger" and len(data["entries"]) == 2
    assert data["verification"]["ok"] is True


def test_jupyter_subcommand_is_wired(cli_env: dict[str, str]) -> None:
    """`jupyter privacy` finds the `jupyter-privacy` executable on PATH."""
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent))
    assert jupyter is not None
    out = subprocess.run([jupyter, "privacy", "budget", "list"], capture_output=True, text=True,
                         env=cli_env)  # fmt: skip
    assert out.returncode == 0 and "no budgets yet" in out.stdout
