"""The data-requests routes through a real Jupyter server: list, review, approve, deny; errors as
JSON with the right status; no private value in any body."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.ledger.provenance import current_actor
from jupyter_privacy.core.requests.runner import run_request
from jupyter_privacy.core.requests.workflow import approve_request, submit_request
from jupyter_privacy.testing.requests import (
    COUNT,
    HONEST,
    LEAKY,
    OWNER,
    SCIENTIST,
    SENTINEL_NAME,
    SENTINEL_WAGE,
    honest_plan,
    register_people,
)

API = "jupyter-privacy/api"


@pytest.fixture
def pending(ledger: Ledger, tmp_path: Path) -> int:
    register_people(ledger, tmp_path / "owner" / "people.csv", tmp_path / "store")
    return submit_request(ledger, HONEST, dataset="people", plan=honest_plan(), title="counts",
                          actor=SCIENTIST).id  # fmt: skip


async def fetch(jp_fetch, *parts: str, **kwargs) -> dict:
    response = await jp_fetch(API, *parts, **kwargs)
    body = response.body.decode()
    assert SENTINEL_NAME not in body and SENTINEL_WAGE not in body
    return json.loads(body)


async def failure(jp_fetch, *parts: str, **kwargs) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, *parts, **kwargs)
    return caught.value.code, json.loads(caught.value.response.body)


async def test_pending_requests_and_a_review(jp_fetch, pending: int) -> None:
    listed = await fetch(jp_fetch, "requests", params={"status": "pending"})
    (item,) = listed["requests"]
    assert listed["counts"] == {"pending": 1}
    assert (item["id"], item["title"], item["scientist"]) == (pending, "counts", SCIENTIST)
    assert item["planned_epsilon"] == pytest.approx(1.5) and "code" not in item
    review = await fetch(jp_fetch, "requests", str(pending))
    assert review["request"]["code"] == HONEST and review["blocked"] is False
    assert "± at α=0.05" in review["plan"][0]["preview"]
    assert review["budget"]["epsilon_remaining"] == pytest.approx(3.0)
    datasets = await fetch(jp_fetch, "datasets")
    assert [d["name"] for d in datasets["datasets"]] == ["people"]
    assert "content" not in json.dumps(datasets)  # the mock's bytes are not sent to the sidebar


async def test_approve_from_the_lab_records_the_server_user(jp_fetch, pending: int,
                                                            ledger: Ledger) -> None:  # fmt: skip
    body = json.dumps({"reason": "aggregates only"})
    reply = await fetch(jp_fetch, "requests", str(pending), "approve", method="POST", body=body)
    assert reply["request"]["status"] == "approved"
    event = ledger.event_log("request.approved")[0]
    assert event.actor == current_actor() and event.origin.startswith("jupyterlab:")
    assert event.details["reason"] == "aggregates only"
    withdrawn = await fetch(jp_fetch, "requests", str(pending), "deny", method="POST",
                            body=json.dumps({"reason": "withdrawn"}))  # fmt: skip
    assert withdrawn["request"]["status"] == "denied"  # allowed until the run starts


async def test_deny_needs_a_reason_and_errors_are_json(jp_fetch, pending: int) -> None:
    code, body = await failure(jp_fetch, "requests", str(pending), "deny", method="POST",
                               body=json.dumps({"reason": ""}))  # fmt: skip
    assert code == 400 and "needs a reason" in body["message"]
    code, body = await failure(jp_fetch, "requests", str(pending), "approve", method="POST",
                               body=json.dumps({"why": "x"}))  # fmt: skip
    assert code == 400 and "unknown field" in body["message"]
    code, body = await failure(jp_fetch, "requests", "999")
    assert code == 404 and body["error"] == "unknown_request"
    code, body = await failure(jp_fetch, "requests", params={"status": "nope"})
    assert code == 400
    await fetch(jp_fetch, "requests", str(pending), "deny", method="POST",
                body=json.dumps({"reason": "no row-level output"}))  # fmt: skip
    code, body = await failure(jp_fetch, "requests", str(pending), "approve", method="POST",
                               body=json.dumps({"reason": "ok"}))  # fmt: skip
    assert code == 409 and body["error"] == "request_state"


async def test_no_ledger_yet_lists_nothing(jp_fetch, ledger_url: str) -> None:
    assert (await fetch(jp_fetch, "requests")) == {"requests": [], "counts": {}}
    assert (await fetch(jp_fetch, "datasets")) == {"datasets": []}
    assert not Path(ledger_url.removeprefix("sqlite:///")).exists()


@pytest.mark.slow
async def test_no_answer_carries_what_leaky_approved_code_printed(jp_fetch, ledger: Ledger,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    """The sentinel test through HTTP: every body is checked by `fetch`."""
    register_people(ledger, tmp_path / "owner" / "people.csv", tmp_path / "store")
    record = submit_request(ledger, LEAKY, dataset="people", plan=[{"query": COUNT, "epsilon": 0.5}],
                            actor=SCIENTIST)  # fmt: skip
    approve_request(ledger, record.id, actor=OWNER)
    outcome = run_request(ledger, record.id, store=tmp_path / "store", timeout=300)
    assert outcome.outcome == "failed" and SENTINEL_NAME in outcome.log.read_text()
    listed = await fetch(jp_fetch, "requests")
    assert listed["requests"][0]["run"]["releases"] == list(outcome.releases)
    await fetch(jp_fetch, "requests", str(record.id))
    await fetch(jp_fetch, "datasets")
    await fetch(jp_fetch, "budgets", "people")
