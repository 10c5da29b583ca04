"""Item 2 of #13 in a real notebook: the failures of test_no_cell_in_errors.py, run in a kernel,
leave no planted value in any output (error lines, tracebacks, magics' one-line errors)."""

from __future__ import annotations

import json

import nbformat
import pytest

from jupyter_privacy.core.ledger import open_ledger

CELLS = [
    "import pandas as pd, polars as pl\n"
    "TAG = 'S3' + 'NT'  # the planted values are built at run time: tracebacks show source lines\n"
    "from jupyter_privacy.core.ledger import open_ledger\n"
    "from jupyter_privacy.core.queries import PrivateTable\n"
    "%load_ext jupyter_privacy\n"
    "with open_ledger() as ledger:\n"
    "    ledger.create_budget('nb', 2.0)\n"
    "rows = [f'{1000 + i * 0.25:.2f},{20 + i % 50},person {i}' for i in range(3000)]\n"
    "open('people.csv', 'w').write('\\n'.join(['wage,age,name', *rows,\n"
    "                                           f'{TAG}-NUM-4242.42,{TAG}-INT-77,{TAG}-STR-bob']))\n"
    "people = PrivateTable('people.csv', budget='nb', bounds={'wage': (0, 5000), 'age': (0, 99)})",
    "%%dp_sql --epsilon 0.5\nSELECT SUM(wage) FROM people",
    "%%dp_sql --epsilon 0.5\nSELECT AVG(age) FROM people",
    "people.query('SELECT SUM(wage) FROM t', 0.5)",
    "PrivateTable(pd.DataFrame({'wage': pd.Series([1.5, f'{TAG}-OBJ-1'], dtype=object)}),\n"
    "             budget='nb', bounds={'wage': (0, 5)})",
    "PrivateTable(pl.LazyFrame({'w': ['1', f'{TAG}-LAZY-2']}).with_columns(pl.col('w').cast(pl.Float64)),\n"
    "             budget='nb')",
    "with open_ledger() as ledger:\n    print(ledger.budget('nb').epsilon_spent)",
]


@pytest.mark.notebook
@pytest.mark.slow
def test_failures_in_a_notebook_quote_no_value(tmp_path) -> None:
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    client = NotebookClient(notebook, kernel_name="python3", allow_errors=True, timeout=300,
                            resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    executed = client.execute()
    outputs = [json.dumps(cell.get("outputs", [])) for cell in executed.cells]
    assert all("S3NT" not in text for text in outputs)
    assert "column 'wage', data row 3001" in outputs[1]  # the magic's one line says where
    assert "Traceback" not in outputs[1] and "Traceback" not in outputs[2]
    assert "private_data" not in outputs[1] and "withheld" in outputs[3]
    assert "0" in outputs[-1]
    with open_ledger() as ledger:
        assert ledger.budget("nb").epsilon_spent == 0
