"""`BudgetPanel`: pick or create a budget, with validated ε and δ inputs and a spent/remaining gauge.

Creating a budget goes through `ledger.create_budget` (its validation, its hash chain). The name, ε
and δ are checked as they are typed with the ledger's own checks: while one is wrong, *Create* is
disabled and one line says what to change; the line clears once it is fixed. `refresh()` re-reads
the ledger; the panel also refreshes whenever a budget is picked or created.
"""

from __future__ import annotations

import contextlib
import html
from typing import Any

import ipywidgets as widgets

from jupyter_privacy.core.errors import PrivacyError
from jupyter_privacy.core.ledger import Ledger, open_ledger
from jupyter_privacy.core.validation import (
    check_budget_name,
    check_delta,
    check_epsilon,
)


class BudgetPanel(widgets.VBox):
    """Pick a budget (or create one) and watch what is spent and left."""

    def __init__(self, ledger: Ledger | str | None = None, *, budget: str | None = None) -> None:
        self.ledger = ledger if isinstance(ledger, Ledger) else open_ledger(ledger)
        names = [b.name for b in self.ledger.budgets()]
        missing = budget is not None and budget not in names
        chosen = budget if budget in names else (names[0] if names and not missing else None)
        self.picker = widgets.Dropdown(options=names, value=chosen, description="budget")
        self.gauge = widgets.FloatProgress(min=0.0, max=1.0, description="ε spent",
                                           bar_style="info")  # fmt: skip
        self.figures = widgets.HTML()
        self.new_name = widgets.Text(description="new", placeholder="census-2026",
                                     continuous_update=True)  # fmt: skip
        self.new_epsilon = widgets.FloatText(value=1.0, description="ε", step=0.1)
        self.new_delta = widgets.FloatText(value=0.0, description="δ", step=1e-6)
        self.new_unit = widgets.Text(value="one person", description="unit")
        self.create_button = widgets.Button(description="Create budget", icon="plus")
        self.message = widgets.HTML()
        for widget, name in ((self.new_name, "name"), (self.create_button, "create"),
                             (self.message, "message"), (self.figures, "figures")):  # fmt: skip
            widget.add_class(f"jp-PrivacyBudgetPanel-{name}")
        self.picker.observe(lambda _change: self.refresh(), names="value")
        for field in (self.new_name, self.new_epsilon, self.new_delta):
            field.observe(lambda _change: self._validate(), names="value")
        self.create_button.on_click(lambda _button: self.create())
        refresh = widgets.Button(description="Refresh", icon="refresh")
        refresh.on_click(lambda _button: self.refresh())
        super().__init__([
            widgets.HBox([self.picker, refresh]), self.gauge, self.figures,
            widgets.HTML("<b>Create a budget</b>"),
            widgets.HBox([self.new_name, self.new_unit]),
            widgets.HBox([self.new_epsilon, self.new_delta, self.create_button]), self.message,
        ])  # fmt: skip
        self.add_class("jp-PrivacyBudgetPanel")
        self.refresh()
        self._validate()
        if missing:  # never show another budget in its place
            self.figures.value = html.escape(
                f"no budget named '{budget}' in ledger {self.ledger.display_url}"
                + (f" (known budgets: {', '.join(names)})" if names else "")
                + "; pick one above or create it below"
            )
            self.figures.add_class("jp-PrivacyBudgetPanel-error")
            with contextlib.suppress(PrivacyError):  # a refused name stays out of the field
                self.new_name.value = check_budget_name(budget)

    @property
    def selected(self) -> str | None:
        return self.picker.value

    def _validate(self) -> bool:
        """Check the new budget's name, ε and δ as typed with the ledger's checks; while one is
        wrong, disable Create and say why (an empty name is a hint, not an error); clear the line
        once all are right."""
        typed = self.new_name.value.strip()
        try:
            name = check_budget_name(typed) if typed else ""
            check_epsilon(self.new_epsilon.value)
            check_delta(self.new_delta.value)
        except PrivacyError as error:
            return self._refuse(error.message)
        if name in self.picker.options:
            return self._refuse(f"budget '{name}' already exists; pick another name")
        if not name:
            self._say("type a name for the new budget")
            self.create_button.disabled = True
            return False
        self._say("")
        self.create_button.disabled = False
        return True

    def _refuse(self, reason: str) -> bool:
        self._say(reason, error=True)
        self.create_button.disabled = True
        return False

    def _say(self, text: str, *, error: bool = False) -> None:
        css = "jp-PrivacyBudgetPanel-error" if error else "jp-PrivacyBudgetPanel-note"
        color = "var(--jp-error-color1)" if error else "var(--jp-ui-font-color2)"
        self.message.value = (
            f"<span class='{css}' style='color: {color}'>{html.escape(text)}</span>" if text else ""
        )

    def create(self) -> Any:
        """Create the budget described by the inputs and select it; on bad input, say why."""
        if not self._validate():
            return None
        try:
            created = self.ledger.create_budget(
                self.new_name.value, self.new_epsilon.value, self.new_delta.value,
                privacy_unit=self.new_unit.value or "one row",
            )  # fmt: skip
        except PrivacyError as error:
            self._say(error.message, error=True)
            return None
        self.picker.options = [b.name for b in self.ledger.budgets()]
        self.picker.value = created.name
        self._say(f"created '{created.name}': ε {created.epsilon_total:g}, "
                  f"δ {created.delta_total:g}, per {created.privacy_unit}")  # fmt: skip
        return created

    def refresh(self) -> None:
        """Re-read the selected budget and redraw the gauge."""
        self.figures.remove_class("jp-PrivacyBudgetPanel-error")
        if self.picker.value is None:
            self.gauge.value = 0.0
            self.figures.value = (
                "no budget picked: pick one above" if self.picker.options
                else "no budgets yet: create one below"
            )  # fmt: skip
            return
        state = self.ledger.budget(self.picker.value)
        self.gauge.value = state.fraction_spent
        self.gauge.bar_style = "danger" if state.fraction_spent >= 0.9 else "info"
        self.figures.value = html.escape(
            f"ε {state.epsilon_spent:.4g} of {state.epsilon_total:.4g} spent, "
            f"{state.epsilon_remaining:.4g} left; δ {state.delta_spent:g} of "
            f"{state.delta_total:g}; {state.release_count} releases; unit: {state.privacy_unit}"
        )
