"""The HTML a notebook shows for a release or a preview: the released values and their accuracy
under a caption with the cost, the budget left, replay and the privacy settings, all escaped."""

from __future__ import annotations

import pandas as pd
from bs4 import BeautifulSoup
from IPython.lib.pretty import pretty

from jupyter_privacy.core.queries.release import format_number
from jupyter_privacy.core.reports.raw_data_scan import RawDataScanner

GROUPED = "SELECT region, COUNT(*) AS n, AVG(income) FROM t GROUP BY region"


def tables(html: str) -> list[dict]:
    """Each table's caption text, column headers and rows of cell texts (unescaped)."""
    soup = BeautifulSoup(html, "html.parser")
    return [
        {
            "caption": table.caption.get_text(" ", strip=True),
            "headers": [th.get_text() for th in table.thead.find_all("th")],
            "rows": [
                [c.get_text() for c in tr.find_all(["th", "td"])]
                for tr in table.tbody.find_all("tr")
            ],
        }
        for table in soup.find_all("table")
    ]


def notes(html: str) -> str:
    return BeautifulSoup(html, "html.parser").ul.get_text(" ")


def test_grouped_release_has_one_row_per_value_with_group_columns_first(make_table):
    release = make_table().query(GROUPED, 1.0)
    values, statistics = tables(release._repr_html_())
    assert values["headers"] == ["region", "statistic", "value", "± at α=0.05", "95% interval"]
    expected = [
        [*item.group, item.statistic, format_number(item.value), format_number(item.plus_minus),
         f"[{format_number(item.low)}, {format_number(item.high)}]"]
        for item in release.values
    ]  # fmt: skip
    assert values["rows"] == expected and len(expected) == 8
    caption = values["caption"]
    assert "spent ε 1, δ 0" in caption and "budget study" in caption
    assert f"ε remaining 9; ledger entry {release.entry_id}." in caption
    assert statistics["headers"] == ["statistic", "ε", "mechanism", "noise scale"]
    count, mean = statistics["rows"]
    assert count == ["n", "0.5", "Integer Laplace", "2"]  # 1 / ε: OpenDP's 2.000…, six digits
    sum_scale, count_scale = (c.scale for c in release.statistics[1].components)
    assert mean[:3] == ["mean_income", "0.5", "Float Laplace + Integer Laplace"]
    assert mean[3] == f"sum {format_number(sum_scale)}; count {format_number(count_scale)}"
    text = notes(release._repr_html_())
    assert "n 0.5; mean_income 0.5" in text and "one person (≤ 1 rows each)" in text
    assert "α = 0.05" in text and "95% confidence" in text


def test_ungrouped_release_puts_cost_and_noise_on_each_row(make_table):
    release = make_table().query("SELECT COUNT(*) AS n, MEDIAN(age) FROM t", 1.0, alpha=0.1)
    [table] = tables(release._repr_html_())
    assert table["headers"] == ["statistic", "value", "± at α=0.1", "90% interval", "ε",
                                "mechanism", "noise scale"]  # fmt: skip
    count, median = table["rows"]
    assert count[0] == "n" and count[2] == format_number(release.values[0].plus_minus)
    assert median[0] == "median_age" and median[2:4] == ["-", "-"]  # OpenDP gives no interval
    assert median[5] == release.statistics[1].mechanism


def test_replay_says_nothing_was_spent_now(make_table):
    table = make_table()
    first = table.query("SELECT COUNT(*) FROM t", 0.5)
    again = table.query("SELECT COUNT(*) FROM t", 0.5)
    assert again.replayed
    caption = tables(again._repr_html_())[0]["caption"]
    assert caption.startswith("Replayed: nothing spent now.")
    assert f"ledger entry {first.entry_id} (it cost ε 0.5, δ 0 when first drawn)" in caption
    assert "ε remaining 9.5" in caption and "Fresh draw" not in caption


def test_preview_says_nothing_spent_and_shows_opendp_accuracy(make_table):
    preview = make_table().preview("SELECT COUNT(*), SUM(income) FROM t", 1.0, alpha=0.05)
    [table] = tables(preview._repr_html_())
    assert table["caption"].startswith("Preview: nothing spent.")
    assert "would spend ε 1, δ 0 from budget study" in table["caption"]
    assert table["headers"] == ["statistic", "ε", "mechanism", "noise scale", "± at α=0.05"]
    assert [row[-1] for row in table["rows"]] == [
        format_number(s.accuracy) for s in preview.statistics
    ]
    assert "value" not in table["headers"]


def test_group_keys_privacy_unit_and_query_text_are_escaped(ledger, frame):
    from jupyter_privacy.core.queries import PrivateTable

    keys = ["<b>x</b>", "a&b", "north", "south"]
    data = frame.assign(region=[keys[i % 4] for i in range(len(frame))])
    ledger.create_budget("b", 2.0, privacy_unit="<script>unit</script>")
    table = PrivateTable(data, budget="b", ledger=ledger, keys={"region": keys},
                         bounds={"income": (0, 100_000)}, max_rows=1000)  # fmt: skip
    release = table.query("SELECT region, COUNT(*) FROM t WHERE region <> '<b>' GROUP BY region", 1)
    html = release._repr_html_()
    for raw in ("<b>x</b>", "<script>", "a&b", "'<b>'"):
        assert raw not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "a&amp;b" in html
    assert "&lt;script&gt;unit&lt;/script&gt;" in html and "&lt;&gt; &#x27;&lt;b&gt;&#x27;" in html
    values = tables(html)[0]
    assert sorted(row[0] for row in values["rows"]) == sorted(keys)  # the text reads as typed


def test_plain_text_front_ends_show_the_text_table(make_table):
    table = make_table()
    release = table.query("SELECT COUNT(*) FROM t", 0.5)
    preview = table.preview("SELECT COUNT(*) FROM t", 0.5)
    assert pretty(release) == str(release) and pretty(preview) == str(preview)


def test_raw_data_scanner_does_not_flag_a_release_but_flags_raw_rows(make_table, frame):
    """Control first: the same scanner finds raw rows printed as HTML, so the negative can fail."""
    scanner = RawDataScanner(frame)
    assert scanner.scan_text(frame.head().to_html(), "raw.html")
    table = make_table()
    for sql in (GROUPED, "SELECT COUNT(*), AVG(income), SUM(age), MEDIAN(income) FROM t"):
        release = table.query(sql, 1.0)
        assert scanner.scan_text(release._repr_html_(), "release.html") == []
        assert isinstance(release.to_pandas(), pd.DataFrame)


def test_private_key_selection_states_the_threshold_and_delta(make_table):
    table = make_table(keys={}, max_groups=4)
    alpha = 0.2
    release = table.query(GROUPED, 1.0, delta=1e-7, alpha=alpha)
    html = release._repr_html_()
    assert "spent ε 1, δ 1e-07" in tables(html)[0]["caption"]
    assert f"noisy count below {release.threshold} are dropped" in notes(html)
    assert f"± at α={alpha:g}" in tables(html)[0]["headers"]
