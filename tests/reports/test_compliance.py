"""Compliance checklists: every market file is sourced and tagged; unconfirmed items never read as
binding; unknown markets and use cases are clear errors."""

from __future__ import annotations

import json

import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.reports import compliance
from jupyter_privacy.core.reports.compliance import (
    DISCLAIMER,
    build_checklist,
    known_markets,
    load_market,
    market_problems,
)

REQUIRED_MARKETS = {"eu", "uk", "us", "ca", "br", "in", "sg", "jp", "cn"}


def test_required_markets_ship_and_validate() -> None:
    assert set(known_markets()) >= REQUIRED_MARKETS
    for code in known_markets():
        data = load_market(code)
        assert market_problems(data) == []
        assert data["as_of"] and data["regulators"] and data["key_dates"]
        categories = {item["category"] for item in data["items"]}
        assert categories & {"documentation", "transparency"}, code


def test_every_item_carries_source_confidence_and_as_of() -> None:
    checklist = build_checklist(sorted(known_markets()), list(compliance.USE_CASES))
    assert checklist.items
    for item in checklist.items:
        assert item["confidence"] in ("C1", "C2", "M", "U")
        assert item["as_of"] == "2026-11-27"
        if item["confidence"] in ("C1", "C2"):
            assert item["sources"], item["id"]


def test_unconfirmed_and_pending_items_are_never_binding() -> None:
    items = build_checklist(sorted(known_markets()), list(compliance.USE_CASES)).items
    unconfirmed = [i for i in items if i["confidence"] in ("M", "U")]
    pending = [i for i in items if i["legal_status"] in ("pending", "repealed", "guidance")]
    assert unconfirmed and pending
    for item in unconfirmed:
        assert not item["binding"] and item["status"].startswith("UNCONFIRMED")
    for item in pending:
        assert not item["binding"] and "binding" not in item["status"].replace("not binding", "")
    omnibus = next(i for i in items if i["id"] == "eu-omnibus-gdpr-proposals")
    assert omnibus["status"].startswith("UNCONFIRMED")
    c2 = next(i for i in items if i["id"] == "eu-gdpr-art33-breach")
    assert c2["binding"] and "verify against the primary text" in c2["status"]


def test_use_case_selects_items() -> None:
    ids = {i["id"] for i in build_checklist(["us"], ["analytics"]).items}
    assert "us-coppa-2025" not in ids and "us-tx-traiga" in ids
    ids = {i["id"] for i in build_checklist(["us"], ["children"]).items}
    assert "us-coppa-2025" in ids


def test_outputs_say_not_legal_advice_and_show_dates() -> None:
    checklist = build_checklist(["eu", "gb"], ["ml-model"])
    status = checklist.to_dict()
    assert status["disclaimer"] == DISCLAIMER
    assert [m["code"] for m in status["markets"]] == ["eu", "uk"]
    json.dumps(status)  # machine-readable
    markdown, page = checklist.to_markdown(), checklist.to_html()
    for text in (markdown, page):
        assert "not legal advice" in text
        assert "2027-12-02" in text  # AI Act Annex III key date
        assert "S-EU17" in text
    assert '<p class="banner">' in page


def test_answers_close_items() -> None:
    first = build_checklist(["eu"], ["ml-model"]).to_dict()["summary"]
    answers = {
        "eu-gdpr-art30-ropa": "done",
        "eu-ai-art5-prohibited": {"answer": "n/a", "note": "no"},
    }
    second = build_checklist(["eu"], ["ml-model"], answers).to_dict()["summary"]
    assert "eu-gdpr-art30-ropa" in first["open_binding"]
    assert "eu-gdpr-art30-ropa" not in second["open_binding"]
    assert second["done"] == 1 and second["n/a"] == 1


@pytest.mark.parametrize(
    ("markets", "uses", "answers", "message"),
    [
        (["mars"], ["ml-model"], None, r"unknown market 'mars'; known markets: br \(Brazil\)"),
        ([], ["ml-model"], None, "at least one market"),
        (["eu"], ["mining"], None, "unknown use case 'mining'; known: analytics"),
        (["eu"], [], None, "at least one use case"),
        (["eu"], ["ml-model"], {"us-tx-traiga": "done"}, "unknown checklist item 'us-tx-traiga'"),
        (["eu"], ["ml-model"], {"eu-gdpr-art30-ropa": "yes"}, "answer must be one of open, done"),
    ],
)
def test_bad_requests_are_clear_errors(markets, uses, answers, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidParameterError, match=message):
        build_checklist(markets, uses, answers)


def test_market_problems_catch_unsourced_facts() -> None:
    data = json.loads(json.dumps(load_market("sg")))
    data["items"][0]["sources"] = []
    data["items"][1]["confidence"] = "C3"
    data["key_dates"][0]["sources"] = ["S-NOPE"]
    problems = market_problems(data)
    assert any("needs at least one source" in p for p in problems)
    assert any("confidence must be one of" in p for p in problems)
    assert any("S-NOPE is not listed" in p for p in problems)
