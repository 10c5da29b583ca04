"""BudgetPanel: the gauge follows the ledger; bad ε/δ or names create nothing and say why."""

from __future__ import annotations

import pytest

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.widgets import BudgetPanel


def test_gauge_follows_spends_and_picking(ledger: Ledger) -> None:
    ledger.create_budget("census", 2.0)
    ledger.create_budget("model", 4.0, 1e-5)
    panel = BudgetPanel(ledger, budget="model")
    assert panel.selected == "model" and panel.gauge.value == 0.0
    ledger.spend("model", 1.0, value=1, description="count")
    panel.refresh()
    assert panel.gauge.value == pytest.approx(0.25)
    assert "ε 1 of 4 spent, 3 left" in panel.figures.value
    panel.picker.value = "census"
    assert panel.gauge.value == 0.0 and "of 2 spent" in panel.figures.value


def test_create_validates_and_selects(ledger: Ledger) -> None:
    panel = BudgetPanel(ledger)
    assert "no budgets yet" in panel.figures.value
    panel.new_epsilon.value = -1.0
    assert panel.create_button.disabled and "epsilon" in panel.message.value
    assert panel.create() is None and ledger.budgets() == []
    panel.new_epsilon.value = 1.5
    assert not panel.create_button.disabled
    panel.new_name.value = "pilot"
    created = panel.create()
    assert created.name == "pilot" and panel.selected == "pilot"
    assert [b.name for b in ledger.budgets()] == ["pilot"]
    assert panel.create() is None and "pilot" in panel.message.value  # already exists
    assert len(ledger.budgets()) == 1
