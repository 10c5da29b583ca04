"""The 'no raw data leaves' gate over a pilot's output folder.

The pilot's releases print its public declarations (bounds, keys, ε): the scan is told them, so a
private value that equals a bound does not read as a raw row next to a clamped interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.reports.raw_data_scan import PublicValues, RawDataScanner
from jupyter_privacy.core.reports.verdict import GateResult
from jupyter_privacy.pilot.private_data import DEFAULT_EXAMPLE, load_private_frame

_SHOWN = 5


def raw_data_gate(
    private: pd.DataFrame, out_dir: Path, public_values: PublicValues | Any = None
) -> GateResult:
    findings = RawDataScanner(private, public_values=public_values).scan_folder(out_dir)
    if not findings:
        return GateResult("no_raw_data", True, 0, 0,
                          "no row of the private data appears in the notebooks or artifacts")  # fmt: skip
    where = "; ".join(f.line() for f in findings[:_SHOWN])
    more = f" (+{len(findings) - _SHOWN} more)" if len(findings) > _SHOWN else ""
    return GateResult(
        "no_raw_data", False, len(findings), 0,
        f"raw private rows found in {len(findings)} place(s): {where}{more}. Remove the cell "
        "output that prints raw data (e.g. df.head()) and run again",
    )  # fmt: skip


def pilot_raw_data_gate(
    parameters: Mapping[str, Any], out_dir: Path, ledger_url: str
) -> GateResult:
    """The gate over the pilot's own data (the bundled CPS 1988 unless `data_path`) with what the
    pilot declared public: the dataset's bounds and keys (with `PrivateTable`'s default imputation
    values and quantile candidates), the numeric parameters given and the ledger's ε and δ."""
    numbers = [v for v in parameters.values() if isinstance(v, (int, float))]
    numbers += _ledger_figures(ledger_url)
    data_path = parameters.get("data_path")
    if data_path:
        private = load_private_frame(data_path)
        public = PublicValues.declared(
            bounds=parameters.get("bounds"), keys=parameters.get("keys"), numbers=numbers
        )
    else:
        from jupyter_privacy.core.queries import load_example  # lazily: it loads OpenDP

        dataset = load_example(DEFAULT_EXAMPLE)
        private, public = dataset.frame, PublicValues.of_table(dataset, numbers)
    return raw_data_gate(private, out_dir, public)


def _ledger_figures(ledger_url: str) -> list[float]:
    """Every ε and δ the ledger shows for its budgets and releases: totals, spent, left, per spend."""
    figures: list[float] = []
    with open_ledger(ledger_url) as ledger:
        for budget in ledger.budgets():
            figures += [budget.epsilon_total, budget.delta_total, budget.epsilon_spent,
                        budget.delta_spent, budget.epsilon_remaining, budget.delta_remaining]  # fmt: skip
            figures += [x for r in ledger.history(budget.name) for x in (r.epsilon, r.delta)]
    return figures
