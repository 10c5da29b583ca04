"""The budget dashboard, the sidebar, the status bar and notebook charts in a real JupyterLab,
driven by headless Debian Chromium. Offline: the Vega runtime is the extension's own.

One Lab for the module, with a team's ledger (four budgets, releases from two notebooks and a
script by three people). Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.server.browser_checks import DARK, LIGHT, contrast_ratios, ink, use_theme
from jupyter_privacy.server.testing import (
    PANEL_TAB,
    SCREENSHOTS,
    LabServer,
    screenshot,
    start_lab,
)

pytestmark = [pytest.mark.ui, pytest.mark.slow]

DASHBOARD = ".jp-PrivacyDashboard"
CHART = ".jp-PrivacyDashboard-chart"
ROWS = ".jp-PrivacyDashboard-release"
AA = 4.5  # WCAG 2 AA, normal-size text


def notebook_json(cells: list[str]) -> dict:
    return {
        "type": "notebook",
        "content": {
            "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
            "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": source,
                       "outputs": [], "execution_count": None} for i, source in enumerate(cells)],
        },
    }  # fmt: skip


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    base = tmp_path_factory.mktemp("team-lab")
    root = base / "work"
    (root / "analysis").mkdir(parents=True)
    ledger_url = f"sqlite:///{base / 'ledger.db'}"
    wages = root / "analysis" / "wages.ipynb"
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("census-2026", 2.0, privacy_unit="one household")
        ledger.create_budget("pilot-model", 4.0, 1e-5, privacy_unit="one person")
        ledger.create_budget("live", 100.0, privacy_unit="one person")
        ledger.create_budget("pilot-analytics", 1.0, privacy_unit="one person")
        for i in range(14):
            ledger.spend(
                "pilot-analytics", 0.05, value=i, description=f"mean wage by region {i}",
                origin=f"notebook:{wages}#cell={i}", actor="ana" if i % 2 else "bo",
                mechanism="Laplace (OpenDP)",
            )  # fmt: skip
        ledger.spend("pilot-model", 2.9, value=0, description="DP-SGD model",
                     mechanism="DP-SGD (TF Privacy)", origin="script:train.py", actor="carla")  # fmt: skip
        ledger.spend("census-2026", 0.3, value=0, description="household count",
                     origin=f"notebook:{root / 'census.ipynb'}", actor="dev")  # fmt: skip
    server = start_lab(root, ledger_url)
    server.api("api/contents/analysis/wages.ipynb", "PUT", notebook_json(["print('wages')"]))
    yield server
    server.stop()


def open_dashboard(page) -> None:
    page.click(PANEL_TAB)
    page.click(".jp-PrivacyPanel-dashboard")
    wait_for_charts(page)


def wait_for_charts(page, count: int = 4) -> None:
    expect(page.locator(DASHBOARD)).to_be_visible(timeout=30_000)
    try:
        page.wait_for_function(
            f"document.querySelectorAll('{CHART}[data-chart-drawn] svg.marks').length >= {count}",
            timeout=60_000,
        )
    except Exception:
        screenshot(page, "dashboard-charts-missing")
        raise


def renders(page) -> int:
    return int(page.eval_on_selector(DASHBOARD, "n => Number(n.dataset.renders || 0)"))


def chart_ink(page, name: str) -> float:
    card = page.locator(f'.jp-PrivacyDashboard-card[data-chart="{name}"] {CHART}')
    return ink(page, card.screenshot())


def test_dashboard_opens_from_sidebar_launcher_and_palette(page) -> None:
    open_dashboard(page)
    assert page.locator(".lm-TabBar-tab", has_text="Privacy budgets").count() == 1
    page.locator(".lm-TabBar-tab.jp-mod-current .lm-TabBar-tabCloseIcon").click()
    expect(page.locator(DASHBOARD)).to_have_count(0)

    page.keyboard.press("Control+Shift+L")  # the launcher's card
    card = page.locator(
        '.jp-LauncherCard[data-category="Privacy pilot"]:visible', has_text="Budget dashboard"
    )
    card.first.click()
    wait_for_charts(page)
    page.locator(".lm-TabBar-tab.jp-mod-current .lm-TabBar-tabCloseIcon").click()

    page.keyboard.press("Control+Shift+C")  # the command palette
    page.keyboard.type("Open the privacy budget dashboard")
    expect(page.locator(".lm-CommandPalette-item.lm-mod-active")).to_contain_text("dashboard")
    page.keyboard.press("Enter")
    wait_for_charts(page)


def test_charts_render_offline_in_light_and_dark(page) -> None:
    open_dashboard(page)
    for name in ("budgets", "by_person", "timeline", "by_notebook"):
        assert chart_ink(page, name) > 0.02, name  # something drawn, not a blank box
    screenshot(page, "dashboard-light")
    label = page.locator(f"{CHART} svg.marks text").first
    light_fill = label.evaluate("n => getComputedStyle(n).fill")
    try:
        drawn = page.eval_on_selector(CHART, "n => Number(n.dataset.chartDrawn)")
        use_theme(page, DARK)
        page.wait_for_function(
            f"Number(document.querySelector('{CHART}').dataset.chartDrawn) > {drawn}",
            timeout=30_000,
        )  # redrawn in the dark theme's colours
        wait_for_charts(page)
        for name in ("budgets", "by_person", "timeline", "by_notebook"):
            assert chart_ink(page, name) > 0.02, name
        dark_fill = page.locator(f"{CHART} svg.marks text").first.evaluate(
            "n => getComputedStyle(n).fill"
        )
        assert dark_fill != light_fill  # axis text follows the theme, not black on dark
        screenshot(page, "dashboard-dark")
    finally:
        use_theme(page, LIGHT)


def test_filter_sort_and_narrowing(page) -> None:
    open_dashboard(page)
    rows = page.locator(ROWS)
    expect(rows).to_have_count(16)
    page.fill(".jp-PrivacyDashboard-filter", "region 1")  # region 1, 10 … 13
    expect(rows).to_have_count(5)
    expect(page.locator(".jp-PrivacyDashboard-paging")).to_have_text("1–5 of 5")
    page.fill(".jp-PrivacyDashboard-filter", "")
    expect(rows).to_have_count(16)

    page.click('.jp-PrivacyDashboard-sort[data-sort="epsilon"]')  # largest ε first
    expect(rows.first.locator('td[data-column="epsilon"]')).to_have_text("2.9")
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("ε")
    page.click('.jp-PrivacyDashboard-sort[data-sort="epsilon"]')
    expect(rows.first.locator('td[data-column="epsilon"]')).to_have_text("0.05")
    page.click('.jp-PrivacyDashboard-sort[data-sort="actor"]')
    expect(rows.first.locator('td[data-column="actor"]')).to_have_text("ana")

    before = renders(page)
    page.select_option(".jp-PrivacyDashboard-picker", "census-2026")  # narrow to one budget
    page.wait_for_function(
        f"Number(document.querySelector('{DASHBOARD}').dataset.renders) > {before}"
    )
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("household count")
    wait_for_charts(page)
    bars = page.locator(
        '.jp-PrivacyDashboard-card[data-chart="budgets"] svg text', has_text="pilot-model"
    )
    expect(bars).to_have_count(0)  # the other budgets left the charts too
    screenshot(page, "dashboard-one-budget")
    page.select_option(".jp-PrivacyDashboard-picker", "")
    expect(rows).to_have_count(16)


def test_live_update_after_a_spend_from_another_process(page, lab: LabServer) -> None:
    open_dashboard(page)
    latencies = []
    for i in range(5):
        spend = subprocess.run(
            [sys.executable, "-m", "jupyter_privacy.cli", "budget", "spend", "live",
             "--epsilon", "0.5", "--description", f"nightly job {i}", "--ledger", lab.ledger_url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        committed = time.perf_counter()
        assert "spent" in spend.stdout
        expect(page.locator(ROWS).first).to_contain_text(f"nightly job {i}", timeout=15_000)
        latencies.append(time.perf_counter() - committed)
        time.sleep(0.3 * i)  # land at different points of the 1 s poll
    expect(
        page.locator('.jp-PrivacyBudget[data-budget="live"] .jp-PrivacyBudget-epsilon')
    ).to_have_text("ε 2.5 / 100")
    assert statistics.median(latencies) <= 2.0, latencies


def test_text_contrast_passes_aa_in_light_and_dark(page) -> None:
    open_dashboard(page)
    page.click('.jp-PrivacyBudget[data-budget="pilot-analytics"] .jp-PrivacyBudget-toggle')
    expect(page.locator(".jp-PrivacyRelease").first).to_be_visible(timeout=15_000)
    selectors = ", ".join([
        ".jp-PrivacyIntegrity", ".jp-PrivacyBudget-name", ".jp-PrivacyBudget-remaining",
        ".jp-PrivacyBudget-epsilon", ".jp-PrivacyBudget-used", ".jp-PrivacyBudget-figures dt",
        ".jp-PrivacyBudget-figures dd", ".jp-PrivacyRelease-id", ".jp-PrivacyRelease-epsilon",
        ".jp-PrivacyRelease-description", ".jp-PrivacyRelease-actor", ".jp-PrivacyRelease-notebook",
        ".jp-PrivacyRelease-time", ".jp-PrivacyPanel-ledger", ".jp-PrivacyDashboard-updated",
        ".jp-PrivacyDashboard-head", ".jp-PrivacyDashboard-table td", ".jp-PrivacyDashboard-sort",
        ".jp-PrivacyDashboard-paging",
    ])  # fmt: skip
    try:
        for theme in (LIGHT, DARK):
            use_theme(page, theme)
            measured = contrast_ratios(page, selectors)
            assert len(measured) > 40
            badge = contrast_ratios(page, ".jp-PrivacyIntegrity")
            assert badge and all(b["ratio"] >= AA for b in badge), (theme, badge)
            failing = [m for m in measured if m["ratio"] < AA]
            assert not failing, (theme, failing[:5])
            screenshot(page, f"sidebar-{'dark' if theme == DARK else 'light'}")
    finally:
        use_theme(page, LIGHT)


def test_a_release_opens_its_notebook(page) -> None:
    page.click(PANEL_TAB)
    page.click('.jp-PrivacyBudget[data-budget="pilot-analytics"] .jp-PrivacyBudget-toggle')
    release = page.locator(".jp-PrivacyRelease").first
    expect(release.locator(".jp-PrivacyRelease-id")).to_have_text(
        "#18"
    )  # entry ids shown (4 creates, then 14 releases)
    expect(release.locator(".jp-PrivacyRelease-actor")).to_have_text("ana")  # who, not on hover
    release.locator(".jp-PrivacyRelease-notebook").click()
    expect(page.locator(".lm-TabBar-tab.jp-mod-current", has_text="wages.ipynb")).to_be_visible(
        timeout=30_000
    )


def test_sidebar_rows_are_recent_first_filterable_and_keyboard_driven(page) -> None:
    page.click(PANEL_TAB)
    names = page.locator(".jp-PrivacyBudget-name")
    expect(names.first).to_be_visible(timeout=20_000)
    order = names.all_inner_texts()
    assert order.index("census-2026") < order.index("pilot-analytics")  # most recently used first
    page.fill(".jp-PrivacyPanel-filter", "model")
    expect(page.locator(".jp-PrivacyBudget:visible")).to_have_count(1)
    page.fill(".jp-PrivacyPanel-filter", "")
    first = page.locator(".jp-PrivacyBudget-toggle").first
    first.focus()
    page.keyboard.press("ArrowDown")
    second = page.locator(".jp-PrivacyBudget-toggle").nth(1)
    expect(second).to_be_focused()
    page.keyboard.press("Enter")
    expect(second).to_have_attribute("aria-expanded", "true")
    assert "left" in second.get_attribute("aria-label")


def test_create_and_raise_a_budget_with_confirmation(page, lab: LabServer) -> None:
    page.click(PANEL_TAB)
    page.click(".jp-PrivacyPanel-create")
    dialog = page.locator(".jp-Dialog")
    dialog.locator('input[name="name"]').fill("survey 2027")  # a name the ledger refuses
    dialog.locator('input[name="epsilon"]').fill("1.5")
    dialog.locator('input[name="privacy_unit"]').fill("one respondent")
    dialog.locator(".jp-mod-accept").click()
    expect(page.locator(".jp-Dialog")).to_contain_text('Create budget "survey 2027"')
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(page.locator(".jp-Dialog")).to_contain_text("not allowed")  # the server's sentence
    page.locator(".jp-Dialog .jp-mod-reject").click()  # close it: the form comes back as typed
    name = page.locator('.jp-Dialog input[name="name"]')
    expect(name).to_have_value("survey 2027")
    name.fill("survey-2027")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    screenshot(page, "create-budget-confirm")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    row = page.locator('.jp-PrivacyBudget[data-budget="survey-2027"]')
    expect(row.locator(".jp-PrivacyBudget-epsilon")).to_have_text("ε 0 / 1.5", timeout=15_000)
    with open_ledger(lab.ledger_url) as ledger:
        assert ledger.budget("survey-2027").privacy_unit == "one respondent"

    expect(row.locator(".jp-PrivacyBudget-toggle")).to_have_attribute("aria-expanded", "true")
    row.locator(".jp-PrivacyBudget-raise").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator('input[name="epsilon"]').fill("3")
    dialog.locator('input[name="reason"]').fill("approved by the DPO, ticket 42")
    dialog.locator(".jp-mod-accept").click()
    expect(page.locator(".jp-Dialog")).to_contain_text("from ε 1.5 to ε 3")
    page.locator(".jp-Dialog .jp-mod-reject").click()  # cancelled: nothing recorded
    with open_ledger(lab.ledger_url) as ledger:
        assert ledger.budget("survey-2027").epsilon_total == 1.5
    row.locator(".jp-PrivacyBudget-raise").click()
    page.locator('.jp-Dialog input[name="epsilon"]').fill("3")
    page.locator('.jp-Dialog input[name="reason"]').fill("approved by the DPO, ticket 42")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(row.locator(".jp-PrivacyBudget-epsilon")).to_have_text("ε 0 / 3", timeout=15_000)
    with open_ledger(lab.ledger_url) as ledger:
        events = ledger.events("survey-2027")
    assert events[-1]["kind"] == "raise"
    assert events[-1]["description"] == "approved by the DPO, ticket 42"


def test_status_bar_shows_the_notebooks_budget_or_none(page, lab: LabServer) -> None:
    from jupyter_privacy.widgets.testing import accept_kernel_dialog

    lab.api("api/contents/fresh.ipynb", "PUT", notebook_json(["1 + 1"]))
    page.goto(lab.lab_url("lab/tree/fresh.ipynb"), wait_until="domcontentloaded")
    accept_kernel_dialog(page)
    status = page.locator(".jp-PrivacyStatus")
    expect(status).to_have_text("Privacy: no budget yet", timeout=30_000)  # not another's budget
    screenshot(page, "status-no-budget")
    page.goto(lab.lab_url("lab/tree/analysis/wages.ipynb"), wait_until="domcontentloaded")
    accept_kernel_dialog(page)
    expect(status).to_have_text("pilot-analytics · ε 0.7 / 1", timeout=30_000)
    expect(status).to_have_attribute("data-budget", "pilot-analytics")
    screenshot(page, "status-with-budget")


def test_a_notebook_with_many_charts_draws_them_all_in_light_and_dark(page, lab: LabServer) -> None:
    """`use_offline_renderer()` outputs: one shared Vega runtime, every chart drawn, no script."""
    import nbformat
    from nbclient import NotebookClient

    cells = [nbformat.v4.new_code_cell(
        "import altair as alt, pandas as pd\n"
        "from jupyter_privacy.charts import use_offline_renderer\n"
        "use_offline_renderer()"
    )]  # fmt: skip
    cells += [
        nbformat.v4.new_code_cell(
            f"alt.Chart(pd.DataFrame({{'x': range(20), 'y': [(i * {k}) % 7 for i in range(20)]}}),"
            f" title='chart {k}').mark_line().encode(x='x', y='y')"
        )
        for k in range(12)
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    nbformat.write(notebook, lab.root / "charts.ipynb")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(lab.lab_url("lab/tree/charts.ipynb"), wait_until="domcontentloaded")
    drawn = ".jp-PrivacyVegaLite6[data-chart-drawn] svg.marks"
    page.wait_for_function(f"document.querySelectorAll('{drawn}').length === 12", timeout=60_000)
    outputs = page.locator(".jp-OutputArea-output")
    assert outputs.locator("img").count() == 0  # the extension drew them, not the SVG fallback
    assert not [e for e in errors if "already been declared" in e]
    lines = page.evaluate(
        "[...document.querySelectorAll('.jp-PrivacyVegaLite6 svg.marks')].map(svg => "
        "[...svg.querySelectorAll('path')].filter(p => (p.getAttribute('d') || '').length > 20).length)"
    )
    assert len(lines) == 12 and min(lines) >= 1, lines  # each chart drew its line
    last = page.locator(".jp-PrivacyVegaLite6").first
    assert ink(page, last.screenshot()) > 0.005  # a blank output area measures 0
    screenshot(page, "notebook-many-charts-light")
    light_fill = last.locator("svg.marks text").first.evaluate("n => getComputedStyle(n).fill")
    try:
        use_theme(page, DARK)
        page.wait_for_function(
            "[...document.querySelectorAll('.jp-PrivacyVegaLite6')].every(n => "
            "Number(n.dataset.chartDrawn) >= 2)", timeout=60_000,
        )  # fmt: skip
        assert ink(page, last.screenshot()) > 0.005
        dark_fill = last.locator("svg.marks text").first.evaluate("n => getComputedStyle(n).fill")
        assert dark_fill != light_fill
        screenshot(page, "notebook-many-charts-dark")
    finally:
        use_theme(page, LIGHT)


LANE = ".jp-PrivacyDashboard-lane"
LANE_SENTINEL = "Zq9-SENTINEL-4410"


def test_the_high_risk_lane_is_shown_apart(page, lab: LabServer, as_user) -> None:
    """Empty on the team's plain ledger; then a budget marked high-risk, approved by alice and spent
    by bob appears live with its approval record, readable in both themes; a refused `access`
    route is one line. Last in the module: it adds a budget and a release."""
    from jupyter_privacy.core.ledger import access, highrisk
    from jupyter_privacy.core.ledger.provenance import origin_scope

    open_dashboard(page)
    expect(page.locator(LANE)).to_have_attribute("data-state", "empty", timeout=15_000)
    expect(page.locator(LANE)).to_contain_text("No high-risk budgets or datasets")

    with open_ledger(lab.ledger_url) as ledger:
        ledger.create_budget("faces", 2.0, privacy_unit="one person")
        access.grant(ledger, "faces", "user:bob")
        highrisk.mark_high_risk(ledger, budget="faces", reason="face matching: EU Annex III")
        approval = highrisk.approve(ledger, "faces", spender="user:bob", epsilon=0.5,
                                    reason="match batch 7")  # fmt: skip
        as_user("bob")
        with origin_scope("notebook:lanes/faces.ipynb#cell=c1"):
            ledger.spend("faces", 0.2, value=LANE_SENTINEL, description="match rate, batch 7")

    lane = page.locator(LANE)
    expect(lane).to_have_attribute("data-state", "lane", timeout=15_000)  # refreshed live
    expect(lane.locator(".jp-PrivacyDashboard-laneMarker")).to_have_text("High risk")
    budget_row = lane.locator('table[data-lane="budgets"] .jp-PrivacyDashboard-laneRow')
    expect(budget_row).to_have_count(1)
    expect(budget_row.locator('td[data-column="Budget"]')).to_have_text("faces")
    expect(budget_row.locator('td[data-column="Owners"]')).to_have_text("user:alice")
    expect(budget_row.locator('td[data-column="Spenders"]')).to_have_text("user:bob")
    spend = lane.locator('table[data-lane="spends"] .jp-PrivacyDashboard-laneRow')
    expect(spend).to_have_count(1)
    expect(spend.locator('td[data-column="Approved by"]')).to_have_text("alice")
    expect(spend.locator('td[data-column="Approval"]')).to_have_text(f"#{approval.id}")
    expect(spend.locator('td[data-column="Who"]')).to_have_text("bob")
    expect(spend.locator('td[data-column="From where"]')).to_contain_text("lanes/faces.ipynb")
    expect(spend.locator('td[data-column="Code"]')).to_have_text(re.compile(r"^[0-9a-f]{12}…$"))
    assert LANE_SENTINEL not in page.content()  # names, ids and digests: never the value

    page.select_option(".jp-PrivacyDashboard-picker", "census-2026")  # narrows with the rest
    expect(lane).to_contain_text("not in the high-risk lane")
    page.select_option(".jp-PrivacyDashboard-picker", "")
    expect(spend).to_have_count(1)
    lane_text = ", ".join(f"{LANE} {s}" for s in ("th", "td", ".jp-PrivacyDashboard-cardTitle",
                                                    ".jp-PrivacyDashboard-laneMarker"))  # fmt: skip
    try:
        for theme in (LIGHT, DARK):
            use_theme(page, theme)
            measured = contrast_ratios(page, lane_text)
            assert len(measured) > 15
            failing = [m for m in measured if m["ratio"] < AA]
            assert not failing, (theme, failing[:5])
            lane.screenshot(
                path=SCREENSHOTS / f"dashboard-lane-{'dark' if theme == DARK else 'light'}.png"
            )
    finally:
        use_theme(page, LIGHT)

    page.route("**/jupyter-privacy/api/access*", lambda route: route.fulfill(
        status=403, content_type="application/json",
        body='{"error": "access_denied", "message": "not an owner"}'))  # fmt: skip
    page.click(".jp-PrivacyDashboard-refresh")
    expect(lane).to_have_attribute("data-state", "error")
    expect(lane.locator(".jp-PrivacyDashboard-laneError")).to_have_text(
        "The high-risk lane is not available: not an owner"
    )
    expect(page.locator(ROWS).first).to_contain_text("match rate, batch 7")  # the rest still works
    assert page.locator(".jp-PrivacyDashboard-message").is_hidden()
