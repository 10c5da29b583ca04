"""The 'no raw data leaves' gate over a pilot's output folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jupyter_privacy.core.reports.raw_data_scan import RawDataScanner
from jupyter_privacy.core.reports.verdict import GateResult

_SHOWN = 5


def raw_data_gate(private: pd.DataFrame, out_dir: Path) -> GateResult:
    findings = RawDataScanner(private).scan_folder(out_dir)
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
