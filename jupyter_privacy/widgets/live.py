"""Live Altair charts inside ipywidgets, drawn offline.

`alt.JupyterChart` (an anywidget) embeds Vega in the browser from vl-convert's bundled scripts
(`enable_offline`: no CDN); replacing `.chart` re-embeds the whole chart (the training monitor and
the noise sweep redraw once per epoch or run). The trade-off explorer, which redraws on every move of
a slider, draws its own chart in the browser instead (widgets/tradeoff_view.py).
"""

from __future__ import annotations

from typing import Any

import altair as alt

EMBED_OPTIONS = {"renderer": "svg", "actions": False}


def live_chart(chart: Any) -> Any:
    """A JupyterChart for `chart`, drawn as SVG with scripts bundled locally."""
    if not getattr(alt.JupyterChart, "_is_offline", False):
        alt.JupyterChart.enable_offline()
    return alt.JupyterChart(chart, embed_options=EMBED_OPTIONS)
