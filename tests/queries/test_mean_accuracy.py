"""A mean's ± in previews: the planned mean's (never its sum's), with a public row count; without
one, the noise scales and one line saying what to add. After a release, the interval comes from the
released noisy sum and count only (post-processing)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from jupyter_privacy.charts.tradeoff import tradeoff_curve
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.queries import parse_sql
from jupyter_privacy.core.queries.planning import mean_plus_minus
from jupyter_privacy.core.queries.release import format_number
from jupyter_privacy.core.queries.values import released_values

MEAN = "SELECT COUNT(*), AVG(income) FROM t"
GROUPED = "SELECT region, AVG(income) FROM t GROUP BY region"


def plus_minus_column(html: str) -> list[str]:
    table = BeautifulSoup(html, "html.parser").find("table")
    return [tr.find_all(["th", "td"])[-1].get_text() for tr in table.tbody.find_all("tr")]


def test_without_rows_a_mean_shows_its_noise_scales_and_what_to_add(make_table):
    preview = make_table().preview(MEAN, 1.0)
    count, mean = preview.statistics
    assert mean.accuracy is None and preview.expected_rows is None
    text = str(preview)
    sum_accuracy = format_number(mean.components[0].accuracy)
    assert sum_accuracy not in text  # the sum's ± is not passed off as the mean's
    mean_line = next(line for line in text.splitlines() if line.startswith("mean_income"))
    assert mean_line.endswith("-") and "sum " in mean_line and "; count " in mean_line
    assert "add expected_rows=N (--rows N), a public row count, for a ± on the mean" in text
    html = preview._repr_html_()
    assert plus_minus_column(html) == [format_number(count.accuracy), "-"]
    assert "add expected_rows=N" in html and sum_accuracy not in html


def test_with_rows_a_mean_shows_the_planned_mean_accuracy(make_table):
    table = make_table()
    preview = table.preview(MEAN, 1.0, expected_rows=200)
    halves = table.preview(MEAN, 1.0, alpha=0.025).statistics[1].components
    expected = mean_plus_minus(halves[0].accuracy, halves[1].accuracy, (0, 100_000), 200)
    mean = preview.statistics[1]
    assert mean.accuracy == pytest.approx(expected, rel=1e-12)
    assert mean.accuracy < halves[0].accuracy / 50  # the mean's scale, not the sum's
    assert "± planned for 200 rows (a public estimate" in str(preview)
    assert plus_minus_column(preview._repr_html_())[1] == format_number(mean.accuracy)
    # one formula: the trade-off curve and epsilon_for agree with the preview
    curve = tradeoff_curve(table, MEAN, expected_rows=200).point(1.0)
    assert curve.accuracy.iloc[1] == pytest.approx(mean.accuracy, rel=1e-9)
    planned = table.epsilon_for(MEAN, accuracy=mean.accuracy * 1.0001, expected_rows=200)
    assert planned == pytest.approx(1.0, rel=1e-3)
    assert table.mean("income", 1.0, preview=True, expected_rows=200).accuracy == pytest.approx(
        table.preview("SELECT AVG(income) FROM t", 1.0, expected_rows=200).accuracy
    )


def test_a_declared_row_count_plans_ungrouped_means_but_not_per_group(make_table):
    table = make_table(expected_rows=200)
    assert table.preview(MEAN, 1.0).statistics[1].accuracy == pytest.approx(
        make_table().preview(MEAN, 1.0, expected_rows=200).statistics[1].accuracy
    )
    grouped = table.preview(GROUPED, 1.0)  # the table's count is not a per-group count
    assert grouped.statistics[0].accuracy is None
    assert "a public row count per region, for a ± on the mean" in str(grouped)
    per_group = table.preview(GROUPED, 1.0, expected_rows=50)
    assert per_group.statistics[0].accuracy is not None
    assert "± planned for 50 rows per region" in str(per_group)


def test_too_few_rows_for_the_noise_says_so(make_table):
    preview = make_table().preview(MEAN, 0.001, expected_rows=20)
    assert preview.statistics[1].accuracy is None
    assert "the count's ± reaches the 20 rows expected; raise ε" in str(preview)


def test_expected_rows_is_checked_and_refused_on_a_release(make_table):
    table = make_table()
    with pytest.raises(InvalidParameterError, match="expected_rows"):
        table.preview(MEAN, 1.0, expected_rows=0)
    with pytest.raises(InvalidParameterError, match="expected_rows"):
        make_table(expected_rows=-3)
    with pytest.raises(InvalidParameterError, match="noisy count"):
        table.mean("income", 1.0, expected_rows=200)
    assert table.ledger.budget("study").release_count == 0


def test_a_released_mean_interval_is_post_processing_of_the_noisy_sum_and_count(make_table):
    """Recomputed from the ledger's stored noisy output alone, the interval is the one shown."""
    table = make_table(expected_rows=200)
    release = table.query(GROUPED, 1.0)
    stored = table.ledger.history("study")[-1].value["rows"]
    calibrated = table._calibrate(parse_sql(GROUPED).spec, 1.0, 0.0)
    again = released_values(calibrated, stored, 0.05, table.bounds)
    assert again == release.values
    assert "planned" not in str(release) and "expected_rows" not in str(release)
