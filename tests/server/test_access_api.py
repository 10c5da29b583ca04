"""`GET /jupyter-privacy/api/access`: owners, spenders and the high-risk lane for the dashboard,
with the lane's releases and their audit records apart; refusals map to 403."""

from __future__ import annotations

import json

from jupyter_privacy.core.errors import AccessDeniedError
from jupyter_privacy.core.ledger import Ledger, access, highrisk
from jupyter_privacy.server.base import status_for

SENTINEL = "Zq9-SENTINEL-7731"


async def test_access_lists_the_high_risk_lane_apart(jp_fetch, ledger: Ledger, as_user) -> None:
    ledger.create_budget("pilot", 1.0)
    ledger.create_budget("faces", 2.0)
    access.grant(ledger, "faces", "user:bob")
    highrisk.mark_high_risk(ledger, budget="faces", reason="face matching")
    approval = highrisk.approve(ledger, "faces", spender="user:bob", epsilon=0.5, reason="batch 7")
    as_user("bob")
    ledger.spend("faces", 0.1, value=SENTINEL, description="match rate")
    response = await jp_fetch("jupyter-privacy/api", "access")
    assert SENTINEL not in response.body.decode()
    data = json.loads(response.body)
    assert data["backend"] == "sqlite" and "file's permissions" in data["enforced_by"]
    rows = {b["budget"]: b for b in data["budgets"]}
    assert rows["faces"]["high_risk"] and rows["faces"]["spenders"] == ["user:bob"]
    assert not rows["pilot"]["high_risk"] and rows["pilot"]["owners"] == ["user:alice"]
    [record] = data["high_risk_audit"]
    assert record["approved"] and record["audit"]["approval"] == approval.id
    assert record["audit"]["who"]["actor"] == "bob"


def test_refusals_are_forbidden() -> None:
    assert status_for(AccessDeniedError("no")) == 403
