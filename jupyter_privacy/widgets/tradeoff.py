"""`TradeoffExplorer`: drag ε on a log slider, see what it buys; spend only with the release button.

The curve is computed once (charts.tradeoff: one OpenDP calibration, no data read) at every slider
position, and handed to the browser (`TradeoffView`), which moves the marker and the lines while the
slider is dragged; nothing is spent and the kernel is not called until the slider is let go. The
button releases through `PrivateTable.query`, i.e. `ledger.spend`, which records the spend before
anyone sees the value; a second click at an ε already released replays it and says so.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as widgets
import pandas as pd

from jupyter_privacy.charts.tradeoff import tradeoff_curve
from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError
from jupyter_privacy.core.probes.metrics import dp_ceiling
from jupyter_privacy.core.validation import check_epsilon
from jupyter_privacy.widgets.tradeoff_view import TradeoffView

LOG_STEP = 0.01  # a hundredth of a decade (2.3% per step); round ε like 0.1 or 1 stay on the grid


def slider_positions(low: float, high: float, start: float) -> list[float]:
    """Every ε the slider can stop at: `LOG_STEP` decades apart from `low` to `high`, each at the 3
    significant digits shown (what you read is what is spent), plus `start` itself."""
    low, high = check_epsilon(low, "lowest ε"), check_epsilon(high, "highest ε")
    if low >= high:
        raise InvalidParameterError(f"the ε range must go up: got {low:g} to {high:g}")
    steps = round((math.log10(high) - math.log10(low)) / LOG_STEP)
    grid = {float(f"{10 ** (math.log10(low) + k * LOG_STEP):.3g}") for k in range(steps + 1)}
    return sorted(grid | {start})


class TradeoffExplorer(widgets.VBox):
    """ε slider (log scale), ε-versus-utility chart, plain-language line, release button."""

    def __init__(
        self, table: Any, query: str, *, epsilon: float | None = None, alpha: float = 0.05,
        delta: float = 0.0, expected_rows: int | None = None,
        epsilon_range: tuple[float, float] = (0.01, 10.0),
    ) -> None:  # fmt: skip
        self.table, self.query, self.delta = table, query, delta
        self.curve = tradeoff_curve(table, query, alpha=alpha, delta=delta,
                                    expected_rows=expected_rows)  # fmt: skip
        low, high = epsilon_range
        self._budget = table.ledger.budget(table.budget)
        self._unit = self._budget.privacy_unit.removeprefix("one ")
        start = self._start(epsilon, low, high)
        self.epsilons = slider_positions(low, high, start)
        self.last_release: Any = None
        self._replays: set[float] = set()  # ε released through this explorer: a click replays
        self._data = data = self.curve.frame(self.epsilons)  # the whole curve, computed once
        self.view = TradeoffView(
            title=f"What each ε buys: {self.curve.reference.query}",
            measure=" / ".join(dict.fromkeys(data.measure)) + " (smaller is better)",
            epsilons=self.epsilons, labels=[f"{e:.3g}" for e in self.epsilons],
            series=[{"name": name, "values": [None if pd.isna(v) else float(v) for v in rows.utility]}
                    for name, rows in data.groupby("statistic", sort=False)],
            risks=[self._risk(e) for e in self.epsilons], hint=self._hint(),
            note="<small>Exploring spends nothing (OpenDP's accuracy, no data read). Only the "
            f"button spends, from budget <b>{html.escape(table.budget)}</b>.</small>",
            index=self.epsilons.index(start), kernel_index=self.epsilons.index(start),
        )  # fmt: skip
        self._refresh_lines()
        self.view.observe(self._on_index, names="index")
        self.view.on_msg(self._on_message)
        super().__init__([self.view])
        self.add_class("jp-PrivacyTradeoff")

    # -- what the browser shows at the slider's position (read from the view's state) -------------
    @property
    def epsilon(self) -> float:
        """The slider's ε at the 3 significant digits shown: what you read is what is spent."""
        return self.epsilons[self.view.index]

    @epsilon.setter
    def epsilon(self, value: float) -> None:
        """Move the slider to the position nearest `value` (on a log scale)."""
        target = math.log10(check_epsilon(value))
        self.view.index = min(range(len(self.epsilons)),
                              key=lambda i: abs(math.log10(self.epsilons[i]) - target))  # fmt: skip

    @property
    def line(self) -> str:
        return self.view.lines[self.view.index]

    @property
    def risk(self) -> str:
        return self.view.risks[self.view.index]

    @property
    def button_label(self) -> str:
        return self.view.buttons[self.view.index]

    @property
    def button_disabled(self) -> bool:
        return self.view.disabled[self.view.index]

    @property
    def result(self) -> str:
        """HTML of the last release (the table a `%%dp_sql` cell shows) or of a refusal."""
        return self.view.result

    @property
    def marker_data(self) -> pd.DataFrame:
        """The data behind the chart's marker: utility per statistic at the chosen ε."""
        return self.curve.point(self.epsilon)

    # -- precomputed per position ---------------------------------------------------------------
    def _start(self, epsilon: float | None, low: float, high: float) -> float:
        if epsilon is not None:
            value = check_epsilon(epsilon)
            if not low <= value <= high:
                raise InvalidParameterError(
                    f"ε {value:g} is outside the slider's range {low:g} to {high:g}; "
                    "widen epsilon_range=(low, high)"
                )
            return value
        remaining = self._budget.epsilon_remaining
        return float(f"{min(max(remaining / 2 if remaining > 0 else low, low), high):.3g}")

    def _risk(self, epsilon: float) -> str:
        ceiling = dp_ceiling(epsilon, self.delta)
        return (
            f"attack risk at (ε {epsilon:.3g}, δ {self.delta:g}): any membership-inference attack "
            f"on one {self._unit} has advantage (TPR − FPR) ≤ {ceiling.advantage:.2f}, "
            f"ROC AUC ≤ {ceiling.auc:.2f}"
        )

    def _hint(self) -> str:
        """What to add when a mean can show its noise scale only (no public row count)."""
        if self.curve.expected_rows is not None:
            return ""
        if not any(s.aggregate == "mean" for s in self.curve.reference.statistics):
            return ""
        per = (
            f" per {', '.join(self.curve.reference.group_by)}"
            if self.curve.reference.group_by
            else ""
        )
        return (
            f"A mean's ± needs a public row count{per}: add --rows N to %dp_tradeoff "
            "(expected_rows=N in Python), e.g. a survey's published size; until then its noise "
            "scale is shown."
        )

    def _refresh_lines(self, result: str | None = None) -> None:
        """Lines, button labels and states at every position, for the budget as it is now (and
        the release's `result` in the same message, so the browser never shows one without the
        other)."""
        budget = self._budget
        remaining = budget.epsilon_remaining
        lines = self.curve.sentences(self.epsilons, remaining, budget.epsilon_total,
                                     replayed=self._replays, data=self._data)  # fmt: skip
        buttons, disabled = [], []
        for epsilon in self.epsilons:
            if epsilon in self._replays:
                buttons.append(
                    f"Show the release at ε = {epsilon:.3g} again (replays: nothing spent)"
                )
                disabled.append(False)
            else:
                buttons.append(f"Release at ε = {epsilon:.3g} (spends)")
                disabled.append(epsilon > remaining + 1e-12)
        with self.view.hold_sync():
            self.view.lines, self.view.buttons, self.view.disabled = lines, buttons, disabled
            if result is not None:
                self.view.result = result

    # -- the kernel's part: where the slider was let go, and the button ---------------------------
    def _on_index(self, _change: dict[str, Any]) -> None:
        self.view.kernel_index = self.view.index

    def _on_message(self, _view: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("event") != "release":
            return
        index = content.get("index")
        if isinstance(index, int) and 0 <= index < len(self.epsilons):
            self.view.index = index
        self.release()

    def release(self) -> Any:
        """Release the query at the slider's ε: spends from the table's budget (or replays)."""
        epsilon = self.epsilon
        try:
            released = self.table.query(self.query, epsilon, alpha=self.curve.alpha,
                                        delta=self.delta)  # fmt: skip
        except PrivacyError as error:
            self.view.result = (
                "<span class='jp-PrivacyTradeoff-error' style='color: var(--jp-error-color1)'>"
                f"{html.escape(error.message)}</span>"
            )
            return None
        self.last_release = released
        self._replays.add(epsilon)
        self._budget = self.table.ledger.budget(self.table.budget)
        self._refresh_lines(released._repr_html_())  # the same table a `%%dp_sql` cell shows
        return released
