"""How long a writer waits for the ledger's lock (`--lock-timeout`, JUPYTER_PRIVACY_LOCK_TIMEOUT,
`open_ledger(lock_timeout=)`), and a message that names who holds it."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from jupyter_privacy import open_ledger
from jupyter_privacy.core.errors import InvalidParameterError, LedgerLockedError

HOLD = """
import sys, time
from jupyter_privacy import open_ledger
with open_ledger(sys.argv[1]) as ledger:
    def slow():
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
        return 1
    ledger.spend("b", 0.1, compute=slow, description="a long computation")
"""


def _hold(url: str, seconds: float) -> subprocess.Popen[str]:
    """Another kit process inside a spend (its computation runs with the write lock held)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, url, str(seconds)],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


@pytest.fixture
def url(backend_url: str) -> str:
    with open_ledger(backend_url) as ledger:
        ledger.create_budget("b", 1.0)
    return backend_url


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jupyter_privacy.cli", *args],
                          capture_output=True, text=True, env=env)  # fmt: skip


def test_cli_lock_timeout_names_the_holder(url: str) -> None:
    holder = _hold(url, 20)
    try:
        start = time.monotonic()
        out = _cli("budget", "spend", "b", "--epsilon", "0.1", "--description", "d",
                   "--lock-timeout", "0.5", "--ledger", url)  # fmt: skip
        waited = time.monotonic() - start
    finally:
        holder.kill()
        holder.wait()
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
    assert "0.5 s" in out.stderr and f"pid {holder.pid}" in out.stderr
    assert socket.gethostname() in out.stderr or "127.0.0.1" in out.stderr
    assert waited < 15
    with open_ledger(url) as ledger:  # neither the killed holder nor the waiter spent
        assert ledger.budget("b").release_count == 0 and ledger.verify().ok


def test_env_var_sets_the_timeout(url: str) -> None:
    holder = _hold(url, 20)
    try:
        env = {**os.environ, "JUPYTER_PRIVACY_LOCK_TIMEOUT": "0.3"}
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("JUPYTER_PRIVACY_LOCK_TIMEOUT", "0.3")
            with open_ledger(url) as ledger, pytest.raises(LedgerLockedError, match=r"0\.3 s"):
                ledger.spend("b", 0.1, value=1)
        out = _cli("budget", "raise", "b", "--epsilon", "2", "--reason", "r", "--ledger", url,
                   env=env)  # fmt: skip
        assert out.returncode == 2 and f"pid {holder.pid}" in out.stderr
    finally:
        holder.kill()
        holder.wait()


def test_the_flag_overrides_the_env_var(url: str) -> None:
    env = {**os.environ, "JUPYTER_PRIVACY_LOCK_TIMEOUT": "not a number"}
    out = _cli("budget", "list", "--ledger", url, env=env)
    assert out.returncode == 2 and "JUPYTER_PRIVACY_LOCK_TIMEOUT" in out.stderr
    out = _cli("budget", "list", "--lock-timeout", "5", "--ledger", url, env=env)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
def test_bad_lock_timeouts_are_clear(url: str, value: str) -> None:
    out = _cli("budget", "list", f"--lock-timeout={value}", "--ledger", url)
    assert out.returncode == 2 and "--lock-timeout" in out.stderr and "Traceback" not in out.stderr
    with pytest.raises(InvalidParameterError, match="lock_timeout"):
        open_ledger(url, lock_timeout=float(value) if value != "abc" else value)  # type: ignore[arg-type]


RAW_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
time.sleep(30)
"""


def test_a_holder_outside_the_kit_is_named_too(tmp_path: Path) -> None:
    """The kernel knows who holds SQLite's write lock: a writer that is not the kit is named."""
    path = tmp_path / "l.db"
    with open_ledger(f"sqlite:///{path}") as ledger:
        ledger.create_budget("b", 1.0)
    raw = subprocess.Popen([sys.executable, "-c", RAW_HOLDER, str(path)], stdout=subprocess.PIPE,
                           text=True)  # fmt: skip
    try:
        assert raw.stdout is not None and raw.stdout.readline().strip() == "holding"
        with (
            open_ledger(f"sqlite:///{path}", lock_timeout=0.2) as ledger,
            pytest.raises(LedgerLockedError) as info,
        ):
            ledger.spend("b", 0.1, value=2)
    finally:
        raw.kill()
        raw.wait()
    assert f"held by pid {raw.pid} (python" in info.value.message


def test_a_holder_in_this_very_process_is_unknown(tmp_path: Path) -> None:
    """POSIX locks do not conflict within one process, so the kernel cannot name this holder."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    with open_ledger(url) as ledger:
        ledger.create_budget("b", 1.0)
    raw = sqlite3.connect(tmp_path / "l.db", isolation_level=None)
    raw.execute("BEGIN IMMEDIATE")
    try:
        with open_ledger(url, lock_timeout=0.2) as ledger, pytest.raises(LedgerLockedError) as info:
            ledger.spend("b", 0.1, value=2)
    finally:
        raw.execute("ROLLBACK")
        raw.close()
    assert "holder unknown" in info.value.message and "0.2 s" in info.value.message


@pytest.mark.postgres
def test_postgres_names_the_session_holding_the_lock(postgres_url: str) -> None:
    with open_ledger(postgres_url) as ledger:
        ledger.create_budget("b", 1.0)
    engine = sa.create_engine(postgres_url, connect_args={"application_name": "nightly-etl"})
    conn = engine.connect()
    tx = conn.begin()
    backend_pid = conn.execute(sa.text("select pg_backend_pid()")).scalar_one()
    conn.execute(sa.text("select * from jp_chain_head for update"))
    try:
        with open_ledger(postgres_url, lock_timeout=0.3) as ledger:
            start = time.monotonic()
            with pytest.raises(LedgerLockedError) as info:
                ledger.spend("b", 0.1, value=1)
            assert time.monotonic() - start < 10
    finally:
        tx.rollback()
        conn.close()
        engine.dispose()
    assert f"pid {backend_pid}" in info.value.message and "nightly-etl" in info.value.message
