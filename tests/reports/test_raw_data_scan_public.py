"""Public values (declared bounds, keys, imputation, candidates, ε) never start a raw-data finding.

The false positive this guards against: on a two-column table a private income of exactly 1000 with
bounds 0–1000 matched a DP release's interval clamped to `[…, 1000]` next to its group key.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.queries import PrivateTable
from jupyter_privacy.core.reports.raw_data_scan import PublicValues, RawDataScanner

REGIONS = ["north", "south", "east", "west"]
BOUNDS = {"income": (0, 1000)}
AT_BOUND = 5  # the private row whose income equals the upper bound


def two_columns(cents: bool) -> pd.DataFrame:
    """Incomes in whole dollars have 3 significant digits: no noisy figure can be taken for one by
    chance, so only the bound can match (the test is deterministic). With cents they are rare."""
    rng = np.random.default_rng(3)
    income = rng.uniform(0, 999, 300).round(2 if cents else 0)
    frame = pd.DataFrame({"income": income, "region": rng.choice(REGIONS, 300)})
    frame.loc[AT_BOUND, "income"] = 1000.0
    return frame


@pytest.fixture
def clamped(ledger: Ledger):
    """A real release whose interval for the at-bound row's region is clamped to 1000."""
    frame = two_columns(cents=False)
    ledger.create_budget("study", 1.0, privacy_unit="one person")
    table = PrivateTable(frame, budget="study", ledger=ledger, bounds=BOUNDS,
                         keys={"region": REGIONS}, max_rows=1000)  # fmt: skip
    release = table.query("SELECT region, AVG(income) FROM t GROUP BY region", 0.01)
    region = frame.region[AT_BOUND]
    [value] = [v for v in release.values if v.group == (region,)]
    assert value.high == 1000.0  # the condition of the false positive
    return frame, table, release


def test_clamped_release_is_flagged_without_declarations_not_with_them(clamped) -> None:
    frame, table, release = clamped
    shown = {"release.txt": str(release), "release.html": release._repr_html_()}
    bare = RawDataScanner(frame)
    for path, text in shown.items():  # the control: the false positive as reported
        assert [f.row for f in bare.scan_text(text, path)] == [AT_BOUND]
    declared = [
        table,
        PublicValues.of_table(table),
        PublicValues.declared(bounds=BOUNDS, keys={"region": REGIONS}),
    ]
    for public in declared:
        scanner = RawDataScanner(frame, public_values=public)
        assert all(scanner.scan_text(text, path) == [] for path, text in shown.items())


def test_raw_rows_holding_public_values_are_still_caught(ledger: Ledger) -> None:
    frame = two_columns(cents=True)
    frame["score"] = np.random.default_rng(4).uniform(0, 100, len(frame)).round(3)
    ledger.create_budget("study", 1.0)
    table = PrivateTable(frame, budget="study", ledger=ledger, keys={"region": REGIONS},
                         bounds={**BOUNDS, "score": (0, 100)})  # fmt: skip
    scanner = RawDataScanner(frame, public_values=table)
    row = frame.iloc[[AT_BOUND]]  # income at the bound, a public region, a rare score
    for text in (row.to_string(), row.to_html(), json.dumps(row.iloc[0].to_dict())):
        assert [f.row for f in scanner.scan_text(text, "leak")] == [AT_BOUND]
    # a declared key still counts next to a rare private value: a two-column head() is caught
    head = frame[["income", "region"]].head().to_string()
    two = RawDataScanner(frame[["income", "region"]], public_values=table)
    assert {f.row for f in two.scan_text(head, "head.txt")} == {0, 1, 2, 3, 4} - {AT_BOUND}


def test_public_values_cover_what_releases_print() -> None:
    public = PublicValues.declared(
        bounds={"income": (0, 1000), "age": (18, 80)}, keys={"region": REGIONS, "code": [7, 9]},
        impute={"age": 42.5}, candidates={"age": [18, 33.3333333]}, numbers=[0.3333, 1e-6],
    )  # fmt: skip
    tokens = public.tokens()
    printed = {"1000", "1000.0", "1000.000000", "62", "north", "7", "42.5", "42.50", "33.3333"}
    assert printed <= tokens  # bounds, their width, keys, imputation, candidates
    assert {"500", "10", "990.0"} <= tokens  # income's default midpoint and candidates
    assert {"0.3333", "0.000001"} <= tokens  # ε and δ as the release tables print them
    assert "999.99" not in tokens and "1000.01" not in tokens and "15" not in tokens
    assert {18.0, 1234.5} <= (public | PublicValues.of([1234.5])).numbers
    dataset = SimpleNamespace(bounds={"income": (0, 1000)}, keys={})  # as an ExampleDataset
    assert {500.0, 10.0} <= PublicValues.of_table(dataset).numbers  # PrivateTable's defaults


@pytest.mark.parametrize("bad", ["north", {"income": (0, 1000)}, 3.5])
def test_public_values_of_the_wrong_shape_are_an_error(bad) -> None:
    with pytest.raises(InvalidParameterError, match=r"PublicValues\.declared"):
        RawDataScanner(pd.DataFrame({"a": [1.5]}), public_values=bad)


@pytest.mark.parametrize(
    ("declarations", "message"),
    [
        ({"bounds": {"income": (1000,)}}, "bounds for 'income' must be a"),
        ({"bounds": [(0, 1000)]}, "bounds must map column names"),
        ({"bounds": {"age": (18, 80)}, "impute": {"age": 99}}, "inside its bounds"),
        ({"impute": {"age": 40}}, "needs bounds for it too"),
    ],
)
def test_declarations_are_checked_as_private_table_checks_them(declarations, message) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        PublicValues.declared(**declarations)
