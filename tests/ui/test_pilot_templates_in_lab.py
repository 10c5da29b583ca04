"""A real pilot template, opened from the launcher and run cell by cell in JupyterLab (Chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from jupyter_privacy import open_ledger
from jupyter_privacy.core.templates import templates_dir
from jupyter_privacy.server.testing import LabServer, open_lab, screenshot, start_lab
from jupyter_privacy.widgets.testing import accept_kernel_dialog

pytestmark = [pytest.mark.ui, pytest.mark.slow]

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

STEP_2 = "Step 2 — A DP analytics pilot with OpenDP"
TEMPLATE_CELLS = nbformat.read(templates_dir() / "02_dp_analytics_pilot.ipynb", 4).cells


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    base = tmp_path_factory.mktemp("lab-templates")
    root = base / "work"
    root.mkdir()
    server = start_lab(root, f"sqlite:///{base / 'ledger.db'}")  # the shipped templates
    yield server
    server.stop()


def test_step_2_runs_cell_by_cell_from_the_launcher(browser, lab: LabServer) -> None:
    page = open_lab(browser, lab)
    try:
        page.keyboard.press("Control+Shift+L")
        card = page.locator(
            '.jp-LauncherCard[data-category="Privacy pilot"]:visible', has_text=STEP_2
        )
        expect(card.first).to_be_visible(timeout=30_000)
        card.first.click()
        accept_kernel_dialog(page)
        expect(page.locator(".lm-TabBar-tab.jp-mod-current", has_text="02_dp_analytics_pilot"))\
            .to_be_visible(timeout=30_000)  # fmt: skip
        cells = page.locator(".jp-Notebook .jp-Cell")
        expect(cells.first).to_be_visible(timeout=30_000)
        accept_kernel_dialog(page)
        cells.first.click()  # select the first cell; Shift+Enter then runs each and moves on,
        page.keyboard.press("Escape")  # as a newcomer would (Lab draws only the cells in view,
        running = page.locator(".jp-InputPrompt", has_text="[*]:")  # so none is located by index)
        for index in range(len(TEMPLATE_CELLS)):
            accept_kernel_dialog(page)
            page.keyboard.press(
                "Shift+Enter" if index < len(TEMPLATE_CELLS) - 1 else "Control+Enter"
            )
            expect(running).to_have_count(0, timeout=120_000)
        # the last cell's output (in view; the releases' cell may be drawn out of the DOM)
        expect(page.locator(".jp-Notebook")).to_contain_text(
            "PASS  epsilon[pilot-analytics]: budget 'pilot-analytics' has spent ε 1",
            timeout=180_000,
        )
        expect(page.locator(".jp-InputPrompt", has_text="[ ]:")).to_have_count(0, timeout=5_000)
        errors = page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        )
        tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
        assert tracebacks == []
        screenshot(page, "pilot-step-2-in-lab")
    finally:
        page.close()
    with open_ledger(lab.ledger_url) as ledger:
        budget = ledger.budget("pilot-analytics")
        assert budget.release_count == 3 and budget.epsilon_spent == pytest.approx(1.0)
    assert (Path(lab.root) / "02_dp_analytics_pilot.ipynb").is_file()
