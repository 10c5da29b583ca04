"""Sidebar latency in a real JupyterLab + headless Chromium (playwright timing).

1. Spend → sidebar: a spend is committed to the ledger (another process, as a kernel would); time
   until the sidebar shows the new ε. Goal ≤ 2 s. Baseline: the panel's 1 s polling interval.
2. Render: the panel re-reads and renders a ledger whose budget has 10,000 releases (the panel pages
   releases, showing the newest 20). Goal ≤ 1 s. Baseline: one authenticated REST call of the same
   run (GET /jupyter-privacy/api/budgets), the floor any panel update pays.

Run: .venv/bin/python benchmarks/labextension.py  (needs /usr/bin/chromium and the built extension)
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.server.testing import (
    PANEL_TAB,
    launch_chromium,
    open_lab,
    start_lab,
)

POLL_S = 1.0
BIG = 10_000
SPENDS = 8


def seed(ledger_url: str) -> None:
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("live", 100.0, privacy_unit="one person")
        ledger.create_budget("big", 1_000_000.0, privacy_unit="one row")
        for i in range(BIG):
            ledger.spend("big", 0.01, value=i, description=f"query {i}", origin="script:seed")


def wait_renders(page, above: int) -> None:
    page.wait_for_function(
        f"Number(document.getElementById('jupyter-privacy-budgets').dataset.renders || 0) > {above}",
        timeout=30_000,
    )


def renders(page) -> int:
    return int(page.eval_on_selector("#jupyter-privacy-budgets", "n => n.dataset.renders || 0"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "work").mkdir()
        ledger_url = f"sqlite:///{base / 'ledger.db'}"
        started = time.perf_counter()
        seed(ledger_url)
        print(f"seeded {BIG:,} releases in {time.perf_counter() - started:.1f} s")
        lab = start_lab(base / "work", ledger_url)
        try:
            rest = []
            for _ in range(10):
                t0 = time.perf_counter()
                lab.api("jupyter-privacy/api/budgets")
                rest.append(time.perf_counter() - t0)
            rest_s = statistics.median(rest)
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                page = open_lab(browser, lab)
                page.click(PANEL_TAB)
                page.wait_for_selector('section[data-budget="big"] .jp-PrivacyRelease')
                renders_s = []
                for _ in range(5):
                    count = renders(page)
                    t0 = time.perf_counter()
                    page.click(".jp-PrivacyPanel-refresh")
                    wait_renders(page, count)
                    renders_s.append(time.perf_counter() - t0)
                latencies = []
                with open_ledger(ledger_url) as ledger:
                    for i in range(SPENDS):
                        ledger.spend("live", 0.5, value=i, description=f"bench {i}")
                        t0 = time.perf_counter()
                        figures = f"{ledger.budget('live').epsilon_spent:.2f} / 100.00"
                        page.wait_for_function(
                            "t => [...document.querySelectorAll("
                            "'section[data-budget=\"live\"] .jp-PrivacyBudget-epsilon')]"
                            ".some(n => n.textContent === t)",
                            arg=figures,
                            timeout=30_000,
                        )
                        latencies.append(time.perf_counter() - t0)
                        time.sleep(0.37 * (i % 3))  # land at different points of the poll cycle
                browser.close()
        finally:
            lab.stop()
    render_med, render_max = statistics.median(renders_s), max(renders_s)
    lat_med, lat_max = statistics.median(latencies), max(latencies)
    print(f"REST GET /budgets (baseline): median {rest_s * 1000:.1f} ms")
    print(
        f"panel refresh+render, {BIG:,}-release budget: median {render_med:.3f} s, "
        f"max {render_max:.3f} s = {render_med / rest_s:.0f}x the REST baseline (goal <= 1 s)"
    )
    print(
        f"spend -> sidebar shows it: median {lat_med:.3f} s, max {lat_max:.3f} s "
        f"= {lat_max / POLL_S:.2f}x the {POLL_S:.0f} s poll interval (goal <= 2 s)"
    )


if __name__ == "__main__":
    main()
