"""Malformed values planted in the ledger's tables never crash the kit.

`verify` reports each as a problem (exit 1, one line per problem); `budget show`, `budget list`,
`ledger export` and spends answer with one clear line (exit 2) instead of a traceback.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys

import pytest
import sqlalchemy as sa

from jupyter_privacy import open_ledger
from jupyter_privacy.cli import main
from jupyter_privacy.core.errors import LedgerIntegrityError, PrivacyError

# (table, column, value as SQL, which row, backends, does `budget show census` read it?)
CASES = [
    ("jp_budgets", "epsilon_spent", "'abc'", "name = 'census'", "both", True),
    ("jp_budgets", "delta_spent", "'1e'", "name = 'census'", "both", True),
    ("jp_budgets", "rho_spent", "''", "name = 'census'", "both", True),
    ("jp_entries", "details_json", "'{'", "id = 2", "both", True),
    ("jp_entries", "value_json", "'['", "id = 3", "both", True),
    ("jp_entries", "totals_json", "'{'", "id = 3", "both", True),
    ("jp_entries", "epsilon", "'abc'", "id = 2", "sqlite", True),
    ("jp_entries", "rho", "X'00'", "id = 2", "sqlite", True),
    ("jp_entries", "created_at", "X'00ff'", "id = 3", "sqlite", True),
    ("jp_entries", "budget_id", "'x'", "id = 3", "sqlite", False),
    ("jp_budgets", "epsilon_total", "'abc'", "name = 'census'", "sqlite", True),
    ("jp_budgets", "release_count", "'x'", "name = 'census'", "sqlite", True),
    ("jp_budgets", "last_release_at", "X'00'", "name = 'census'", "sqlite", True),
    ("jp_chain_head", "head_id", "'x'", "id = 1", "sqlite", False),
]


@pytest.fixture(params=CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def case(request: pytest.FixtureRequest, backend_url: str) -> tuple[str, bool]:
    table, column, value, where, backends, shown = request.param
    if backends == "sqlite" and not backend_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's typed columns refuse this value")
    with open_ledger(backend_url) as ledger:
        ledger.create_budget("census", 1.0, 1e-6)
        ledger.spend("census", 0.1, value={"mean": 1.5}, description="mean", details={"a": 1})
        ledger.spend("census", 0.2, value=[1, 2], description="hist")
        ledger.create_budget("other", 1.0)
    engine = sa.create_engine(backend_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"update {table} set {column} = {value} where {where}"))
    engine.dispose()
    return backend_url, shown


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_reports_every_malformed_value(case, capsys) -> None:
    url, _ = case
    with open_ledger(url, read_only=True) as ledger:
        report = ledger.verify()
    assert not report.ok and report.problems
    code, out, err = _cli(capsys, "ledger", "verify", "--ledger", url)
    assert code == 1, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("ledger TAMPERED") and len(lines) == 1 + len(report.problems)
    assert "Traceback" not in out + err


def test_reads_answer_with_one_clear_line(case, capsys) -> None:
    url, shown = case
    code, out, err = _cli(capsys, "budget", "show", "census", "--ledger", url)
    if shown:
        assert code == 2 and err.count("\n") == 1, (out, err)
        assert "ledger verify" in err
    else:
        assert code == 0, err
    code, out, err = _cli(capsys, "ledger", "export", "--ledger", url)
    assert code in (0, 2) and "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1 and "ledger verify" in err
    code, out, err = _cli(capsys, "budget", "list", "--ledger", url)
    assert code in (0, 2) and "Traceback" not in err


def test_spending_refuses_cleanly_or_spends_exactly(case) -> None:
    url, _ = case
    with open_ledger(url) as ledger:
        try:
            release = ledger.spend("census", 0.1, value=1, description="after the edit")
        except LedgerIntegrityError as error:
            assert "ledger verify" in error.message
        else:  # an old entry (or a display-only column) was edited: the spend is exact
            assert release.epsilon == 0.1 and not release.replayed
            ledger.verify()  # and verify still answers
        with contextlib.suppress(PrivacyError):  # refused or spent, never a crash
            ledger.spend("other", 0.1, value=1)


def test_the_cli_never_prints_a_traceback(backend_url: str) -> None:
    """The same, as a user runs it: a real subprocess per command."""
    with open_ledger(backend_url) as ledger:
        ledger.create_budget("census", 1.0)
        ledger.spend("census", 0.1, value=1, description="mean")
    engine = sa.create_engine(backend_url)
    with engine.begin() as conn:
        conn.execute(sa.text("update jp_budgets set epsilon_spent = 'abc'"))
        conn.execute(sa.text("update jp_entries set details_json = '{' where id = 2"))
    engine.dispose()
    expected = {"verify": 1, "show": 2, "export": 2, "list": 2}
    commands = {"verify": ["ledger", "verify"], "show": ["budget", "show", "census"],
                "export": ["ledger", "export"], "list": ["budget", "list"]}  # fmt: skip
    for name, args in commands.items():
        proc = subprocess.run(
            [sys.executable, "-m", "jupyter_privacy.cli", *args, "--ledger", backend_url],
            capture_output=True, text=True,
        )  # fmt: skip
        assert proc.returncode == expected[name], (name, proc.stderr)
        assert "Traceback" not in proc.stderr
        if proc.returncode == 2:
            assert proc.stderr.count("\n") == 1 and "ledger verify" in proc.stderr
