"""`use_offline_renderer()`: each chart is its Vega-Lite v6 spec (drawn by the Lab extension's one
runtime) plus a small static SVG; a notebook of 20 charts stays small and exports to HTML with
every chart and no script."""

from __future__ import annotations

import json
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from jupyter_privacy.charts.rendering import VEGALITE_MIME_TYPE, chart_bundle, use_offline_renderer
from jupyter_privacy.core.errors import InvalidParameterError

CHART = (
    alt.Chart(pd.DataFrame({"x": range(30), "y": [i * i for i in range(30)]}))
    .mark_line()
    .encode(x="x", y="y")
    .properties(title="squares")
)


@pytest.fixture(autouse=True)
def _restore_renderer():
    active = alt.renderers.active
    yield
    alt.renderers.enable(active)


def test_bundle_holds_the_spec_and_an_svg_never_a_script() -> None:
    use_offline_renderer()
    bundle = CHART._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert set(bundle) == {VEGALITE_MIME_TYPE, "image/svg+xml", "text/plain"}
    assert bundle[VEGALITE_MIME_TYPE]["$schema"].startswith(
        "https://vega.github.io/schema/vega-lite/v6"
    )
    assert bundle["image/svg+xml"].lstrip().startswith("<svg")
    assert "text/html" not in bundle  # HTML would win over the extension's renderer in Lab
    assert "<script" not in json.dumps(bundle)
    assert len(json.dumps(bundle)) < 30_000


def test_fallbacks_and_bad_names() -> None:
    assert set(chart_bundle(CHART.to_dict(), "none")) == {VEGALITE_MIME_TYPE, "text/plain"}
    assert "image/png" in chart_bundle(CHART.to_dict(), "png")
    with pytest.raises(InvalidParameterError, match="fallback"):
        use_offline_renderer(fallback="gif")
    with pytest.raises(InvalidParameterError, match="'lab'"):
        use_offline_renderer("cdn")


TWENTY_CHARTS = """
import altair as alt, pandas as pd
from jupyter_privacy.charts import use_offline_renderer
use_offline_renderer()
frames = [pd.DataFrame({"x": range(40), "y": [(i * k) % 17 for i in range(40)]}) for k in range(20)]
"""


def twenty_chart_notebook() -> dict:
    import nbformat

    cells = [nbformat.v4.new_code_cell(TWENTY_CHARTS)]
    cells += [
        nbformat.v4.new_code_cell(
            f"alt.Chart(frames[{k}], title='chart {k}').mark_line().encode(x='x', y='y')"
        )
        for k in range(20)
    ]
    return nbformat.v4.new_notebook(cells=cells)


@pytest.mark.notebook
@pytest.mark.slow
def test_twenty_charts_stay_small_and_export_to_html(tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    notebook = twenty_chart_notebook()
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    path = tmp_path / "twenty.ipynb"
    nbformat.write(notebook, path)
    outputs = [o for c in notebook.cells[1:] for o in c.outputs]
    assert len(outputs) == 20
    assert all(VEGALITE_MIME_TYPE in o["data"] and "image/svg+xml" in o["data"] for o in outputs)
    size = path.stat().st_size
    assert size < 1_000_000, f"{size:,} bytes for 20 charts"  # was ~900 KB per chart
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    charts = re.findall(r'<img[^>]*src="data:image/svg\+xml', html)
    assert len(charts) == 20  # every chart, as its static SVG
    assert "vega@" not in html and "cdn.jsdelivr" not in html
