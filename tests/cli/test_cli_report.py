"""`jupyter privacy report budgets --out budgets.html`: one self-contained offline page with the
dashboard's charts, integrity and releases; no released value or data digest on it."""

from __future__ import annotations

import re
from pathlib import Path

from jupyter_privacy import open_ledger
from jupyter_privacy.testing.cli import run_cli as run

SENTINEL = "SENTINEL-WAGE-4242.42"


def test_report_is_one_offline_page(
    cli_env: dict[str, str], ledger_url: str, tmp_path: Path
) -> None:
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("census", 2.0, privacy_unit="one person")
        ledger.create_budget("model", 8.0, 1e-5)
        for i in range(12):
            ledger.spend(
                "census", 0.1, value={"wage": SENTINEL}, description=f"mean wage <{i}>",
                origin=f"notebook:{tmp_path / 'wages.ipynb'}#cell={i}", actor="ana",
                details={"data_fingerprint": SENTINEL}, replay_key=f"dpq2:{SENTINEL}:{i}",
            )  # fmt: skip
    out = tmp_path / "site" / "budgets.html"
    done = run("report", "budgets", "--out", str(out), "--root", str(tmp_path), env=cli_env)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "2 budget(s)" in done.stdout
    page = out.read_text()
    assert page.count("<svg") >= 4 + 2  # overview charts, then one timeline per budget
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing loads from the net
    assert "<script src" not in page
    assert 'data-budget="census"' in page and 'data-budget="model"' in page
    assert "wages.ipynb" in page and "mean wage &lt;3&gt;" in page  # escaped, relative to --root
    assert "Integrity: verified" in page
    assert SENTINEL not in page


def test_report_of_an_empty_ledger_and_a_bad_out(
    cli_env: dict[str, str], ledger_url: str, tmp_path: Path
) -> None:
    with open_ledger(ledger_url):
        pass
    done = run("report", "budgets", "--out", str(tmp_path / "empty.html"), env=cli_env)
    assert done.returncode == 0 and "no budgets yet" in (tmp_path / "empty.html").read_text()
    blocked = tmp_path / "file"
    blocked.write_text("x")
    bad = run("report", "budgets", "--out", str(blocked / "budgets.html"), env=cli_env)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--out" in bad.stderr
