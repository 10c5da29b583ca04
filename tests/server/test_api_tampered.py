"""A ledger edited behind the kit's back: every route answers JSON with a message, never a 500 page."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from tornado.httpclient import HTTPClientError

from jupyter_privacy.core.ledger import Ledger

API = "jupyter-privacy/api"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE jp_budgets SET epsilon_spent = 'abc'",
        "UPDATE jp_budgets SET epsilon_total = 'abc'",
        "UPDATE jp_entries SET details_json = '{' WHERE kind = 'release'",
        "UPDATE jp_entries SET epsilon = 'abc' WHERE kind = 'release'",
    ],
)
async def test_malformed_values_are_json_errors(jp_fetch, seeded: Ledger, ledger_url, statement):
    engine = sa.create_engine(ledger_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()
    verify = json.loads((await jp_fetch(API, "verify")).body)
    assert verify["ok"] is False and verify["problems"]
    for parts in (("budgets",), ("budgets", "pilot"), ("status",)):
        try:
            response = await jp_fetch(API, *parts)
        except HTTPClientError as error:
            assert error.code == 409, (parts, error.code)
            body = json.loads(error.response.body)
            assert body["error"] == "ledger_integrity" and "ledger verify" in body["message"]
            assert "Traceback" not in error.response.body.decode()
        else:  # this route does not read the edited value
            assert response.code == 200
