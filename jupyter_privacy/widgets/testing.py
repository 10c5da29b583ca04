"""Browser helpers shared by tests/ui/ (explorer, budget panel) and benchmarks/tradeoff.py.

One-cell notebooks (the explorer over the bundled CPS 1988 table, a budget panel) run in a real
JupyterLab (jupyter_privacy.server.testing) and driven by playwright; nothing here imports
playwright itself.
"""

from __future__ import annotations

from typing import Any

EXPLORER = ".jp-PrivacyTradeoff"
SLIDER = "input.jp-PrivacyTradeoff-slider"
READOUT = ".jp-PrivacyTradeoff-readout"
LINE = ".jp-PrivacyTradeoff-line"
CHART_SVG = "svg.jp-PrivacyTradeoff-chart"
MARKER = ".jp-PrivacyTradeoff-marker"
RELEASE = ".jp-PrivacyTradeoff-release"
RESULT = ".jp-PrivacyTradeoff-result"
VIEW = ".jp-PrivacyTradeoff-view"  # data-kernel-index: the slider position the kernel has taken in

EXPLORER_CELL = (
    "%load_ext jupyter_privacy\n"
    "from jupyter_privacy.core.queries import load_example\n"
    "cps = load_example('cps1988').table(budget='{budget}')\n"
    '%dp_tradeoff cps "SELECT AVG(wage) FROM cps" --rows 28155 --epsilon 0.1 -o explorer'
)


PANEL_NAME = ".jp-PrivacyBudgetPanel-name input"
PANEL_CREATE = ".jp-PrivacyBudgetPanel-create"
PANEL_MESSAGE = ".jp-PrivacyBudgetPanel-message"
PANEL_FIGURES = ".jp-PrivacyBudgetPanel-figures"
PANEL_CELL = "from jupyter_privacy.widgets import BudgetPanel\nBudgetPanel(budget='{budget}')"


def one_cell_notebook(source: str) -> dict[str, Any]:
    """Contents-API body of a notebook with one code cell."""
    cell = {"cell_type": "code", "id": "explore", "metadata": {}, "source": source,
            "outputs": [], "execution_count": None}  # fmt: skip
    return {
        "type": "notebook",
        "content": {
            "nbformat": 4, "nbformat_minor": 5, "cells": [cell],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        },
    }  # fmt: skip


def accept_kernel_dialog(page: Any) -> None:
    """Lab asks "Select Kernel" when it opens a notebook before the kernel specs have loaded
    (seen under load); accept its default, the notebook's own Python 3 kernel."""
    dialog = page.locator(".jp-Dialog")
    try:
        dialog.filter(has_text="Select Kernel").wait_for(state="visible", timeout=3_000)
    except Exception:  # playwright's TimeoutError: no dialog, nothing to do
        return
    dialog.locator(".jp-mod-accept").click()
    dialog.wait_for(state="hidden", timeout=10_000)


def open_explorer(page: Any, server: Any, name: str, budget: str) -> None:
    """Write the notebook, open it, run its cell (retrying while the kernel connects), await the chart."""
    run_one_cell(page, server, name, EXPLORER_CELL.format(budget=budget), MARKER)


def run_one_cell(page: Any, server: Any, name: str, source: str, ready: str) -> None:
    """Write a one-cell notebook, open it, run the cell (retrying while the kernel connects) and
    wait for the `ready` selector in its output."""
    server.api(f"api/contents/{name}", method="PUT", body=one_cell_notebook(source))
    page.goto(server.lab_url(f"lab/tree/{name}"), wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell .jp-InputArea-editor", timeout=60_000)
    prompt = page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputPrompt")
    for _attempt in range(4):  # a request dropped while connecting leaves `[ ]:`; nothing ran
        accept_kernel_dialog(page)
        page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor").first.click()
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_function(
                "el => !el.textContent.includes('[ ]')",
                arg=prompt.element_handle(), timeout=15_000,
            )  # fmt: skip
            break
        except Exception:  # playwright's TimeoutError: try again
            continue
    page.wait_for_selector(ready, timeout=90_000)


#: Start recording: for every move of the slider's value (by a pointer move while dragging, or a
#: key), the ms from that pointer move's or key's timestamp to the marker's move in the DOM, and
#: to the next animation frame (the redraw reaches the screen with that frame).
RECORD_LATENCY = """
([sliderSelector, markerSelector]) => {
  const slider = document.querySelector(sliderSelector);
  const marker = document.querySelector(markerSelector);
  const record = window.__jpLatency = {dom: [], frame: [], last: null, pending: null};
  const remember = event => { record.last = event.timeStamp; };
  slider.addEventListener("pointermove", remember, true);
  slider.addEventListener("keydown", remember, true);
  slider.addEventListener("input", () => { record.pending = record.last; }, true);
  new MutationObserver(() => {
    if (record.pending === null) return;
    const start = record.pending;
    record.pending = null;
    record.dom.push(performance.now() - start);
    requestAnimationFrame(() => record.frame.push(performance.now() - start));
  }).observe(marker, {attributes: true});
}
"""

#: The recorded latencies so far: {dom: [...], frame: [...]} in ms.
READ_LATENCY = "() => window.__jpLatency"

#: Let the slider go (a "change" event) and resolve with the ms until the kernel has taken the
#: position in (the view's data-kernel-index): one round trip, what every move cost before.
TIME_KERNEL = """
([sliderSelector, viewSelector]) => new Promise((resolve, reject) => {
  const slider = document.querySelector(sliderSelector);
  const view = document.querySelector(viewSelector);
  const target = String(Number(slider.value) === 0 ? 1 : Number(slider.value) - 1);
  const start = performance.now();
  new MutationObserver((_records, observer) => {
    if (view.dataset.kernelIndex === target) { observer.disconnect(); resolve(performance.now() - start); }
  }).observe(view, {attributes: true, attributeFilter: ["data-kernel-index"]});
  setTimeout(() => reject(new Error("the kernel did not answer in 10 s")), 10000);
  slider.value = target;
  slider.dispatchEvent(new Event("input", {bubbles: true}));
  slider.dispatchEvent(new Event("change", {bubbles: true}));
})
"""


def drag(page: Any, moves: int, pixels: float, pause_ms: float = 16) -> None:
    """Press on the slider's thumb, move `pixels` right in `moves` pointer moves (one per
    `pause_ms`, a 60 Hz hand) and let go."""
    box = page.locator(SLIDER).bounding_box()
    fraction = float(page.locator(SLIDER).evaluate("s => s.value / s.max"))
    x = box["x"] + 8 + fraction * (box["width"] - 16)  # the thumb's centre (16 px thumb)
    y = box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, moves + 1):
        page.mouse.move(x + pixels * step / moves, y)
        page.wait_for_timeout(pause_ms)
    page.mouse.up()
