"""TradeoffExplorer in Python: moving the slider changes the chart's data and spends nothing; the
button spends once through the ledger; %dp_tradeoff builds it from a notebook variable."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.probes import dp_ceiling
from jupyter_privacy.core.queries import PrivateTable
from jupyter_privacy.widgets import TradeoffExplorer

QUERY = "SELECT COUNT(*), AVG(wage) FROM t"


@pytest.fixture
def table(ledger: Ledger) -> PrivateTable:
    ledger.create_budget("study", 1.0, privacy_unit="one person")
    frame = pd.DataFrame({"wage": [float(w % 700) for w in range(500)]})
    return PrivateTable(frame, budget="study", ledger=ledger, bounds={"wage": (0, 2500)},
                        max_rows=1000)  # fmt: skip


def test_slider_moves_the_marker_and_line_and_spends_nothing(table, ledger) -> None:
    explorer = TradeoffExplorer(table, QUERY, epsilon=0.1, expected_rows=500)
    before = explorer.marker_data.copy()
    line = explorer.line.value
    assert line.startswith("at ε = 0.1 the row count is ±") and "0.9 of 1.0 left" in line
    explorer.slider.value = 0.5
    after = explorer.marker_data
    assert after.epsilon.tolist() == [0.5, 0.5]
    assert (after.utility < before.utility).all()  # more ε, smaller ±
    assert explorer.chart.params.chosen_epsilon == 0.5
    assert explorer.chart.params.chosen_utility_0 == pytest.approx(after.utility.iloc[0])
    assert "at ε = 0.5" in explorer.line.value and "0.5 of 1.0 left" in explorer.line.value
    assert explorer.release_button.description == "Release at ε = 0.5 (spends)"
    ceiling = dp_ceiling(0.5, 0.0)
    assert f"advantage (TPR − FPR) ≤ {ceiling.advantage:.2f}" in explorer.risk.value
    assert "on one person has" in explorer.risk.value
    assert ledger.budget("study").epsilon_spent == 0.0


def test_release_spends_once_and_shows_the_result(table, ledger) -> None:
    explorer = TradeoffExplorer(table, QUERY, epsilon=0.3)
    released = explorer.release()
    assert released is not None and not released.replayed and released.epsilon == 0.3
    state = ledger.budget("study")
    assert state.epsilon_spent == pytest.approx(0.3) and state.release_count == 1
    assert ledger.history("study")[-1].description == released.query
    assert "spent ε 0.3" in explorer.result.value
    assert "0.4 of 1.0 left afterwards" in explorer.line.value  # the budget as it is now
    explorer.slider.value = 0.8
    assert explorer.release_button.disabled and "releasing is refused" in explorer.line.value
    assert explorer.release() is None and "has" in explorer.result.value  # one-line refusal
    assert ledger.budget("study").epsilon_spent == pytest.approx(0.3)


def test_a_start_outside_the_range_is_a_clear_error(table) -> None:
    with pytest.raises(InvalidParameterError, match="epsilon_range"):
        TradeoffExplorer(table, QUERY, epsilon=50)


@pytest.fixture
def shell(table):
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "jupyter_privacy")
    ip.user_ns["people"], ip.user_ns["plain"] = table, pd.DataFrame({"a": [1]})
    return ip


def test_magic_shows_the_explorer_for_a_table_variable(shell, ledger) -> None:
    explorer = shell.run_line_magic(
        "dp_tradeoff", 'people "SELECT SUM(wage) FROM people" --epsilon 0.2 -o ex'
    )
    assert isinstance(explorer, TradeoffExplorer) and shell.user_ns["ex"] is explorer
    assert explorer.epsilon == 0.2 and "the sum of wage is ±" in explorer.line.value
    assert ledger.budget("study").epsilon_spent == 0.0


@pytest.mark.parametrize(
    ("line", "message"),
    [('plain "SELECT COUNT(*) FROM plain"', "give a PrivateTable"),
     ('nothing "SELECT COUNT(*) FROM t"', "no variable"),
     ('people "SELECT COUNT(*) FROM t', "quote"),
     ('people "SELECT wage FROM t"', "raw column 'wage'"),
     ("people", "the following arguments are required")],
)  # fmt: skip
def test_magic_errors_are_one_line(shell, line: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        shell.run_line_magic("dp_tradeoff", line)
