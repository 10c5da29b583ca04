"""A viewer (the server's authorizer refuses `write` on jupyter_privacy) sees every budget, the
dashboard and the integrity, but no create or raise action, and the routes refuse them too."""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.server.testing import PANEL_TAB, LabServer, screenshot, start_lab

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    base = tmp_path_factory.mktemp("viewer-lab")
    (base / "work").mkdir()
    ledger_url = f"sqlite:///{base / 'ledger.db'}"
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("pilot", 1.0, privacy_unit="one person")
        ledger.spend("pilot", 0.25, value=1, description="seeded count", origin="script:seed")
    server = start_lab(
        base / "work", ledger_url,
        extra_args=("--ServerApp.authorizer_class=jupyter_privacy.server.testing.ViewerAuthorizer",),
    )  # fmt: skip
    yield server
    server.stop()


def test_a_viewer_gets_no_create_or_raise(page, lab: LabServer) -> None:
    page.click(PANEL_TAB)
    row = page.locator('.jp-PrivacyBudget[data-budget="pilot"]')
    expect(row.locator(".jp-PrivacyBudget-epsilon")).to_have_text("ε 0.25 / 1", timeout=20_000)
    expect(page.locator(".jp-PrivacyPanel-viewOnly")).to_contain_text("View only")
    expect(page.locator(".jp-PrivacyPanel-create")).to_be_hidden()
    row.locator(".jp-PrivacyBudget-toggle").click()
    expect(row.locator(".jp-PrivacyBudget-open")).to_be_visible(timeout=20_000)
    expect(row.locator(".jp-PrivacyBudget-raise")).to_have_count(0)
    screenshot(page, "sidebar-viewer")
    for path, body in (("budgets", {"name": "mine", "epsilon": 1}),
                       ("budgets/pilot/raise", {"epsilon": 5, "reason": "x"})):  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as refused:
            lab.api(f"jupyter-privacy/api/{path}", "POST", body)
        assert refused.value.code == 403
        assert "not allowed" in json.loads(refused.value.read())["message"]
    with open_ledger(lab.ledger_url) as ledger:
        assert [b.name for b in ledger.budgets()] == ["pilot"]
        assert ledger.budget("pilot").epsilon_total == 1.0
