"""Live Altair charts inside ipywidgets, drawn offline.

`alt.JupyterChart` (an anywidget) embeds Vega in the browser from vl-convert's bundled scripts
(`enable_offline`: no CDN). Updating one of a chart's parameters re-runs only Vega's dataflow in the
browser, which is what keeps a slider's redraw fast; replacing `.chart` re-embeds the whole chart.
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


def set_parameters(live: Any, values: dict[str, float]) -> None:
    """Move several chart parameters in one message to the browser."""
    with live.hold_sync():
        for name, value in values.items():
            setattr(live.params, name, value)
