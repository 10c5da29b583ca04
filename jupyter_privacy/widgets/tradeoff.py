"""`TradeoffExplorer`: drag ε on a log slider, see what it buys; spend only with the release button.

Moving the slider computes the analytic curve point (charts.tradeoff: one OpenDP calibration, no
data read) and moves the chart's marker; nothing is spent. The button releases through
`PrivateTable.query`, i.e. `ledger.spend`, which records the spend before anyone sees the value.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as widgets
import pandas as pd

from jupyter_privacy.charts.tradeoff import (
    chosen_parameters,
    epsilon_grid,
    tradeoff_chart,
    tradeoff_curve,
)
from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError
from jupyter_privacy.core.probes.metrics import dp_ceiling
from jupyter_privacy.core.validation import check_epsilon
from jupyter_privacy.widgets.live import live_chart, set_parameters

LOG_STEP = 0.01  # a hundredth of a decade (2.3% per step); round ε like 0.1 or 1 stay on the grid


class TradeoffExplorer(widgets.VBox):
    """ε slider (log scale), live ε-versus-utility chart, plain-language line, release button."""

    def __init__(
        self, table: Any, query: str, *, epsilon: float | None = None, alpha: float = 0.05,
        delta: float = 0.0, expected_rows: int | None = None,
        epsilon_range: tuple[float, float] = (0.01, 10.0),
    ) -> None:  # fmt: skip
        self.table, self.query, self.delta = table, query, delta
        self.curve = tradeoff_curve(table, query, alpha=alpha, delta=delta,
                                    expected_rows=expected_rows)  # fmt: skip
        low, high = epsilon_range
        self.epsilons = epsilon_grid(low, high)
        self._budget = table.ledger.budget(table.budget)
        self._unit = self._budget.privacy_unit.removeprefix("one ")
        start = self._start(epsilon, low, high)
        self.slider = widgets.FloatLogSlider(
            value=start, base=10, min=math.log10(low), max=math.log10(high),
            step=LOG_STEP, description="ε",
            readout_format=".3g", continuous_update=True,
            layout=widgets.Layout(width="460px"),
        )  # fmt: skip
        self.slider.add_class("jp-PrivacyTradeoff-slider")
        self.line = widgets.HTML()
        self.line.add_class("jp-PrivacyTradeoff-line")
        self.risk = widgets.HTML()
        self.risk.add_class("jp-PrivacyTradeoff-risk")
        self.chart = live_chart(tradeoff_chart(self.curve, self.epsilons, start))
        self.chart.add_class("jp-PrivacyTradeoff-chart")
        self.release_button = widgets.Button(button_style="warning", icon="unlock",
                                             layout=widgets.Layout(width="auto"))  # fmt: skip
        self.release_button.add_class("jp-PrivacyTradeoff-release")
        self.result = widgets.HTML()
        self.result.add_class("jp-PrivacyTradeoff-result")
        self.last_release: Any = None
        self.marker = self.curve.point(start)
        self._show(self.epsilon)
        self.slider.observe(self._on_slider, names="value")
        self.release_button.on_click(lambda _button: self.release())
        note = widgets.HTML(
            "<small>Exploring spends nothing (OpenDP's accuracy, no data read). Only the button "
            f"spends, from budget <b>{html.escape(table.budget)}</b>.</small>"
        )
        super().__init__([self.slider, self.line, self.risk, self.chart,
                          widgets.HBox([self.release_button]), note, self.result])  # fmt: skip
        self.add_class("jp-PrivacyTradeoff")

    @property
    def epsilon(self) -> float:
        """The slider's ε at the 3 significant digits shown: what you read is what is spent."""
        return float(f"{self.slider.value:.3g}")

    @property
    def marker_data(self) -> pd.DataFrame:
        """The data behind the chart's marker: utility per statistic at the chosen ε."""
        return self.marker

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
        return min(max(remaining / 2 if remaining > 0 else low, low), high)

    def _on_slider(self, _change: dict[str, Any]) -> None:
        self._show(self.epsilon)

    def _show(self, epsilon: float) -> None:
        self.marker = self.curve.point(epsilon)
        set_parameters(self.chart, chosen_parameters(self.curve, epsilon))
        budget = self._budget
        self.line.value = html.escape(
            self.curve.sentence(epsilon, budget.epsilon_remaining, budget.epsilon_total)
        )
        ceiling = dp_ceiling(epsilon, self.delta)
        self.risk.value = html.escape(
            f"attack risk at (ε {epsilon:.3g}, δ {self.delta:g}): any membership-inference attack "
            f"on one {self._unit} has advantage (TPR − FPR) ≤ {ceiling.advantage:.2f}, "
            f"ROC AUC ≤ {ceiling.auc:.2f}"
        )
        self.release_button.description = f"Release at ε = {epsilon:.3g} (spends)"
        self.release_button.disabled = epsilon > budget.epsilon_remaining + 1e-12

    def release(self) -> Any:
        """Release the query at the slider's ε: spends from the table's budget (or replays)."""
        epsilon = self.epsilon
        try:
            released = self.table.query(self.query, epsilon, alpha=self.curve.alpha,
                                        delta=self.delta)  # fmt: skip
        except PrivacyError as error:
            self.result.value = (
                f"<span class='jp-PrivacyTradeoff-error'>{html.escape(error.message)}</span>"
            )
            return None
        self.last_release = released
        self._budget = self.table.ledger.budget(self.table.budget)
        self.result.value = released._repr_html_()  # the same table a notebook cell shows
        self._show(epsilon)
        return released
