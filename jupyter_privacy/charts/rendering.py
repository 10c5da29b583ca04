"""Offline rendering and saving of Altair charts (nothing loads a CDN).

`use_offline_renderer()` makes every displayed chart a small mimebundle: the Vega-Lite v6 spec,
which the jupyter-privacy Lab extension draws with the one Vega runtime it bundles (any number of
charts per page, following the Lab's light or dark theme, no script stored in the notebook), and a
static SVG drawn by vl-convert for places without the extension (nbconvert's HTML export, GitHub,
VS Code). Inlining Vega's scripts in every output (Altair's `html` renderer with
`template="inline"`) stored ~900 KB per chart and, in JupyterLab, drew only the first chart of a
page ("Identifier 'spec' has already been declared").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt

from jupyter_privacy.core.errors import InvalidParameterError

#: What the Lab extension's renderer draws (Altair 6's own "mimetype" renderer writes `….v6.json`,
#: which the extension draws too).
VEGALITE_MIME_TYPE = "application/vnd.vegalite.v6+json"
RENDERER = "jupyter-privacy"
FALLBACKS = ("svg", "png", "none")
_FORMATS = {".html", ".png", ".svg", ".json"}


def chart_bundle(spec: dict[str, Any], fallback: str = "svg") -> dict[str, Any]:
    """The mimebundle of one chart: its spec, a short text, and a static SVG or PNG fallback."""
    if fallback not in FALLBACKS:
        raise InvalidParameterError(
            f"unknown fallback {fallback!r}; use one of {', '.join(FALLBACKS)}"
        )
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    bundle: dict[str, Any] = {
        VEGALITE_MIME_TYPE: spec,
        "text/plain": f"<chart: {text}>" if text else "<chart>",
    }
    if fallback != "none":
        import vl_convert  # its newest Vega-Lite draws v6 specs (and older ones)

        if fallback == "svg":
            bundle["image/svg+xml"] = vl_convert.vegalite_to_svg(spec)
        else:
            import base64

            png = vl_convert.vegalite_to_png(spec, scale=1)
            bundle["image/png"] = base64.b64encode(png).decode("ascii")
    return bundle


def _render(spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    return chart_bundle(spec, metadata.get("fallback", "svg"))


alt.renderers.register(RENDERER, _render)


def use_offline_renderer(kind: str = "lab", *, fallback: str = "svg") -> None:
    """Draw charts offline. 'lab' (default; 'html' is an alias): the Lab extension draws the spec,
    with a static `fallback` ('svg', 'png' or 'none') stored beside it for other viewers.
    'svg' or 'png': a static image only, drawn by vl-convert in the kernel."""
    if kind in ("lab", "html"):
        if fallback not in FALLBACKS:
            raise InvalidParameterError(
                f"unknown fallback {fallback!r}; use one of {', '.join(FALLBACKS)}"
            )
        alt.renderers.enable(RENDERER, fallback=fallback)
    elif kind in {"svg", "png"}:
        alt.renderers.enable(kind)
    else:
        raise InvalidParameterError(f"unknown renderer {kind!r}; use 'lab', 'svg' or 'png'")


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
