"""`%%dp_sql` and `%dp_budget` in a real IPython shell: -o, --preview, replay, --fresh, %config,
and user errors as one-line UsageErrors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.queries import PrivateTable, QueryPreview, QueryRelease

QUERY = "SELECT region, COUNT(*) AS n, AVG(income) FROM people GROUP BY region"


@pytest.fixture
def ip(shell):
    """A shell whose default ledger (the test's temp file) has budget 'study' and table `people`."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"income": rng.uniform(0, 1000, 100), "region": rng.choice(["a", "b"], 100)}
    )
    shell.run_line_magic("dp_budget", "create study --epsilon 3 --unit 'one person'")
    shell.user_ns["people"] = PrivateTable(
        frame, budget="study", bounds={"income": (0, 1000)}, keys={"region": ["a", "b"]},
        max_rows=1000,
    )  # fmt: skip
    shell.user_ns["plain"] = frame
    magics = shell.magics_manager.registry["DPMagics"]
    saved = magics.defaults()
    yield shell
    shell.config.pop("DPMagics", None)  # %config values persist in the shell's config
    for name, value in saved.items():
        setattr(magics, name, value)


def spent() -> float:
    with open_ledger() as ledger:
        return ledger.budget("study").epsilon_spent


def usage_error(ip, line, cell=None) -> str:
    result = ip.run_cell(f"%%dp_sql {line}\n{cell}" if cell is not None else line)
    error = result.error_in_exec
    assert isinstance(error, UsageError), error
    assert "\n" not in str(error)
    return str(error)


def test_release_table_output_and_keep_in_variable(ip, capsys):
    ip.run_cell_magic("dp_sql", "--epsilon 1 -o r", QUERY)
    out = capsys.readouterr().out
    release = ip.user_ns["r"]
    assert isinstance(release, QueryRelease) and not release.replayed
    assert release.epsilon_split == {"n": 0.5, "mean_income": 0.5}
    assert "±" in out and "95% interval" in out and "ε left 2" in out
    assert release.entry_id is not None and spent() == pytest.approx(1.0)
    with open_ledger() as ledger:
        assert ledger.history("study")[-1].origin.startswith("notebook:")


def test_rerun_replays_and_fresh_spends_again(ip, capsys):
    ip.run_cell_magic("dp_sql", "--epsilon 0.5 -o first", QUERY)
    ip.run_cell_magic("dp_sql", "--epsilon 0.5 -o again", QUERY)
    assert ip.user_ns["again"].replayed and spent() == pytest.approx(0.5)
    assert "replayed, nothing spent" in capsys.readouterr().out
    ip.run_cell_magic("dp_sql", "--epsilon 0.5 --fresh -o third", QUERY)
    assert not ip.user_ns["third"].replayed and spent() == pytest.approx(1.0)


def test_preview_spends_nothing(ip, capsys):
    ip.run_cell_magic("dp_sql", "--epsilon 1 --preview -o p", QUERY)
    assert isinstance(ip.user_ns["p"], QueryPreview) and spent() == 0
    assert "nothing spent" in capsys.readouterr().out


def test_config_defaults_and_budget_override(ip):
    ip.run_line_magic("dp_budget", "create other --epsilon 1")
    ip.run_line_magic("config", "DPMagics.epsilon = 0.25")
    ip.run_line_magic("config", "DPMagics.budget = 'other'")
    ip.run_cell_magic("dp_sql", "-o r", "SELECT COUNT(*) FROM people")
    release = ip.user_ns["r"]
    assert release.epsilon == 0.25 and release.budget == "other" and spent() == 0


