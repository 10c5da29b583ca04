"""An uneven ε split: each aggregate's share follows the weights, OpenDP's noise follows the share,
the split is part of what replays, and bad weights are clear errors with nothing spent."""

from __future__ import annotations

import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.queries import QuerySpec, parse_sql

SQL = "SELECT COUNT(*) AS n, AVG(income) FROM t"


def test_weights_set_each_share_and_opendp_noise_follows(make_table, ledger):
    table = make_table()
    even = table.preview(SQL, 1.0)
    uneven = table.preview(SQL, 1.0, split=[1, 3])
    assert even.epsilon_split == pytest.approx({"n": 0.5, "mean_income": 0.5})
    assert uneven.epsilon_split == pytest.approx({"n": 0.25, "mean_income": 0.75})
    # Laplace scales are proportional to 1/share: the count's noise doubles, the mean's shrinks.
    assert uneven.statistics[0].noise_scale == pytest.approx(2 * even.statistics[0].noise_scale)
    assert uneven.statistics[1].components[0].scale == pytest.approx(
        even.statistics[1].components[0].scale * 0.5 / 0.75
    )
    by_name = table.preview(SQL, 1.0, split={"mean_income": 3, "n": 1})
    assert by_name.epsilon_split == uneven.epsilon_split
    assert table.preview(SQL, 1.0, split="1, 3").epsilon_split == uneven.epsilon_split
    assert ledger.history("study") == []  # previews spend nothing


def test_split_is_recorded_and_replays_only_with_the_same_split(make_table, ledger):
    table = make_table()
    first = table.query(SQL, 1.0, split=[1, 3])
    assert ledger.history("study")[-1].details["epsilon_split"] == pytest.approx(
        {"n": 0.25, "mean_income": 0.75}
    )
    assert table.query(SQL, 1.0, split=[2, 6]).replayed  # the same fractions
    assert not table.query(SQL, 1.0, split=[3, 1]).replayed
    assert not table.query(SQL, 1.0).replayed
    assert table.query(SQL, 1.0, split=[1, 1]).replayed  # equal weights are the even split
    assert first.budget_epsilon_remaining == pytest.approx(9.0)
    assert "ε split by weight over the aggregates" in first._repr_html_()
    assert "ε split evenly" in table.query(SQL, 1.0)._repr_html_()
    assert ledger.budget("study").epsilon_spent == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("split", "message"),
    [
        ([1], "1 weight(s) for 2 statistic(s) (n, mean_income)"),
        ([1, 0], "finite and > 0"),
        ([1, float("nan")], "finite and > 0"),
        (["a", 1], "must be numbers"),
        ({"n": 1, "avg": 2}, "give a weight for each of: n, mean_income"),
        ("1;3", "1 weight(s) for 2"),
    ],
)
def test_bad_weights_are_clear_errors_and_spend_nothing(make_table, ledger, split, message):
    table = make_table()
    with pytest.raises(
        InvalidParameterError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        table.query(SQL, 1.0, split=split)
    assert ledger.history("study") == []


def test_preview_states_the_budget_left(make_table, ledger):
    table = make_table()
    table.count(2.0)
    preview = table.preview(SQL, 1.0)
    assert preview.budget_epsilon_remaining == pytest.approx(8.0)
    assert "(ε 8 remaining)" in str(preview)


def test_split_fractions_of_a_spec():
    spec: QuerySpec = parse_sql(SQL).spec
    assert spec.split_fractions(None) is None
    assert spec.split_fractions([2, 2]) is None
    assert spec.split_fractions((1, 4)) == pytest.approx((0.2, 0.8))


def test_text_preview_prints_scales_without_exponents(make_table):
    preview = make_table().preview("SELECT SUM(income) FROM t", 0.5)
    assert "200000" in str(preview) and "e+05" not in str(preview)  # 100,000 / 0.5
