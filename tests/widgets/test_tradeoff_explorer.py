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
    line = explorer.line
    assert line.startswith("at ε = 0.1 the row count is ±") and "0.9 of 1.0 left" in line
    explorer.epsilon = 0.5  # the nearest position: 10^-0.3 at three digits
    assert explorer.view.kernel_index == explorer.view.index  # the kernel took the position in
    after = explorer.marker_data
    assert after.epsilon.tolist() == [0.501, 0.501]
    assert (after.utility < before.utility).all()  # more ε, smaller ±
    index = explorer.view.index
    for k, row in enumerate(after.itertuples()):  # the browser's marker reads these values
        assert explorer.view.series[k]["values"][index] == pytest.approx(row.utility)
    assert "at ε = 0.501" in explorer.line and "0.499 of 1.0 left" in explorer.line
    assert explorer.button_label == "Release at ε = 0.501 (spends)"
    ceiling = dp_ceiling(0.501, 0.0)
    assert f"advantage (TPR − FPR) ≤ {ceiling.advantage:.2f}" in explorer.risk
    assert "on one person has" in explorer.risk
    assert explorer.view.hint == ""  # the mean has its ± (expected_rows)
    assert ledger.budget("study").epsilon_spent == 0.0


def test_every_position_is_precomputed_and_matches_the_curve(table) -> None:
    explorer = TradeoffExplorer(table, QUERY, epsilon=0.3, expected_rows=500)
    view = explorer.view
    assert len(view.epsilons) == len(view.labels) == len(view.lines) == len(view.risks) == 302
    assert 0.3 in view.epsilons and view.labels[view.index] == "0.3"  # the start is a position
    for index in (0, 57, 150, len(view.epsilons) - 1):
        epsilon = view.epsilons[index]
        assert view.lines[index] == explorer.curve.sentence(epsilon, 1.0, 1.0)
        assert view.labels[index] == f"{epsilon:.3g}"
    assert [s["name"] for s in view.series] == ["count", "mean_wage"]
    assert view.measure.startswith("± at 95%") and view.measure.endswith("(smaller is better)")


def test_without_rows_a_mean_shows_its_noise_scale_and_the_hint(table) -> None:
    explorer = TradeoffExplorer(table, "SELECT AVG(wage) FROM t", epsilon=0.1)
    assert "the mean wage gets noise of scale" in explorer.line
    assert "add --rows N to %dp_tradeoff (expected_rows=N in Python)" in explorer.view.hint
    declared = TradeoffExplorer(table.for_budget("study"), QUERY, epsilon=0.1, expected_rows=500)
    assert declared.view.hint == ""


def test_release_spends_once_then_the_button_says_it_replays(table, ledger) -> None:
    explorer = TradeoffExplorer(table, QUERY, epsilon=0.3)
    released = explorer.release()
    assert released is not None and not released.replayed and released.epsilon == 0.3
    state = ledger.budget("study")
    assert state.epsilon_spent == pytest.approx(0.3) and state.release_count == 1
    assert ledger.history("study")[-1].description == released.query
    assert "spent ε 0.3" in explorer.result and "<table>" in explorer.result
    assert explorer.button_label == "Show the release at ε = 0.3 again (replays: nothing spent)"
    assert "replays the stored release: nothing spent, 0.7 of 1.0 left" in explorer.line
    again = explorer.release()
    assert again.replayed and ledger.budget("study").epsilon_spent == pytest.approx(0.3)
    assert "Replayed: nothing spent now" in explorer.result
    explorer.epsilon = 0.2
    assert "0.5 of 1.0 left afterwards" in explorer.line  # the budget as it is now
    assert explorer.button_label == "Release at ε = 0.2 (spends)"
    explorer.epsilon = 0.8
    assert explorer.button_disabled and "releasing is refused" in explorer.line
    assert explorer.release() is None and "has" in explorer.result  # one-line refusal
    assert ledger.budget("study").epsilon_spent == pytest.approx(0.3)


def test_the_button_message_releases_at_the_position_it_carries(table, ledger) -> None:
    explorer = TradeoffExplorer(table, QUERY, epsilon=0.1)
    index = explorer.epsilons.index(0.2)
    explorer._on_message(explorer.view, {"event": "release", "index": index}, [])
    assert explorer.epsilon == 0.2 and explorer.last_release.epsilon == 0.2
    explorer._on_message(explorer.view, {"event": "other"}, [])
    assert ledger.budget("study").epsilon_spent == pytest.approx(0.2)


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
    assert explorer.epsilon == 0.2 and "the sum of wage is ±" in explorer.line
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
