"""A papermill re-run of a notebook replays its DP release: the second run spends nothing."""

from __future__ import annotations

import json

import nbformat
import pytest

from jupyter_privacy.core.ledger import open_ledger

CELLS = [
    "import json, pandas as pd\n"
    "from jupyter_privacy.core.ledger import open_ledger\n"
    "from jupyter_privacy.core.queries import PrivateTable\n"
    "%load_ext jupyter_privacy",
    "with open_ledger() as ledger:\n"
    "    if 'nb' not in [b.name for b in ledger.budgets()]:\n"
    "        ledger.create_budget('nb', 1.0)\n"
    "people = PrivateTable(pd.DataFrame({'x': [1.0, 2.0, 3.0] * 20}), budget='nb',\n"
    "                      bounds={'x': (0, 5)}, max_rows=1000)",
    "%%dp_sql --epsilon 0.4 -o result\nSELECT COUNT(*), AVG(x) FROM people",
    "print(json.dumps({'replayed': result.replayed, 'entry': result.entry_id,"
    " 'values': [v.value for v in result.values]}))",
]


@pytest.mark.notebook
@pytest.mark.slow
def test_papermill_rerun_replays(tmp_path):
    import papermill

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    source = tmp_path / "pilot.ipynb"
    nbformat.write(notebook, source)
    outputs = []
    for run in range(2):
        done = tmp_path / f"run{run}.ipynb"
        papermill.execute_notebook(str(source), str(done), kernel_name="python3", cwd=str(tmp_path))
        cell = nbformat.read(done, as_version=4).cells[-1]
        outputs.append(json.loads(cell.outputs[0]["text"]))
    assert outputs[0]["replayed"] is False and outputs[1]["replayed"] is True
    assert outputs[0]["entry"] == outputs[1]["entry"]
    assert outputs[0]["values"] == outputs[1]["values"]
    with open_ledger() as ledger:
        assert ledger.budget("nb").epsilon_spent == pytest.approx(0.4)
        assert ledger.history("nb")[0].origin.startswith("notebook:")
