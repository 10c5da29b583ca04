"""One real JupyterLab and one headless Chromium per module; each test gets a fresh page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.server.testing import (
    LabServer,
    launch_chromium,
    open_lab,
    start_lab,
    write_template,
)

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    base = tmp_path_factory.mktemp("lab")
    root, templates = base / "work", base / "templates"
    root.mkdir()
    write_template(templates, "dp-analytics", "epsilon = 1.0  # total budget\n", "DP analytics")
    ledger_url = f"sqlite:///{base / 'ledger.db'}"
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("pilot", 1.0, 1e-5, privacy_unit="one person")
        ledger.spend("pilot", 0.25, value=10, description="seeded count", origin="script:seed")
        ledger.create_budget("other", 5.0, privacy_unit="one household")
    server = start_lab(root, ledger_url, templates)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, lab: LabServer) -> Iterator[object]:
    opened = open_lab(browser, lab)
    yield opened
    opened.close()


def root_of(lab: LabServer) -> Path:
    return lab.root
