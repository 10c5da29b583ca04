"""Dashboard summaries: the timeline, spenders and release pages are right and stay bounded, on
SQLite and PostgreSQL, and carry no released value."""

from __future__ import annotations

import json

import pytest

from jupyter_privacy.core.errors import InvalidParameterError, UnknownBudgetError
from jupyter_privacy.core.ledger import Ledger, open_ledger
from jupyter_privacy.core.ledger.composition import zcdp_epsilon

SENTINEL = "SENTINEL-VALUE-7731"


@pytest.fixture
def busy(backend_url: str) -> Ledger:
    with open_ledger(backend_url) as ledger:
        ledger.create_budget("census", 100.0)
        ledger.create_budget("model", 10.0, 1e-5, composition="zcdp")
        ledger.create_budget("unused", 1.0)
        for i in range(60):
            ledger.spend(
                "census", 0.5, value={"secret": SENTINEL}, description=f"count {i}",
                origin=f"notebook:/lab/n{i % 3}.ipynb#cell={i}", actor=f"person{i % 4}",
                details={"data_fingerprint": SENTINEL},
            )  # fmt: skip
        for i in range(5):
            ledger.spend("model", 0.3, value=SENTINEL, description=f"fit {i}", origin="script:job")
        yield ledger


def test_timeline_is_sampled_and_ends_at_each_budgets_reported_spend(busy: Ledger) -> None:
    activity = busy.activity(points=10)
    census = [p for p in activity.timeline if p.budget == "census"]
    assert len(census) == 10  # one point per run of consecutive releases
    assert census[0].releases == 6 and census[0].epsilon_spent == pytest.approx(3.0)
    assert census[-1].releases == 60 and census[-1].epsilon_spent == pytest.approx(30.0)
    assert [p.releases for p in census] == sorted(p.releases for p in census)
    model = [p for p in activity.timeline if p.budget == "model"]
    reported = busy.budget("model").epsilon_spent
    assert model[-1].epsilon_spent == reported
    assert reported == pytest.approx(zcdp_epsilon(5 * 0.3**2 / 2, 1e-5))  # by the rule, not Σε
    assert model[0].epsilon_spent < model[-1].epsilon_spent
    assert not [p for p in activity.timeline if p.budget == "unused"]


def test_spenders_group_notebooks_without_cells_and_people(busy: Ledger) -> None:
    activity = busy.activity(top=2)
    assert [g.key for g in activity.by_origin] == [
        "notebook:/lab/n0.ipynb",
        "notebook:/lab/n1.ipynb",
    ]
    assert activity.by_origin[0].releases == 20 and activity.by_origin[0].epsilon == pytest.approx(
        10
    )
    other = activity.other_origins
    assert other is not None and other.key == "2 more" and other.releases == 25  # n2 + script:job
    assert sum(g.releases for g in activity.by_actor) + activity.other_actors.releases == 65


def test_one_budget_narrows_everything(busy: Ledger) -> None:
    activity = busy.activity("model")
    assert [b.name for b in activity.budgets] == ["model"]
    assert {p.budget for p in activity.timeline} == {"model"}
    assert [g.key for g in activity.by_origin] == ["script:job"]
    assert activity.head_id == busy.verify().entries_checked


def test_release_pages_sort_filter_and_count(busy: Ledger) -> None:
    newest = busy.find_releases(limit=3)
    assert newest.total == 65 and [r.description for r in newest.releases] == [
        "fit 4", "fit 3", "fit 2",
    ]  # fmt: skip
    filtered = busy.find_releases(search="COUNT 1", sort="description", descending=False, limit=50)
    assert filtered.total == 11  # count 1, count 10 … count 19
    assert [r.description for r in filtered.releases][:3] == ["count 1", "count 10", "count 11"]
    by_person = busy.find_releases(search="person3", limit=100)
    assert by_person.total == 15 and {r.actor for r in by_person.releases} == {"person3"}
    second = busy.find_releases("census", offset=58, limit=10)
    assert [r.description for r in second.releases] == ["count 1", "count 0"]
    wildcard = busy.find_releases(search="%", limit=5)
    assert wildcard.total == 0  # a literal percent sign, not a LIKE wildcard


