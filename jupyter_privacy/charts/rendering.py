"""Offline rendering and saving of Altair charts (vl-convert does the work; nothing loads a CDN)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt

from jupyter_privacy.core.errors import InvalidParameterError

_FORMATS = {".html", ".png", ".svg", ".json"}


def use_offline_renderer(kind: str = "html") -> None:
    """Render charts without network access: 'html' inlines Vega's scripts; 'svg' draws server-side."""
    if kind == "html":
        alt.renderers.enable("html", template="inline")
    elif kind in {"svg", "png"}:
        alt.renderers.enable(kind)
    else:
        raise InvalidParameterError(f"unknown renderer {kind!r}; use 'html', 'svg' or 'png'")


def save_chart(chart: Any, path: str | Path) -> Path:
    """Save as .html (scripts inlined, works offline), .png, .svg or .json (the Vega-Lite spec)."""
    target = Path(path)
    if target.suffix not in _FORMATS:
        raise InvalidParameterError(
            f"cannot save a chart as {target.suffix or 'no extension'}; use one of "
            f"{', '.join(sorted(_FORMATS))}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".html":
        chart.save(str(target), inline=True)
    else:
        chart.save(str(target))
    return target
