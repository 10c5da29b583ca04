"""The trade-off explorer in a real JupyterLab and headless Chromium.

Dragging the ε slider moves the chart's marker and the plain-language line in the browser alone:
the kernel hears nothing until the slider is let go (the view's data-kernel-index), and nothing is
spent. The release button spends once; clicking again replays and says so before the click. The
release table has JupyterLab's table style, as a `%%dp_sql` cell's. Timing: benchmarks/tradeoff.py.
Reuses the module-scoped `lab`, `browser` and `page` fixtures of tests/ui/conftest.py (budget
'pilot': ε 1.0, 0.25 spent).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.server.testing import LabServer, screenshot
from jupyter_privacy.widgets.testing import (
    CHART_SVG,
    LINE,
    MARKER,
    READ_LATENCY,
    READOUT,
    RECORD_LATENCY,
    RELEASE,
    RESULT,
    SLIDER,
    VIEW,
    drag,
    open_explorer,
)

pytestmark = [pytest.mark.ui, pytest.mark.slow]

#: Count the kernel's answers (data-kernel-index changes) from now on.
COUNT_KERNEL = """
view => { window.__jpKernel = [];
  new MutationObserver(() => window.__jpKernel.push(view.dataset.kernelIndex))
    .observe(view, {attributes: true, attributeFilter: ["data-kernel-index"]}); }
"""


def spent_on_pilot(lab: LabServer) -> float:
    with open_ledger(lab.ledger_url) as ledger:
        return ledger.budget("pilot").epsilon_spent


def test_dragging_moves_marker_and_line_in_the_browser_and_release_spends_once(page, lab) -> None:
    open_explorer(page, lab, "tradeoff.ipynb", budget="pilot")
    line, marker, slider = page.locator(LINE), page.locator(MARKER), page.locator(SLIDER)
    expect(line).to_contain_text("at ε = 0.1 the mean wage is ±")
    expect(line).to_contain_text("0.65 of 1.0 left afterwards")
    expect(page.locator(RELEASE)).to_have_text("Release at ε = 0.1 (spends)")
    spent_before = spent_on_pilot(lab)
    first_line, first_x = line.inner_text(), marker.get_attribute("cx")
    screenshot(page, "tradeoff-explorer-before")

    page.evaluate(RECORD_LATENCY, [SLIDER, MARKER])
    page.locator(VIEW).evaluate(COUNT_KERNEL)
    start = slider.input_value()
    drag(page, moves=20, pixels=90, pause_ms=30)
    moved = int(slider.input_value()) - int(start)
    assert moved > 20 and line.inner_text() != first_line and marker.get_attribute("cx") != first_x
    readout = page.locator(READOUT).inner_text()
    assert line.inner_text().startswith(f"at ε = {readout} the mean wage is ±")
    record = page.evaluate(READ_LATENCY)
    assert len(record["dom"]) >= 15  # the marker followed (nearly) every move of the pointer
    page.wait_for_function("() => window.__jpKernel.length > 0", timeout=10_000)
    page.wait_for_timeout(300)
    answers = page.evaluate("() => window.__jpKernel")
    assert answers == [slider.input_value()]  # one kernel call, when the slider was let go
    assert spent_on_pilot(lab) == spent_before  # exploring spends nothing
    screenshot(page, "tradeoff-explorer-after-drag")
    colors = page.locator(CHART_SVG).evaluate(
        "svg => [getComputedStyle(svg).color, getComputedStyle(svg.closest('.jp-OutputArea')).color,"
        " svg.querySelector('text').getAttribute('fill')]"
    )
    assert colors[0] == colors[1] and colors[2] == "currentColor"  # the theme's text colour

    slider.focus()
    page.keyboard.press("ArrowLeft")  # keys move it too (Lab's shortcuts are suppressed there)
    expect(page.locator(READOUT)).not_to_have_text(readout)

    chosen = float(page.locator(READOUT).inner_text())
    page.locator(RELEASE).click()
    expect(page.locator(RESULT)).to_contain_text("spent ε", timeout=30_000)
    assert spent_on_pilot(lab) == pytest.approx(spent_before + chosen, rel=1e-9)
    with open_ledger(lab.ledger_url) as ledger:
        newest = ledger.history("pilot")[-1]
    assert newest.description == "SELECT MEAN(wage) AS mean_wage FROM t"
    assert "OpenDP" in newest.mechanism
    button = page.locator(RELEASE)
    expect(button).to_have_text(
        f"Show the release at ε = {chosen:g} again (replays: nothing spent)"
    )
    style = page.locator(f"{RESULT} table").first.evaluate(
        "t => [getComputedStyle(t).borderCollapse, getComputedStyle(t.querySelector('td')).paddingTop]"
    )
    assert style[0] == "collapse" and style[1] != "0px"  # Lab's table style, as in %%dp_sql
    screenshot(page, "tradeoff-explorer-released")
    button.click()
    expect(page.locator(RESULT)).to_contain_text("Replayed: nothing spent now", timeout=30_000)
    assert spent_on_pilot(lab) == pytest.approx(spent_before + chosen, rel=1e-9)
