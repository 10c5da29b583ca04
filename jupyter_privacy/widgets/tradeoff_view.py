"""The trade-off explorer's browser half: an anywidget that holds the whole curve.

The curve is known before anyone touches the slider (charts.tradeoff: one OpenDP calibration), so
the model carries every slider position's ε, each statistic's utility, the plain-language line, the
attack-risk line and the button's label. While the hand drags, the browser only looks these up and
moves the marker (tradeoff_view.js): no kernel round trip per move. The kernel hears where the
slider was let go (`index`) and a "release" message from the button. Its own small SVG chart keeps
the widget self-contained (no Vega runtime).
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets


class TradeoffView(anywidget.AnyWidget):
    """Slider, chart, lines and release button; see `widgets.TradeoffExplorer` for the logic."""

    _esm = Path(__file__).with_name("tradeoff_view.js")

    title = traitlets.Unicode("").tag(sync=True)
    measure = traitlets.Unicode("").tag(sync=True)  # the y axis: "± at 95% (smaller is better)"
    epsilons = traitlets.List(traitlets.Float()).tag(sync=True)  # every slider position's ε
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)  # ε as shown (3 significant digits)
    series = traitlets.List(traitlets.Dict()).tag(sync=True)  # [{"name", "values": [per position]}]
    lines = traitlets.List(traitlets.Unicode()).tag(sync=True)  # plain-language line per position
    risks = traitlets.List(traitlets.Unicode()).tag(sync=True)  # attack-risk line per position
    buttons = traitlets.List(traitlets.Unicode()).tag(sync=True)  # release button label
    disabled = traitlets.List(traitlets.Bool()).tag(sync=True)  # release refused at this position
    hint = traitlets.Unicode("").tag(sync=True)  # what to add for a mean's ± (plain text)
    note = traitlets.Unicode("").tag(sync=True)  # HTML, escaped by the kernel
    result = traitlets.Unicode("").tag(sync=True)  # HTML of the last release or refusal
    index = traitlets.Int(0).tag(sync=True)  # the slider's position, sent when let go
    kernel_index = traitlets.Int(-1).tag(sync=True)  # the position the kernel has taken in
