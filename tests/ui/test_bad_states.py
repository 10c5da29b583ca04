"""The panel never shows a blank: no ledger yet → how to create a budget; corrupt → the error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.server.testing import PANEL_TAB, LabServer, screenshot, start_lab

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    base = tmp_path_factory.mktemp("empty-lab")
    (base / "work").mkdir()
    server = start_lab(base / "work", f"sqlite:///{base / 'no-ledger-yet.db'}")
    yield server
    server.stop()


def test_no_ledger_then_a_budget_then_a_corrupt_file(page, lab: LabServer) -> None:
    page.click(PANEL_TAB)
    expect(page.locator(".jp-PrivacyPanel-hint")).to_contain_text("budget create", timeout=20_000)
    screenshot(page, "no-ledger-yet")

    with open_ledger(lab.ledger_url) as ledger:  # someone creates a budget: no reload needed
        ledger.create_budget("fresh", 2.0, privacy_unit="one household")
    card = page.locator('.jp-PrivacyBudget[data-budget="fresh"]')
    expect(card.locator(".jp-PrivacyBudget-epsilon")).to_have_text("ε 0 / 2", timeout=10_000)
    expect(page.locator(".jp-PrivacyPanel-hint")).to_have_count(0)

    path = Path(lab.ledger_url.removeprefix("sqlite:///"))
    for leftover in path.parent.glob(path.name + "-*"):  # WAL files would keep the old pages
        leftover.unlink()
    path.write_bytes(b"not a database at all " * 200)
    page.click(".jp-PrivacyPanel-refresh")
    error = page.locator(".jp-PrivacyPanel-error")
    expect(error).to_contain_text("cannot be read", timeout=10_000)
    expect(error.locator(".jp-PrivacyPanel-errorMessage")).not_to_be_empty()
    screenshot(page, "corrupt-ledger")
