"""#13 items 1 and 9 on the REST API: hostile requests get a 4xx JSON error, never a 500, and no
answer carries a digest of the data."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from tornado.httpclient import HTTPClientError

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.queries import PrivateTable
from jupyter_privacy.server.base import MAX_BODY_BYTES

API = "jupyter-privacy/api"
COPY = (API, "templates", "dp-analytics", "copy")


async def error_of(jp_fetch, *parts: str, **kwargs) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(*parts, **kwargs)
    return caught.value.code, json.loads(caught.value.response.body)


@pytest.mark.parametrize(
    "offset",
    ["9" * 30, "9" * 5000, "²", "１２", "99999999999999999999", str(2**63)],
)
async def test_huge_or_strange_offsets_are_400(jp_fetch, seeded: Ledger, offset: str) -> None:
    code, body = await error_of(jp_fetch, API, "budgets", "pilot", params={"offset": offset})
    assert code == 400 and body["parameter"] == "offset"


@pytest.mark.parametrize("limit", ["9" * 5000, "²", "١"])
async def test_strange_limits_are_400(jp_fetch, seeded: Ledger, limit: str) -> None:
    code, body = await error_of(jp_fetch, API, "budgets", "pilot", params={"limit": limit})
    assert code == 400 and body["error"] == "invalid_parameter"


async def test_deeply_nested_json_is_400(jp_fetch) -> None:
    body = "[" * 20_000 + "]" * 20_000  # under the size cap, over the parser's recursion limit
    code, answer = await error_of(jp_fetch, *COPY, method="POST", body=body)
    assert code == 400 and "nested" in answer["message"]


async def test_request_bodies_are_capped(jp_fetch) -> None:
    body = json.dumps({"path": "", "padding": "x" * (MAX_BODY_BYTES + 1)})
    code, answer = await error_of(jp_fetch, *COPY, method="POST", body=body)
    assert code == 413 and str(MAX_BODY_BYTES) in answer["message"]


async def test_no_data_digest_in_any_answer(jp_fetch, ledger: Ledger) -> None:
    ledger.create_budget("payroll", 5.0)
    table = PrivateTable(pd.DataFrame({"wage": np.arange(200.0)}), budget="payroll",
                         ledger=ledger, bounds={"wage": (0, 1000)}, max_rows=1000)  # fmt: skip
    table.query("SELECT SUM(wage) FROM t", 1.0)
    table.close()
    stored = ledger.history("payroll")[0]
    answers = [
        (await jp_fetch(API, *parts)).body.decode()
        for parts in (("budgets",), ("budgets", "payroll"), ("verify",), ("status",))
    ]
    text = "\n".join(answers)
    assert stored.details["data_fingerprint"] not in text and stored.replay_key not in text
    assert not re.search(r"(?:hmac-)?sha256:[0-9a-f]{16}|dpq\d:", text)