@pytest.mark.parametrize(
    ("line", "cell", "words"),
    [
        ("--epsilon 1", "SELECT COUNT(*) FROM nobody", "no variable named 'nobody'"),
        ("--epsilon 1", "SELECT COUNT(*) FROM plain", "wrap it"),
        ("--epsilon 1", "SELECT COUNT( FROM people", "SQL syntax error"),
        ("--epsilon 1", "SELECT * FROM people", "supported DP SQL"),
        ("--epsilon 1", "SELECT SUM(age) FROM people", "unknown column 'age'"),
        ("--epsilon 0", "SELECT COUNT(*) FROM people", "must be > 0"),
        ("--epsilon 5", "SELECT COUNT(*) FROM people", "Nothing was spent"),
        ("", "SELECT COUNT(*) FROM people", "give --epsilon"),
        ("--epsilon x", "SELECT COUNT(*) FROM people", "invalid float value"),
        ("--budget nope --epsilon 1", "SELECT COUNT(*) FROM people", "no budget named 'nope'"),
    ],
)
def test_user_errors_are_one_line_and_spend_nothing(ip, line, cell, words):
    assert words in usage_error(ip, line, cell)
    assert spent() == 0


def test_dp_budget_words_match_the_cli(ip, capsys):
    ip.run_cell_magic("dp_sql", "--epsilon 0.5", "SELECT COUNT(*) FROM people")
    capsys.readouterr()
    ip.run_line_magic("dp_budget", "list")
    listing = capsys.readouterr().out
    assert "study" in listing and "0.5 / 3" in listing and "one person" in listing
    ip.run_line_magic("dp_budget", "show study")
    shown = capsys.readouterr().out
    assert "COUNT(*)" in shown and "Integer Laplace" in shown
    assert "already exists" in usage_error(ip, "%dp_budget create study --epsilon 1")
    assert "create|list|show" in usage_error(ip, "%dp_budget burn study")
    assert "--epsilon" in usage_error(ip, "%dp_budget create x")


def test_pyproject_settings_seed_the_defaults(shell, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.jupyter_privacy.dp_sql]\nepsilon = 0.3\nalpha = 0.1\n"
    )
    monkeypatch.chdir(tmp_path)
    shell.config.pop("DPMagics", None)
    from jupyter_privacy.magics.sql import DPMagics

    magics = DPMagics(shell=shell)
    try:
        assert magics.epsilon == 0.3 and magics.alpha == 0.1 and magics.delta == 0.0
    finally:
        shell.configurables.remove(magics)


def test_origin_names_the_notebook_cell_when_the_kernel_says(ip):
    ip.parent_header = {"metadata": {"cellId": "cell-42"}}
    try:
        ip.run_cell_magic("dp_sql", "--epsilon 0.5", "SELECT COUNT(*) FROM people")
    finally:
        ip.parent_header = {}
    with open_ledger() as ledger:
        assert ledger.history("study")[-1].origin.endswith("#cell=cell-42")


def test_split_option_weights_the_aggregates_and_bad_weights_are_one_line(ip):
    ip.run_cell_magic("dp_sql", "--epsilon 1 --split 1,3 -o r", QUERY)
    release = ip.user_ns["r"]
    assert release.epsilon_split == pytest.approx({"n": 0.25, "mean_income": 0.75})
    assert spent() == pytest.approx(1.0)
    assert "1 weight(s) for 2 statistic(s)" in usage_error(ip, "--epsilon 1 --split 2", QUERY)
    assert spent() == pytest.approx(1.0)


def test_preview_rows_plan_the_mean_accuracy_and_are_refused_on_a_release(ip, capsys):
    ip.run_cell_magic("dp_sql", "--epsilon 1 --preview -o p", QUERY)
    assert "add expected_rows=N (--rows N)" in capsys.readouterr().out
    ip.run_cell_magic("dp_sql", "--epsilon 1 --preview --rows 50 -o p", QUERY)
    assert ip.user_ns["p"].statistics[1].accuracy is not None
    assert "± planned for 50 rows per region" in capsys.readouterr().out
    assert "--rows plans a --preview" in usage_error(ip, "--epsilon 1 --rows 50", QUERY)
    assert spent() == 0
