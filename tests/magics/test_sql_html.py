"""`%%dp_sql` in a real IPython shell shows the release as display data with an HTML table (what a
notebook renders) and its text table, and an executed notebook's output carries no raw rows."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.queries import PrivateTable
from jupyter_privacy.core.queries.release import format_number
from jupyter_privacy.core.reports.raw_data_scan import RawDataScanner

KEYS = ["<b>x</b>", "plain"]
QUERY = "SELECT region, COUNT(*) AS n, AVG(income) FROM people GROUP BY region"


@pytest.fixture
def ip(shell):
    """The test's own ledger holds budget 'html' (ε 3); `people` has a group key that is markup."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"income": rng.uniform(0, 1000, 120), "region": rng.choice(KEYS, 120)})
    shell.run_line_magic("dp_budget", "create html --epsilon 3 --unit 'one household'")
    shell.user_ns["people"] = PrivateTable(
        frame, budget="html", bounds={"income": (0, 1000)}, keys={"region": KEYS}, max_rows=1000
    )
    return shell


def run(ip, line: str, sql: str = QUERY):
    """Run the cell as a notebook would; returns (cell result, its display data bundles)."""
    with capture_output() as captured:
        result = ip.run_cell(f"%%dp_sql {line}\n{sql}")
    return result, [output.data for output in captured.outputs]


def test_cell_displays_an_html_table_with_value_accuracy_cost_and_budget_left(ip):
    result, [bundle] = run(ip, "--epsilon 1 -o r")
    assert result.success and result.result is None  # displayed, not a second copy in Out[n]
    release = ip.user_ns["r"]
    assert bundle["text/plain"] == str(release)
    soup = BeautifulSoup(bundle["text/html"], "html.parser")
    values = soup.find("table")
    caption = values.caption.get_text(" ", strip=True)
    assert "spent ε 1, δ 0" in caption and "ε remaining 2" in caption
    assert f"ledger entry {release.entry_id}" in caption
    headers = [th.get_text() for th in values.thead.find_all("th")]
    assert headers == ["region", "statistic", "value", "± at α=0.05", "95% interval"]
    rows = [[c.get_text() for c in tr.find_all(["th", "td"])] for tr in values.tbody("tr")]
    assert [row[:4] for row in rows] == [
        [*v.group, v.statistic, format_number(v.value), format_number(v.plus_minus)]
        for v in release.values
    ]
    assert "one household" in soup.ul.get_text() and "Integer Laplace" in soup.get_text()


def test_group_key_that_looks_like_markup_shows_escaped(ip):
    _, [bundle] = run(ip, "--epsilon 1")
    html = bundle["text/html"]
    assert "<b>x</b>" not in html and html.count("&lt;b&gt;x&lt;/b&gt;") == 2  # n and mean rows


def test_preview_html_says_nothing_was_spent(ip):
    _, [bundle] = run(ip, "--epsilon 1 --preview -o p")
    caption = BeautifulSoup(bundle["text/html"], "html.parser").caption.get_text(" ", strip=True)
    assert caption.startswith("Preview: nothing spent.") and "would spend ε 1" in caption
    assert bundle["text/plain"].startswith("preview (nothing spent)")
    with open_ledger() as ledger:
        assert ledger.budget("html").epsilon_spent == 0 and ledger.history("html") == []


def test_rerun_html_says_replayed_and_names_the_stored_entry(ip):
    run(ip, "--epsilon 0.5 -o first")
    _, [bundle] = run(ip, "--epsilon 0.5")
    caption = BeautifulSoup(bundle["text/html"], "html.parser").caption.get_text(" ", strip=True)
    assert caption.startswith("Replayed: nothing spent now.")
    assert f"ledger entry {ip.user_ns['first'].entry_id}" in caption
    assert "ε remaining 2.5" in caption


def test_user_error_is_one_line_and_displays_nothing(ip):
    result, bundles = run(ip, "--epsilon 1", "SELECT * FROM people")
    assert isinstance(result.error_in_exec, UsageError) and "\n" not in str(result.error_in_exec)
    assert bundles == []


NOTEBOOK = [
    "import numpy as np, pandas as pd\n"
    "from jupyter_privacy.core.ledger import open_ledger\n"
    "from jupyter_privacy.core.queries import PrivateTable\n"
    "%load_ext jupyter_privacy",
    "rng = np.random.default_rng(11)\n"
    "frame = pd.DataFrame({'age': rng.integers(18, 90, 400),\n"
    "                      'income': rng.uniform(0, 1000, 400).round(2),\n"
    "                      'region': rng.choice(['north', 'south', 'east'], 400)})\n"
    "with open_ledger() as ledger:\n"
    "    ledger.create_budget('scan', 2.0, privacy_unit='one person')\n"
    "people = PrivateTable(frame, budget='scan', bounds={'age': (18, 90), 'income': (0, 1000)},\n"
    "                      keys={'region': ['north', 'south', 'east']}, max_rows=1000)",
    "%%dp_sql --epsilon 1\n"
    "SELECT region, COUNT(*), AVG(income), AVG(age), MEDIAN(income) FROM people GROUP BY region",
    "frame.head()",  # the control: raw rows the scanner must find
]


@pytest.mark.notebook
@pytest.mark.slow
def test_executed_notebook_release_html_is_not_flagged_as_raw_data(tmp_path):
    import papermill

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK]
    nbformat.write(notebook, tmp_path / "in.ipynb")
    done = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(tmp_path / "in.ipynb"), str(done), kernel_name="python3",
                               cwd=str(tmp_path))  # fmt: skip
    [output] = nbformat.read(done, as_version=4).cells[2].outputs
    assert output["output_type"] == "display_data"
    assert "Fresh draw: spent ε 1" in output["data"]["text/html"]
    rng = np.random.default_rng(11)  # the notebook's private frame, rebuilt the same way
    frame = pd.DataFrame({"age": rng.integers(18, 90, 400),
                          "income": rng.uniform(0, 1000, 400).round(2),
                          "region": rng.choice(["north", "south", "east"], 400)})  # fmt: skip
    findings = RawDataScanner(frame).scan_notebook(done)
    assert findings and {f.location for f in findings} == {"cell 3 output"}
