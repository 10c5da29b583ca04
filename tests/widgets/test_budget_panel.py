"""BudgetPanel: the gauge follows the ledger; bad ε/δ or names create nothing and say why, as typed."""

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
    assert panel.create_button.disabled and "type a name" in panel.message.value  # a hint
    assert "error" not in panel.message.value
    panel.new_name.value = "pilot"
    assert not panel.create_button.disabled and panel.message.value == ""
    created = panel.create()
    assert created.name == "pilot" and panel.selected == "pilot"
    assert [b.name for b in ledger.budgets()] == ["pilot"]
    assert panel.create() is None and "pilot" in panel.message.value  # already exists
    assert len(ledger.budgets()) == 1


def test_name_is_validated_as_typed_and_the_error_clears_when_fixed(ledger: Ledger) -> None:
    ledger.create_budget("census", 2.0)
    panel = BudgetPanel(ledger)
    for typed, words in [("my budget", "is not allowed"), ("-x", "is not allowed"),
                         ("census", "already exists")]:  # fmt: skip
        panel.new_name.value = typed
        assert panel.create_button.disabled and words in panel.message.value
        assert "jp-PrivacyBudgetPanel-error" in panel.message.value
        assert panel.create() is None
    panel.new_name.value = "census-2027"
    assert not panel.create_button.disabled and panel.message.value == ""
    panel.new_delta.value = 1.0  # another field wrong: disabled again, then cleared when fixed
    assert panel.create_button.disabled and "delta" in panel.message.value
    panel.new_delta.value = 0.0
    assert not panel.create_button.disabled and panel.message.value == ""
    assert [b.name for b in ledger.budgets()] == ["census"]


def test_an_unknown_budget_is_named_never_replaced_by_another(ledger: Ledger) -> None:
    ledger.create_budget("census", 2.0)
    panel = BudgetPanel(ledger, budget="nosuch")
    assert panel.selected is None and panel.gauge.value == 0.0
    assert "no budget named &#x27;nosuch&#x27;" in panel.figures.value
    assert "known budgets: census" in panel.figures.value
    assert panel.new_name.value == "nosuch" and not panel.create_button.disabled  # one click away
    panel.picker.value = "census"
    assert "of 2 spent" in panel.figures.value and "nosuch" not in panel.figures.value
    odd = BudgetPanel(ledger, budget="no such")  # a name the ledger would refuse: not pre-filled
    assert "no budget named" in odd.figures.value and odd.new_name.value == ""
