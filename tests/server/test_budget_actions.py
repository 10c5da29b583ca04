"""Creating and raising a budget over REST: through the ledger API, refused without a token, with a
clear 400 for bad input (nothing written), and 403 for a user the authorizer does not allow."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_privacy.core.ledger import Ledger

API = "jupyter-privacy/api"


async def post(jp_fetch, body, *parts: str) -> tuple[int, dict]:
    payload = body if isinstance(body, str) else json.dumps(body)
    try:
        response = await jp_fetch(API, *parts, method="POST", body=payload)
    except HTTPClientError as error:
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


async def test_create_then_raise_goes_through_the_ledger(jp_fetch, ledger: Ledger) -> None:
    code, created = await post(
        jp_fetch, {"name": "census-2026", "epsilon": 2, "delta": 1e-6,
                   "privacy_unit": "one person", "notes": "wage survey"}, "budgets",
    )  # fmt: skip
    assert code == 201 and created["name"] == "census-2026" and created["epsilon_total"] == 2.0
    assert ledger.budget("census-2026").privacy_unit == "one person"
    code, raised = await post(
        jp_fetch, {"epsilon": 3.5, "reason": "approved by the DPO, ticket 12"},
        "budgets", "census-2026", "raise",
    )  # fmt: skip
    assert code == 200 and raised["epsilon_total"] == 3.5
    kinds = [(e["kind"], e["description"]) for e in ledger.events("census-2026")]
    assert kinds[-1] == ("raise", "approved by the DPO, ticket 12")  # in the hash chain
    assert ledger.verify().ok


@pytest.mark.parametrize(
    ("body", "status", "error", "words"),
    [({"name": "x y", "epsilon": 1}, 400, "invalid_parameter", "not allowed"),
     ({"name": "ok", "epsilon": -1}, 400, "invalid_parameter", "> 0"),
     ({"name": "ok", "epsilon": "lots"}, 400, "invalid_parameter", "number"),
     ({"name": "ok", "epsilon": True}, 400, "invalid_parameter", "number"),
     ({"name": "ok", "epsilon": 1, "delta": 1.5}, 400, "invalid_parameter", "[0, 1)"),
     ({"name": "ok", "epsilon": 1, "composition": "magic"}, 400, "invalid_parameter", "composition"),
     ({"name": "ok", "epsilon": 1, "max_contributions": 0}, 400, "invalid_parameter", "≥ 1"),
     ({"name": "ok", "epsilon": 1, "epsilom": 2}, 400, "invalid_parameter", "epsilom"),
     ({"epsilon": 1}, 400, "invalid_parameter", "name"),
     ({"name": "ok", "epsilon": 1, "notes": "n" * 5000}, 400, "invalid_parameter", "longer"),
     ("[1, 2]", 400, "invalid_parameter", "JSON object"),
     ("{not json", 400, "invalid_parameter", "not JSON"),
     ('{"name": "ok", "epsilon": 1, "notes": "' + "n" * 70_000 + '"}', 413, "request_too_large",
      "at most"),
     ('{"name": "ok", "epsilon": 1, "notes": ' + "[" * 100_000 + "]" * 100_000 + "}", 413,
      "request_too_large", "at most"),
     ('{"name": "ok", "epsilon": 1, "notes": ' + "[" * 20_000 + "]" * 20_000 + "}", 400,
      "invalid_parameter", "nested too deeply"),
     ({"name": "taken", "epsilon": 1}, 409, "duplicate_budget", "already exists")],
)  # fmt: skip
async def test_bad_create_is_refused_and_writes_nothing(
    jp_fetch, ledger: Ledger, body, status: int, error: str, words: str
) -> None:
    ledger.create_budget("taken", 1.0)
    before = ledger.verify().entries_checked
    code, reply = await post(jp_fetch, body, "budgets")
    assert (code, reply["error"]) == (status, error)
    assert words in reply["message"]
    assert ledger.verify().entries_checked == before and [b.name for b in ledger.budgets()] == [
        "taken"
    ]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [({"epsilon": 0.5, "reason": "less"}, 400, "only be raised"),
     ({"epsilon": 5}, 400, "reason"),
     ({"epsilon": 5, "reason": "   "}, 400, "reason"),
     ({"reason": "why"}, 400, "epsilon"),
     ({"epsilon": "5", "reason": "why"}, 400, "number"),
     ({"epsilon": 5, "reason": "why", "who": "me"}, 400, "who")],
)  # fmt: skip
async def test_bad_raise_is_refused(
    jp_fetch, ledger: Ledger, body, status: int, words: str
) -> None:
    ledger.create_budget("pilot", 1.0)
    code, reply = await post(jp_fetch, body, "budgets", "pilot", "raise")
    assert code == status and words in reply["message"]
    assert ledger.budget("pilot").epsilon_total == 1.0


async def test_raising_an_unknown_budget_is_404(jp_fetch, ledger: Ledger) -> None:
    code, reply = await post(jp_fetch, {"epsilon": 2, "reason": "x"}, "budgets", "nope", "raise")
    assert code == 404 and reply["error"] == "unknown_budget"


async def test_only_a_budgets_owner_raises_it_over_rest(jp_fetch, ledger: Ledger, as_user) -> None:
    """The route goes through the ledger, so its per-budget owners (access control) decide too:
    a non-owner is refused with 403 `access_denied`, nothing is raised, the refusal is chained."""
    ledger.create_budget("alices", 1.0)  # as alice: she owns it
    as_user("bob")
    code, reply = await post(
        jp_fetch, {"epsilon": 5, "reason": "more"}, "budgets", "alices", "raise"
    )
    assert (code, reply["error"]) == (403, "access_denied") and "owner" in reply["message"]
    assert ledger.budget("alices").epsilon_total == 1.0
    assert ledger.event_log("access.refused", budget="alices")
    code, _ = await post(jp_fetch, {"name": "bobs", "epsilon": 1}, "budgets")
    assert code == 201
    code, reply = await post(jp_fetch, {"epsilon": 2, "reason": "ok"}, "budgets", "bobs", "raise")
    assert code == 200 and reply["epsilon_total"] == 2


async def test_without_a_token_nothing_is_written(http_server_client, ledger: Ledger) -> None:
    ledger.create_budget("pilot", 1.0)
    for path, body in ((f"/{API}/budgets", {"name": "sneaky", "epsilon": 1}),
                       (f"/{API}/budgets/pilot/raise", {"epsilon": 9, "reason": "x"})):  # fmt: skip
        with pytest.raises(HTTPClientError) as caught:
            await http_server_client.fetch(path, method="POST", body=json.dumps(body))
        assert caught.value.code == 403
    assert [b.name for b in ledger.budgets()] == ["pilot"]
    assert ledger.budget("pilot").epsilon_total == 1.0


class TestAViewerMayNotChangeBudgets:
    """The server's authorizer refuses `write` on our resource: the routes say 403, reads work."""

    @pytest.fixture
    def jp_server_config(self, ledger_url: str, templates_folder) -> dict:
        return {
            "ServerApp": {
                "jpserver_extensions": {"jupyter_privacy.server": True},
                "authorizer_class": "jupyter_privacy.server.testing.ViewerAuthorizer",
            },
            "PrivacyServer": {"ledger_url": ledger_url, "templates_dir": str(templates_folder)},
        }

    async def test_refused_with_a_reason_and_told_to_the_frontend(self, jp_fetch, ledger) -> None:
        ledger.create_budget("pilot", 1.0)
        code, reply = await post(jp_fetch, {"name": "mine", "epsilon": 1}, "budgets")
        assert code == 403 and "not allowed to create" in reply["message"]
        code, reply = await post(
            jp_fetch, {"epsilon": 5, "reason": "x"}, "budgets", "pilot", "raise"
        )
        assert code == 403 and "not allowed to raise" in reply["message"]
        listing = json.loads((await jp_fetch(API, "budgets")).body)
        assert listing["permissions"] == {"create_budget": False, "raise_budget": False}
        assert [b.name for b in ledger.budgets()] == ["pilot"]
        assert ledger.budget("pilot").epsilon_total == 1.0