def test_nothing_returned_carries_a_released_value(busy: Ledger) -> None:
    activity = busy.activity()
    text = json.dumps([p.to_dict() for p in activity.timeline])
    text += json.dumps([g.to_dict() for g in (*activity.by_origin, *activity.by_actor)])
    assert SENTINEL not in text


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"sort": "value_json"}, "cannot sort"), ({"limit": 0}, "limit"), ({"limit": 5000}, "limit"),
     ({"offset": -1}, "offset")],
)  # fmt: skip
def test_bad_page_requests_are_refused(busy: Ledger, kwargs: dict, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        busy.find_releases(**kwargs)


def test_unknown_budget_and_bad_points_are_refused(busy: Ledger) -> None:
    with pytest.raises(UnknownBudgetError):
        busy.activity("nope")
    with pytest.raises(UnknownBudgetError):
        busy.find_releases("nope")
    with pytest.raises(InvalidParameterError, match="points"):
        busy.activity(points=0)


def test_empty_ledger(ledger: Ledger) -> None:
    activity = ledger.activity()
    assert activity.budgets == () and activity.timeline == () and activity.head_id == 0
    assert ledger.find_releases().total == 0


def test_a_continued_summary_equals_a_fresh_read(busy: Ledger) -> None:
    """After more spends, continuing the previous summary reads only the new releases and gives
    the same totals, groups and newest points as reading everything again."""
    before = busy.activity(points=5, top=3)
    for i in range(40):
        busy.spend("census", 0.25, value=i, origin=f"notebook:/lab/n{i % 5}.ipynb#cell=x",
                   actor="dora" if i % 2 else "person1")  # fmt: skip
    busy.spend("model", 0.1, value=0, origin="script:job")
    busy.create_budget("fresh", 1.0)
    busy.spend("fresh", 0.5, value=0, origin="cli")
    continued = busy.activity(points=5, top=3, previous=before)
    fresh = busy.activity(points=5, top=3)
    assert continued.head_id == fresh.head_id and continued.sums.keys() == fresh.sums.keys()
    for name, sums in fresh.sums.items():
        assert continued.sums[name] == pytest.approx(sums)
    assert [(g.key, g.releases) for g in continued.origins] == [
        (g.key, g.releases) for g in fresh.origins
    ]
    assert [g.epsilon for g in continued.actors] == pytest.approx([g.epsilon for g in fresh.actors])
    newest = {p.budget: p for p in continued.timeline}  # the last point of each budget
    for point in fresh.timeline:
        if point.releases == fresh.sums[point.budget][3]:
            assert newest[point.budget].epsilon_spent == point.epsilon_spent
    assert all(sum(p.budget == b for p in continued.timeline) <= 10 for b in fresh.sums)
    assert [b.name for b in continued.budgets] == [b.name for b in fresh.budgets]


def test_a_raise_or_another_ledger_means_a_fresh_read(busy: Ledger, tmp_path) -> None:
    before = busy.activity("model")
    busy.raise_budget("model", epsilon=20.0, delta=1e-5, reason="approved")
    busy.spend("model", 0.3, value=0)
    again = busy.activity("model", previous=before)
    assert again == busy.activity("model")  # every zCDP point re-read under the new totals
    with open_ledger(f"sqlite:///{tmp_path / 'other.db'}") as other:
        other.create_budget("model", 10.0, 1e-5, composition="zcdp")
        other.spend("model", 0.3, value=0)
        mixed = other.activity("model", previous=before)
        assert mixed == other.activity("model")  # the previous head is not in this chain


def test_a_v1_ledger_and_a_missing_one_read_for_dashboards(v1_ledger_url: str, tmp_path) -> None:
    """Dashboards read a schema-1 ledger (entries without chained totals) opened read-only, and a
    read-only open of a ledger not created yet answers as empty."""
    with open_ledger(v1_ledger_url, read_only=True) as ledger:
        budgets = ledger.budgets()
        activity = ledger.activity()
        page = ledger.find_releases(limit=1000)
        spent = {b.name: b.release_count for b in budgets}
    assert [b.name for b in activity.budgets] == [b.name for b in budgets]
    assert page.total == sum(spent.values()) > 0 and len(page.releases) == page.total
    assert activity.head_id > 0
    with open_ledger(f"sqlite:///{tmp_path / 'none.db'}", read_only=True) as empty:
        assert empty.activity().budgets == () and empty.find_releases().total == 0
    assert not (tmp_path / "none.db").exists()
