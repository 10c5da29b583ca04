"""BudgetPanel in a real JupyterLab: the name is checked as it is typed (Create disabled, the
reason shown, cleared when fixed), an unknown budget is named, and Create writes to the ledger."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.server.testing import screenshot
from jupyter_privacy.widgets.testing import (
    PANEL_CELL,
    PANEL_CREATE,
    PANEL_FIGURES,
    PANEL_MESSAGE,
    PANEL_NAME,
    run_one_cell,
)

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def test_panel_validates_the_name_as_typed_and_creates(page, lab) -> None:
    run_one_cell(page, lab, "panel.ipynb", PANEL_CELL.format(budget="census-x"), PANEL_CREATE)
    figures, message = page.locator(PANEL_FIGURES), page.locator(PANEL_MESSAGE)
    expect(figures).to_contain_text("no budget named 'census-x'")
    expect(figures).to_contain_text("known budgets: pilot, other")
    name, create = page.locator(PANEL_NAME), page.locator(PANEL_CREATE)
    expect(name).to_have_value("census-x")  # pre-filled: one click creates it
    expect(create).to_be_enabled()

    name.fill("")
    name.press_sequentially("my budget", delay=20)  # a space is refused: said while typing
    expect(create).to_be_disabled()
    expect(message).to_contain_text("budget name 'my budget' is not allowed")
    screenshot(page, "budget-panel-invalid-name")
    name.fill("")
    name.press_sequentially("pilot", delay=20)
    expect(message).to_contain_text("budget 'pilot' already exists")
    expect(create).to_be_disabled()
    name.press_sequentially("-2027", delay=20)
    expect(message).to_have_text("")  # fixed: the error is gone
    expect(create).to_be_enabled()
    create.click()
    expect(message).to_contain_text("created 'pilot-2027'")
    expect(figures).to_contain_text("ε 0 of 1 spent")
    with open_ledger(lab.ledger_url) as ledger:
        assert "pilot-2027" in {b.name for b in ledger.budgets()}
