"""The pilot's no-raw-data gate scans with what the pilot declared public."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.queries import PrivateTable, load_example
from jupyter_privacy.pilot.scan import pilot_raw_data_gate, raw_data_gate

REGIONS = ["north", "south", "east", "west"]


def test_user_data_release_clamped_to_a_bound_passes_the_gate(
    tmp_path: Path, ledger: Ledger, ledger_url: str
) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"income": rng.uniform(0, 998, 300).round(),
                          "region": rng.choice(REGIONS, 300)})  # fmt: skip
    # whole dollars cannot be told from other figures, so only the bound can match a release by
    # chance (deterministic test); the first rows get cents to be findable when printed raw
    frame.loc[:4, "income"] += 0.37
    frame.loc[5, "income"] = 1000.0  # equals the declared upper bound
    frame.to_csv(tmp_path / "people.csv", index=False)
    ledger.create_budget("pilot", 1.0)
    table = PrivateTable(frame, budget="pilot", ledger=ledger, bounds={"income": (0, 1000)},
                         keys={"region": REGIONS}, max_rows=1000)  # fmt: skip
    release = table.query("SELECT region, AVG(income) FROM t GROUP BY region", 0.01)
    assert any(v.high == 1000.0 for v in release.values)
    out = tmp_path / "out"
    out.mkdir()
    (out / "release.txt").write_text(str(release))
    (out / "release.html").write_text(release._repr_html_())
    parameters = {"data_path": str(tmp_path / "people.csv"), "bounds": {"income": [0, 1000]},
                  "keys": {"region": REGIONS}, "analytics_epsilon": 1.0}  # fmt: skip
    assert not raw_data_gate(frame, out).passed  # the control: the false positive without them
    assert pilot_raw_data_gate(parameters, out, ledger_url).passed
    (out / "head.txt").write_text(frame.head().to_string())  # real raw rows still fail it
    gate = pilot_raw_data_gate(parameters, out, ledger_url)
    assert not gate.passed and "head.txt" in gate.reason and "release" not in gate.reason


def test_bundled_data_head_fails_the_gate(tmp_path: Path, ledger_url: str) -> None:
    (tmp_path / "head.html").write_text(load_example("cps1988").frame.head().to_html())
    gate = pilot_raw_data_gate({}, tmp_path, ledger_url)
    assert (
        not gate.passed and gate.observed == 4
    )  # rows 0-3; row 4 holds no rare value (docs/pilot.md)


def test_bad_declarations_are_a_clear_error(tmp_path: Path, ledger_url: str) -> None:
    """The runner turns this into a failed gate naming the problem (it catches PrivacyError)."""
    pd.DataFrame({"income": [1.5, 2.5]}).to_csv(tmp_path / "people.csv", index=False)
    parameters = {"data_path": str(tmp_path / "people.csv"), "bounds": {"income": 5}}
    with pytest.raises(InvalidParameterError, match="bounds for 'income' must be a"):
        pilot_raw_data_gate(parameters, tmp_path, ledger_url)
