"""The pilot runner with small real notebooks executed by papermill in a real kernel."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from jupyter_privacy import open_ledger
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.templates import list_templates
from jupyter_privacy.pilot import merge_parameters, run_pilot

pytestmark = pytest.mark.notebook

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _template(folder: Path, name: str, parameters: str, *cells: str) -> None:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": KERNEL})
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}\nA test step.")]
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells += [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")


SPEND = """
import jupyter_privacy as jp
from jupyter_privacy.core.reports.gates import epsilon_gate
from jupyter_privacy.pilot import record_gates
ledger = jp.open_ledger(ledger_url)
if budget not in [b.name for b in ledger.budgets()]:
    ledger.create_budget(budget, total_epsilon)
release = ledger.spend(budget, spend_epsilon, value=1.0, replay_key="pilot-step-1")
record_gates([epsilon_gate(ledger.budget(budget), max_epsilon)], out_dir, "01_spend")
print("replayed" if release.replayed else "spent")
"""


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    _template(folder, "01_spend",
              'out_dir = "."\nledger_url = ""\nbudget = "pilot"  # the budget\n'
              "total_epsilon = 1.0\nspend_epsilon = 0.4\nmax_epsilon = 1.0\n", SPEND)  # fmt: skip
    _template(folder, "02_summary", 'out_dir = "."\nnote = "hello"\n',
              "from pathlib import Path\n"
              "Path(out_dir, 'community_summary.md').write_text(f'# Summary\\n{note}\\n')")  # fmt: skip
    return folder


def test_run_passes_and_writes_report(templates: Path, tmp_path: Path, ledger_url: str) -> None:
    out = tmp_path / "out"
    result = run_pilot(out, {}, ledger_url=ledger_url, templates_folder=templates)
    assert result.passed, result.to_dict()
    assert [s.name for s in result.steps] == ["01_spend", "02_summary"]
    assert all(s.ok and s.seconds > 0 for s in result.steps)
    gates = {g.gate: g for _, g in result.gates}
    assert {"epsilon[pilot]", "ledger_integrity", "no_raw_data"} <= set(gates)
    index = (out / "index.html").read_text()
    assert "PASSED" in index and "community_summary.md" in index
    assert '<iframe src="budgets.html"' in index  # the budget report, embedded
    budgets = (out / "budgets.html").read_text()
    assert "<svg" in budgets and 'data-budget="pilot"' in budgets and "cdn." not in budgets
    assert (out / "notebooks" / "01_spend.ipynb").is_file()
    assert json.loads((out / "verdict.json").read_text())["passed"] is True


def test_second_run_replays_and_spends_once(
    templates: Path, tmp_path: Path, ledger_url: str
) -> None:
    for run in range(2):
        assert run_pilot(tmp_path / f"out{run}", {}, ledger_url=ledger_url,
                         templates_folder=templates).passed  # fmt: skip
    with open_ledger(ledger_url) as ledger:
        assert ledger.budget("pilot").epsilon_spent == pytest.approx(0.4)
    executed = (tmp_path / "out1" / "notebooks" / "01_spend.ipynb").read_text()
    assert "replayed" in executed


def test_gate_failure_makes_the_run_fail(templates: Path, tmp_path: Path, ledger_url: str) -> None:
    chosen = merge_parameters(list_templates(templates), {"max_epsilon": 0.1})
    result = run_pilot(tmp_path / "out", chosen, ledger_url=ledger_url, templates_folder=templates)
    assert not result.passed and not result.failure
    failed = [g for _, g in result.gates if not g.passed]
    assert [g.gate for g in failed] == ["epsilon[pilot]"]


def test_failing_cell_stops_and_names_it(templates: Path, tmp_path: Path, ledger_url: str) -> None:
    chosen = merge_parameters(list_templates(templates), {"spend_epsilon": 5.0})
    result = run_pilot(tmp_path / "out", chosen, ledger_url=ledger_url, templates_folder=templates)
    assert not result.passed
    assert [s.ok for s in result.steps] == [False]  # the second step never ran
    assert "step 01_spend failed in cell" in result.failure
    assert "BudgetExceededError" in result.failure and "Nothing was spent" in result.failure


def test_a_foreign_error_names_its_type_but_not_its_text(tmp_path: Path, ledger_url: str) -> None:
    """pandas' KeyError quotes the missing key, which can be a cell of the data: the console,
    verdict.json and index.html show the type only; the notebook in the out folder keeps it all."""
    folder, sentinel = tmp_path / "templates", "SENTINEL-Jane-Doe-4711"
    _template(folder, "01_lookup", 'out_dir = "."\n',
              f"import pandas as pd\npd.DataFrame({{'name': ['{sentinel}']}}).set_index('name').loc['x{sentinel}']")  # fmt: skip
    said: list[str] = []
    out = tmp_path / "out"
    result = run_pilot(out, {}, ledger_url=ledger_url, templates_folder=folder, echo=said.append)
    assert "step 01_lookup failed in cell" in result.failure and "KeyError" in result.failure
    assert "notebooks/01_lookup.ipynb" in result.failure
    shown = [result.failure, *said, (out / "verdict.json").read_text(), (out / "index.html").read_text()]  # fmt: skip
    assert not [text for text in shown if sentinel in text]
    assert sentinel in (out / "notebooks" / "01_lookup.ipynb").read_text()


def test_raw_rows_in_output_fail_the_scan(tmp_path: Path, ledger_url: str) -> None:
    folder = tmp_path / "templates"
    _template(folder, "01_leak", 'out_dir = "."\n',
              "from jupyter_privacy.core.queries import load_example\n"
              "load_example('cps1988').frame.head()")  # fmt: skip
    result = run_pilot(tmp_path / "out", {}, ledger_url=ledger_url, templates_folder=folder)
    scan = next(g for _, g in result.gates if g.gate == "no_raw_data")
    assert not scan.passed and scan.observed >= 5
    assert "01_leak.ipynb" in scan.reason and "cell" in scan.reason


def test_unknown_parameter_lists_known_ones(templates: Path) -> None:
    with pytest.raises(InvalidParameterError, match="known parameters: budget, max_epsilon"):
        merge_parameters(list_templates(templates), {"epsilom": 1})
    with pytest.raises(InvalidParameterError, match="set by the runner"):
        merge_parameters(list_templates(templates), {"out_dir": "/tmp"})


def test_cli_run_with_p_and_f(templates: Path, tmp_path: Path, cli_env: dict[str, str]) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("spend_epsilon: 0.2\nnote: from-file\n")
    cli = [sys.executable, "-m", "jupyter_privacy.cli", "pilot", "run", "--templates",
           str(templates), "--out", str(tmp_path / "out"), "-f", str(params),
           "-p", "note", "from-p"]  # fmt: skip
    done = subprocess.run(cli, capture_output=True, text=True, env=cli_env)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "pilot PASSED" in done.stdout and "[1/2] 01_spend" in done.stderr
    assert "without encryption" not in done.stderr  # no start-up warning per kernel in the log
    assert (tmp_path / "out" / "community_summary.md").read_text().strip().endswith("from-p")
    with open_ledger(cli_env["JUPYTER_PRIVACY_LEDGER"]) as ledger:
        assert ledger.budget("pilot").epsilon_spent == pytest.approx(0.2)
    failing = subprocess.run([*cli[:-3], "-p", "max_epsilon", "0.01"], capture_output=True,
                             text=True, env=cli_env)  # fmt: skip
    assert failing.returncode == 1 and "FAIL  epsilon[pilot]" in failing.stdout
    unknown = subprocess.run(
        [*cli, "-p", "bogus", "1"], capture_output=True, text=True, env=cli_env
    )
    assert unknown.returncode == 2 and "unknown pilot parameter 'bogus'" in unknown.stderr


def test_parameter_file_errors_are_clear(tmp_path: Path) -> None:
    from jupyter_privacy.pilot.parameters import load_parameter_file

    with pytest.raises(InvalidParameterError, match="parameter file not found"):
        load_parameter_file(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("epsilon: [1, 2\n")
    with pytest.raises(InvalidParameterError, match="is not valid YAML"):
        load_parameter_file(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n")
    with pytest.raises(InvalidParameterError, match="must map parameter names to values"):
        load_parameter_file(listed)
    (tmp_path / "empty.yaml").write_text("")
    assert load_parameter_file(tmp_path / "empty.yaml") == {}
