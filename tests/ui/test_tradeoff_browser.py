"""The trade-off explorer in a real JupyterLab and headless Chromium.

Dragging the ε slider must redraw the chart (Vega's SVG, drawn offline) and the plain-language line
without spending; the release button spends once and the ledger records it. Reuses the module-scoped
`lab`, `browser` and `page` fixtures of tests/ui/conftest.py (budget 'pilot': ε 1.0, 0.25 spent).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.server.testing import LabServer, screenshot
from jupyter_privacy.widgets.testing import (
    CHART_SVG,
    LINE,
    RELEASE,
    RESULT,
    SLIDER_HANDLE,
    TIME_REDRAW,
    open_explorer,
)

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def spent_on_pilot(lab: LabServer) -> float:
    with open_ledger(lab.ledger_url) as ledger:
        return ledger.budget("pilot").epsilon_spent


def test_dragging_the_slider_redraws_chart_and_line_and_release_spends(page, lab) -> None:
    open_explorer(page, lab, "tradeoff.ipynb", budget="pilot")
    line, svg = page.locator(LINE), page.locator(CHART_SVG)
    expect(line).to_contain_text("at ε = 0.1 the mean wage is ±")
    expect(line).to_contain_text("0.65 of 1.0 left afterwards")
    spent_before = spent_on_pilot(lab)
    first_line, first_svg = line.inner_text(), svg.inner_html()
    screenshot(page, "tradeoff-explorer-before")

    handle = page.locator(SLIDER_HANDLE)
    box = handle.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 90, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    expect(line).not_to_have_text(first_line, timeout=10_000)
    page.wait_for_function(
        "([sel, old]) => document.querySelector(sel).innerHTML !== old", arg=[CHART_SVG, first_svg]
    )
    readout = page.locator(".jp-PrivacyTradeoff-slider .widget-readout")
    expect(line).to_contain_text(f"at ε = {readout.inner_text()} ", timeout=10_000)  # settled
    assert spent_on_pilot(lab) == spent_before  # exploring spends nothing
    screenshot(page, "tradeoff-explorer-after-drag")

    times = page.evaluate(TIME_REDRAW, [SLIDER_HANDLE, CHART_SVG, LINE, "ArrowLeft"])
    assert times["svg"] >= 0 and times["line"] >= 0  # a key press also redraws both

    chosen = float(line.inner_text().split("ε = ")[1].split(" ")[0])
    page.locator(RELEASE).click()
    expect(page.locator(RESULT)).to_contain_text("spent ε", timeout=30_000)
    assert spent_on_pilot(lab) == pytest.approx(spent_before + chosen, rel=1e-9)
    with open_ledger(lab.ledger_url) as ledger:
        newest = ledger.history("pilot")[-1]
    assert newest.description == "SELECT MEAN(wage) AS mean_wage FROM t"
    assert "OpenDP" in newest.mechanism
    screenshot(page, "tradeoff-explorer-released")
