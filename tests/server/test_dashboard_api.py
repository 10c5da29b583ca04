"""The dashboard routes through a real Jupyter server: charts as Vega-Lite v6, narrowing to one
budget, a sortable and filterable release page, bounded payloads, no released value in any body."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_privacy.core.ledger import Ledger

API = "jupyter-privacy/api"
SENTINEL = "SENTINEL-WAGE-4242.42"


async def get_json(jp_fetch, *parts: str, **params: str) -> tuple[dict, str]:
    response = await jp_fetch(API, *parts, params=params or None)
    body = response.body.decode()
    return json.loads(body), body


async def error_of(jp_fetch, *parts: str, **params: str) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, *parts, params=params or None)
    return caught.value.code, json.loads(caught.value.response.body)


@pytest.fixture
def team(ledger: Ledger, jp_root_dir) -> Ledger:
    ledger.create_budget("census", 2.0, privacy_unit="one person")
    ledger.create_budget("model", 8.0, 1e-5)
    for i in range(30):
        ledger.spend(
            "census", 0.05, value={"wage": SENTINEL}, description=f"mean wage {i}",
            origin=f"notebook:{jp_root_dir / 'analysis' / 'wages.ipynb'}#cell={i}",
            actor="ana" if i % 2 else "bo", details={"data_fingerprint": SENTINEL},
            replay_key=f"dpq2:{SENTINEL}:{i}",
        )  # fmt: skip
    ledger.spend("model", 3.0, value=SENTINEL, description="dp-sgd fit", origin="script:train.py")
    return ledger


async def test_dashboard_serves_four_vega_lite_v6_charts(jp_fetch, team: Ledger) -> None:
    data, body = await get_json(jp_fetch, "dashboard")
    assert set(data["charts"]) == {"budgets", "timeline", "by_notebook", "by_person"}
    for spec in data["charts"].values():
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert [b["name"] for b in data["budgets"]] == ["census", "model"]
    assert data["head"]["entries"] == team.verify().entries_checked
    assert len(data["head"]["hash"]) == 64
    notebooks = {g["label"]: g for g in data["spend_by"]["notebook"]}
    assert notebooks["analysis/wages.ipynb"]["releases"] == 30  # cells folded into the notebook
    assert notebooks["analysis/wages.ipynb"]["notebook"] == "analysis/wages.ipynb"
    assert notebooks["analysis/wages.ipynb"]["epsilon"] == pytest.approx(1.5)
    assert {g["label"] for g in data["spend_by"]["person"]} >= {"ana", "bo"}
    assert data["permissions"] == {"create_budget": True, "raise_budget": True}
    assert SENTINEL not in body


async def test_dashboard_narrows_to_one_budget(jp_fetch, team: Ledger) -> None:
    data, _ = await get_json(jp_fetch, "dashboard", budget="model")
    assert data["budget"] == "model"
    assert [b["name"] for b in data["budgets"]] == ["census", "model"]  # the picker keeps them all
    bars = data["charts"]["budgets"]
    names = {row["budget"] for row in _values(bars)}
    assert names == {"model"}
    assert [g["label"] for g in data["spend_by"]["notebook"]] == ["script:train.py"]


async def test_dashboard_payload_stays_bounded(jp_fetch, ledger: Ledger) -> None:
    ledger.create_budget("busy", 1000.0)
    for i in range(1500):
        ledger.spend("busy", 0.01, value=i, origin=f"notebook:n{i}.ipynb", actor=f"p{i}")
    data, body = await get_json(jp_fetch, "dashboard", points="50")
    timeline = [r for r in _values(data["charts"]["timeline"]) if r["budget"] == "busy"]
    assert len(timeline) <= 52  # ≈ points, not 1,500
    assert len(data["spend_by"]["notebook"]) == 12 and len(data["spend_by"]["person"]) == 12
    labels = {r["label"] for r in _values(data["charts"]["by_notebook"])}
    assert "1488 more" in labels
    assert len(body) < 100_000


async def test_release_table_sorts_filters_and_pages(jp_fetch, team: Ledger) -> None:
    page, body = await get_json(jp_fetch, "releases", limit="5")
    assert page["paging"] == {"offset": 0, "limit": 5, "total": 31}
    first = page["releases"][0]
    assert first["description"] == "dp-sgd fit" and first["budget"] == "model"
    assert set(first) >= {"id", "created_at", "epsilon", "delta", "mechanism", "actor", "origin",
                          "notebook"}  # fmt: skip
    assert SENTINEL not in body and "value" not in first
    by_eps, _ = await get_json(jp_fetch, "releases", sort="epsilon", order="asc", limit="2")
    assert [r["epsilon"] for r in by_eps["releases"]] == [0.05, 0.05]
    found, _ = await get_json(jp_fetch, "releases", q="WAGE 2", budget="census", limit="50")
    assert found["paging"]["total"] == 11  # mean wage 2, 20 … 29
    assert {r["notebook"] for r in found["releases"]} == {"analysis/wages.ipynb"}
    last, _ = await get_json(jp_fetch, "releases", budget="census", offset="29", limit="10")
    assert [r["description"] for r in last["releases"]] == ["mean wage 0"]


@pytest.mark.parametrize(
    ("route", "params", "parameter"),
    [("releases", {"sort": "value"}, "sort"), ("releases", {"order": "up"}, "order"),
     ("releases", {"limit": "0"}, "limit"), ("releases", {"offset": "-3"}, "offset"),
     ("dashboard", {"points": "0"}, "points"), ("dashboard", {"points": "99999"}, "points")],
)  # fmt: skip
async def test_bad_queries_are_400(
    jp_fetch, team, route: str, params: dict, parameter: str
) -> None:
    code, body = await error_of(jp_fetch, route, **params)
    assert code == 400 and body["error"] == "invalid_parameter" and parameter in body["message"]


async def test_unknown_budget_is_404(jp_fetch, team: Ledger) -> None:
    for route in ("dashboard", "releases"):
        code, body = await error_of(jp_fetch, route, budget="nope")
        assert code == 404 and body["error"] == "unknown_budget"


async def test_no_ledger_yet_creates_nothing(jp_fetch, ledger_url: str) -> None:
    data, _ = await get_json(jp_fetch, "dashboard")
    assert data["budgets"] == [] and data["charts"] == {} and "budget create" in data["hint"]
    page, _ = await get_json(jp_fetch, "releases")
    assert page["releases"] == [] and page["paging"]["total"] == 0
    code, _ = await error_of(jp_fetch, "dashboard", budget="pilot")
    assert code == 404
    assert not Path(ledger_url.removeprefix("sqlite:///")).exists()


def _values(spec: dict) -> list[dict]:
    """The inline rows of a Vega-Lite spec (Altair puts them under datasets)."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


async def test_dashboard_follows_a_new_spend(jp_fetch, team: Ledger) -> None:
    """Answers are kept per chain head: an unchanged ledger answers from memory, any append
    (a spend from another process here) is a new head and a new answer."""
    before, _ = await get_json(jp_fetch, "dashboard")
    again, _ = await get_json(jp_fetch, "dashboard")
    assert again == before
    team.spend("census", 0.25, value=0, description="late count", origin="script:late.py")
    after, _ = await get_json(jp_fetch, "dashboard")
    assert after["head"]["entries"] == before["head"]["entries"] + 1
    spent = {b["name"]: b["epsilon_spent"] for b in after["budgets"]}
    assert spent["census"] == pytest.approx(1.75)
    assert "script:late.py" in {g["label"] for g in after["spend_by"]["notebook"]}
