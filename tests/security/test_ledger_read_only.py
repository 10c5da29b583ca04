"""Read-only commands create nothing, refuse databases that are not ledgers, and read ledgers that
live in read-only folders or files.

Root ignores permission bits, so the read-only cases run the CLI under `setpriv` with
CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped: still uid 0 (it can run the venv under /root),
but now bound by the 0444 file and 0555 folder modes like any user.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from jupyter_privacy import open_ledger
from jupyter_privacy.cli import main
from jupyter_privacy.core.errors import LedgerReadOnlyError, LedgerSchemaError

READ_COMMANDS = [
    ["budget", "list"],
    ["budget", "show", "census"],
    ["ledger", "verify"],
    ["ledger", "export"],
    ["ledger", "anchor"],
]
DROP_DAC = ["--inh-caps=-dac_override,-dac_read_search",
            "--bounding-set=-dac_override,-dac_read_search"]  # fmt: skip


def _run(*args: str, wrapper: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_PRIVACY_LEDGER"}
    return subprocess.run(
        [*(wrapper or []), sys.executable, "-m", "jupyter_privacy.cli", *args],
        capture_output=True, text=True, env=env,
    )  # fmt: skip


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    found = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    return found


@pytest.fixture
def foreign_url(backend_url: str) -> str:
    """Somebody else's database: one table of theirs, no ledger tables."""
    engine = sa.create_engine(backend_url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table customers (id integer primary key, name text)"))
    engine.dispose()
    return backend_url


def test_read_commands_do_not_touch_a_database_that_is_not_a_ledger(
    foreign_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in READ_COMMANDS:
        assert main([*command, "--ledger", foreign_url]) == 2
        err = capsys.readouterr().err
        assert "not a jupyter-privacy ledger" in err and err.count("\n") == 1, (command, err)
    assert _tables(foreign_url) == {"customers"}


def test_read_only_open_refuses_a_foreign_database_in_python(foreign_url: str) -> None:
    with pytest.raises(LedgerSchemaError, match="not a jupyter-privacy ledger"):
        open_ledger(foreign_url, read_only=True)
    assert _tables(foreign_url) == {"customers"}


def test_read_commands_on_a_missing_ledger_create_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "ledger.db"
    url = f"sqlite:///{path}"
    listed = _run("budget", "list", "--ledger", url)
    assert listed.returncode == 0 and "no budgets yet" in listed.stdout
    verified = _run("ledger", "verify", "--ledger", url)
    assert verified.returncode == 0 and "0 entries" in verified.stdout
    assert _run("budget", "show", "x", "--ledger", url).returncode == 2
    assert not path.parent.exists()


@pytest.fixture
def seeded_path(tmp_path: Path) -> Path:
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "ledger.db"
    with open_ledger(f"sqlite:///{path}") as ledger:
        ledger.create_budget("census", 1.0)
        ledger.spend("census", 0.25, value=1, description="mean")
    return path


def _without_dac_override() -> list[str]:
    """`setpriv` dropping root's permission bypass, or skip when this system cannot do it."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    if os.geteuid() != 0:
        return []
    probe = subprocess.run(["setpriv", *DROP_DAC, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot drop CAP_DAC_OVERRIDE here")
    return ["setpriv", *DROP_DAC]


@pytest.mark.parametrize("folder_too", [False, True], ids=["read-only file", "read-only folder"])
def test_a_read_only_ledger_is_still_readable(seeded_path: Path, folder_too: bool) -> None:
    wrapper = _without_dac_override()
    before = seeded_path.read_bytes()
    files_before = {p.name for p in seeded_path.parent.iterdir()}
    url = f"sqlite:///{seeded_path}"
    seeded_path.chmod(0o444)
    if folder_too:
        seeded_path.parent.chmod(0o555)
    try:
        blocked = subprocess.run([*wrapper, "sh", "-c", f"echo x >> {seeded_path}"],
                                 capture_output=True)  # fmt: skip
        assert blocked.returncode != 0, "the wrapper did not make permissions bind"
        listed = _run("budget", "list", "--json", "--ledger", url, wrapper=wrapper)
        assert listed.returncode == 0, listed.stderr
        (census,) = json.loads(listed.stdout)["budgets"]
        assert census["epsilon_spent"] == pytest.approx(0.25)
        for command in READ_COMMANDS:
            out = _run(*command, "--ledger", url, wrapper=wrapper)
            assert out.returncode == 0, (command, out.stderr)
        spend = _run("budget", "spend", "census", "--epsilon", "0.1", "--description", "d",
                     "--ledger", url, wrapper=wrapper)  # fmt: skip
        assert spend.returncode == 2 and "Traceback" not in spend.stderr
        assert "cannot be written" in spend.stderr or "read-only" in spend.stderr
    finally:
        seeded_path.parent.chmod(0o755)
        seeded_path.chmod(0o644)
    assert seeded_path.read_bytes() == before
    added = {p.name for p in seeded_path.parent.iterdir()} - files_before
    if folder_too:
        assert not added  # nothing could be created, and nothing had to be
    else:  # SQLite's readers leave an empty log and its index when they cannot checkpoint
        assert added <= {"ledger.db-wal", "ledger.db-shm"}
        assert not (seeded_path.parent / "ledger.db-wal").exists() or (
            (seeded_path.parent / "ledger.db-wal").stat().st_size == 0
        )


def test_read_only_open_in_python_refuses_writes(seeded_path: Path) -> None:
    with open_ledger(f"sqlite:///{seeded_path}", read_only=True) as ledger:
        assert ledger.budget("census").release_count == 1
        with pytest.raises(LedgerReadOnlyError, match="read-only"):
            ledger.spend("census", 0.1, value=1)
        with pytest.raises(LedgerReadOnlyError):
            ledger.create_budget("other", 1.0)
    with open_ledger(f"sqlite:///{seeded_path}") as ledger:
        assert ledger.budget("census").release_count == 1 and ledger.verify().ok


def test_a_read_only_folder_with_an_unmerged_log_is_refused_not_misread(seeded_path: Path) -> None:
    """With a -wal file that holds commits, an `immutable` read would silently miss them."""
    wrapper = _without_dac_override()
    holder = sqlite3.connect(seeded_path)  # keeps the -wal file alive with a commit in it
    holder.execute("pragma journal_mode=wal")
    holder.execute("pragma wal_autocheckpoint=0")
    with open_ledger(f"sqlite:///{seeded_path}") as ledger:
        ledger.spend("census", 0.1, value=2, description="only in the log")
    url = f"sqlite:///{seeded_path}"
    seeded_path.parent.chmod(0o555)
    try:
        out = _run("budget", "list", "--json", "--ledger", url, wrapper=wrapper)
        if out.returncode == 0:  # SQLite could read the log through the existing -shm
            assert json.loads(out.stdout)["budgets"][0]["release_count"] == 2
        else:
            assert out.returncode == 2 and "write-ahead log" in out.stderr, out.stderr
    finally:
        seeded_path.parent.chmod(0o755)
        holder.close()
