"""Altair chart builders. Each function returns a chart and never displays it; the data behind every
chart comes from a `*_data` function (a pandas DataFrame) so tests can check state → data.

Altair 6 emits Vega-Lite v6, which JupyterLab 4's built-in renderer cannot draw offline;
`use_offline_renderer()` switches Altair to a renderer that inlines its scripts (no CDN).
"""

from __future__ import annotations

from jupyter_privacy.charts.budgets import (
    budget_bars,
    budget_bars_data,
    ledger_timeline,
    ledger_timeline_data,
)
from jupyter_privacy.charts.rendering import save_chart, use_offline_renderer
from jupyter_privacy.charts.risk import risk_chart, risk_data
from jupyter_privacy.charts.tradeoff import (
    TradeoffCurve,
    chosen_parameters,
    epsilon_grid,
    tradeoff_chart,
    tradeoff_curve,
)
from jupyter_privacy.charts.training import epoch_data, sweep_chart, sweep_data, training_chart

__all__ = [
    "TradeoffCurve",
    "budget_bars",
    "budget_bars_data",
    "chosen_parameters",
    "epoch_data",
    "epsilon_grid",
    "ledger_timeline",
    "ledger_timeline_data",
    "risk_chart",
    "risk_data",
    "save_chart",
    "sweep_chart",
    "sweep_data",
    "tradeoff_chart",
    "tradeoff_curve",
    "training_chart",
    "use_offline_renderer",
]
