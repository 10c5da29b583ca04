"""Browser helpers shared by tests/ui/test_tradeoff_browser.py and benchmarks/tradeoff.py.

A notebook that shows the explorer over the bundled CPS 1988 table, run in a real JupyterLab
(jupyter_privacy.server.testing) and driven by playwright; nothing here imports playwright itself.
"""

from __future__ import annotations

from typing import Any

EXPLORER = ".jp-PrivacyTradeoff"
SLIDER_HANDLE = ".jp-PrivacyTradeoff-slider .noUi-handle"
LINE = ".jp-PrivacyTradeoff-line"
CHART_SVG = ".jp-PrivacyTradeoff-chart svg.marks"
RELEASE = ".jp-PrivacyTradeoff-release"
RESULT = ".jp-PrivacyTradeoff-result"

EXPLORER_CELL = (
    "%load_ext jupyter_privacy\n"
    "from jupyter_privacy.core.queries import load_example\n"
    "cps = load_example('cps1988').table(budget='{budget}')\n"
    '%dp_tradeoff cps "SELECT AVG(wage) FROM cps" --rows 28155 --epsilon 0.1 -o explorer'
)


def explorer_notebook(budget: str) -> dict[str, Any]:
    """Contents-API body of a one-cell notebook showing the explorer for `budget`."""
    cell = {"cell_type": "code", "id": "explore", "metadata": {},
            "source": EXPLORER_CELL.format(budget=budget), "outputs": [], "execution_count": None}  # fmt: skip
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
    server.api(f"api/contents/{name}", method="PUT", body=explorer_notebook(budget))
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
    page.wait_for_selector(CHART_SVG, timeout=90_000)


#: Press a key on the slider handle; resolves with ms until the chart's SVG and the line changed.
TIME_REDRAW = """
([handleSelector, svgSelector, lineSelector, key]) => new Promise((resolve, reject) => {
  const handle = document.querySelector(handleSelector);
  const svg = document.querySelector(svgSelector);
  const line = document.querySelector(lineSelector);
  const seen = {svg: null, line: null};
  let start = 0;
  const observer = new MutationObserver(records => {
    const t = performance.now() - start;
    for (const r of records) {
      if (seen.svg === null && svg.contains(r.target)) seen.svg = t;
      if (seen.line === null && line.contains(r.target)) seen.line = t;
    }
    if (seen.svg !== null && seen.line !== null) { observer.disconnect(); resolve(seen); }
  });
  observer.observe(svg, {subtree: true, attributes: true, childList: true, characterData: true});
  observer.observe(line, {subtree: true, childList: true, characterData: true});
  setTimeout(() => { observer.disconnect(); reject(new Error("no redraw in 10 s")); }, 10000);
  handle.focus();
  start = performance.now();
  const code = {ArrowRight: 39, ArrowLeft: 37}[key];
  handle.dispatchEvent(new KeyboardEvent("keydown", {key, keyCode: code, which: code, bubbles: true}));
})
"""
