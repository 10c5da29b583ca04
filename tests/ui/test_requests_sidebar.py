"""The "Data requests" sidebar in a real JupyterLab (headless Debian Chromium): an owner reads a
pending request's code and accuracy previews, approves one with a reason, fails to deny one without
a reason, then denies it; the ledger records each decision with its actor. No private value ever
reaches the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.ledger.provenance import current_actor
from jupyter_privacy.core.requests.workflow import submit_request
from jupyter_privacy.server.testing import LabServer, open_lab, screenshot, start_lab
from jupyter_privacy.testing.requests import (
    HONEST,
    SCIENTIST,
    SENTINEL_NAME,
    SENTINEL_WAGE,
    honest_plan,
    register_people,
)

pytestmark = [pytest.mark.ui, pytest.mark.slow]

TAB = 'li[data-id="jupyter-privacy-requests"]'


@pytest.fixture(scope="module")
def requests_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    base = tmp_path_factory.mktemp("requests-lab")
    root = base / "work"
    root.mkdir()
    url = f"sqlite:///{base / 'ledger.db'}"
    with open_ledger(url) as ledger:
        register_people(ledger, base / "owner" / "people.csv", base / "store")
        for title in ("counts by region", "another look"):
            submit_request(ledger, HONEST, dataset="people", plan=honest_plan(), title=title,
                           actor=SCIENTIST)  # fmt: skip
    server = start_lab(root, url)
    yield server
    server.stop()


def item(page, title: str):
    return page.locator(".jp-PrivacyRequest", has_text=title)


def test_an_owner_reviews_approves_and_denies_in_the_sidebar(
    browser, requests_lab: LabServer
) -> None:
    page = open_lab(browser, requests_lab)
    try:
        page.click(TAB)
        first = item(page, "counts by region")
        expect(first.locator(".jp-PrivacyRequest-status")).to_have_text("pending", timeout=30_000)
        expect(page.locator(".jp-PrivacyRequests-counts")).to_have_text("2 pending, 2 in all")
        first.locator(".jp-PrivacyRequest-toggle").click()
        expect(first.locator(".jp-PrivacyRequest-code")).to_contain_text("def analysis(data):",
                                                                         timeout=30_000)  # fmt: skip
        expect(first.locator(".jp-PrivacyRequest-preview").first).to_contain_text("± at α=0.05")
        expect(first.locator(".jp-PrivacyRequest-budget")).to_contain_text("has ε 3 left")
        screenshot(page, "requests-review")
        first.locator(".jp-PrivacyRequest-reason").fill("aggregates only")
        first.locator(".jp-PrivacyRequest-approve").click()
        expect(page.locator(".jp-PrivacyRequests-message")).to_contain_text("approved",
                                                                            timeout=30_000)  # fmt: skip
        expect(first.locator(".jp-PrivacyRequest-status")).to_have_text("approved")

        second = item(page, "another look")
        second.locator(".jp-PrivacyRequest-toggle").click()
        second.locator(".jp-PrivacyRequest-deny").click(timeout=30_000)
        expect(page.locator(".jp-PrivacyRequests-message")).to_contain_text("needs a reason",
                                                                            timeout=30_000)  # fmt: skip
        second.locator(".jp-PrivacyRequest-reason").fill("please group by region only")
        second.locator(".jp-PrivacyRequest-deny").click()
        expect(second.locator(".jp-PrivacyRequest-status")).to_have_text("denied", timeout=30_000)
        screenshot(page, "requests-decided")
        content = page.content()
        assert SENTINEL_NAME not in content and SENTINEL_WAGE not in content
    finally:
        page.close()
    with open_ledger(requests_lab.ledger_url) as ledger:
        decisions = [(e.event, e.actor, e.details["reason"]) for e in
                     reversed(ledger.event_log("request")) if e.event != "request.submitted"]  # fmt: skip
    assert decisions == [("request.approved", current_actor(), "aggregates only"),
                         ("request.denied", current_actor(), "please group by region only")]  # fmt: skip
    assert Path(requests_lab.log_path).is_file()
