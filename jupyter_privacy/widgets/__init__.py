"""ipywidgets for notebooks (a thin layer over core and charts; never imports magics or server).

- `BudgetPanel`: pick or create a budget; a spent/remaining gauge.
- `TradeoffExplorer(table, query)`: ε slider, live ε-versus-utility chart; spends only on release.
- `TrainingMonitor`: ε and accuracy per epoch while DP-SGD trains.
- `NoiseSweep`: train at several σ (each run spends and is recorded) and draw ε against accuracy.

Charts are live `alt.JupyterChart`s drawn offline (see `live.py`). See docs/widgets.md.
"""

from jupyter_privacy.widgets.budget import BudgetPanel
from jupyter_privacy.widgets.tradeoff import TradeoffExplorer
from jupyter_privacy.widgets.training import NoiseSweep, TrainingMonitor

__all__ = ["BudgetPanel", "NoiseSweep", "TradeoffExplorer", "TrainingMonitor"]
