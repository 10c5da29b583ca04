"""Two people on two "machines" (folders, environments, OS user names) share one real PostgreSQL
ledger: the scientist submits from theirs, the owner reviews, approves and runs on theirs, and the
scientist reads the results. The steps that cross machines run as separate CLI processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_privacy.core.config import LEDGER_ENV
from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.requests.api import requests
from jupyter_privacy.core.requests.datasets import register_dataset
from jupyter_privacy.core.requests.errors import UnknownDatasetError
from jupyter_privacy.core.requests.results import request_results
from jupyter_privacy.core.requests.review import review_request
from jupyter_privacy.core.requests.runner import run_request
from jupyter_privacy.testing.requests import (
    BOUNDS,
    HONEST,
    OWNER,
    REGIONS,
    SCIENTIST,
    SENTINEL_NAME,
    SENTINEL_WAGE,
    private_frame,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def cli(
    home: Path, user: str, url: str, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, LEDGER_ENV: url, "USER": user, "LOGNAME": user,
           "JUPYTER_PRIVACY_SECRET": "a-team-secret-of-at-least-32-characters"}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "jupyter_privacy.cli", *args], cwd=home, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_owner_and_scientist_share_a_postgres_ledger(postgres_url: str, tmp_path: Path) -> None:
    owner, scientist = tmp_path / "owner-machine", tmp_path / "scientist-machine"
    owner.mkdir()
    scientist.mkdir()
    private_frame().to_csv(owner / "people.csv", index=False)
    with open_ledger(postgres_url) as owners_ledger:  # the owner's machine
        owners_ledger.create_budget("people", 3.0, 1e-5, privacy_unit="one person")
        register_dataset(owners_ledger, "people", private=owner / "people.csv", budget="people",
                         bounds=BOUNDS, keys={"region": REGIONS}, store=owner / "store",
                         actor=OWNER)  # fmt: skip

    (scientist / "analysis.py").write_text(HONEST)
    submitted = json.loads(cli(
        scientist, SCIENTIST, postgres_url, "requests", "submit", "--dataset", "people", "--code",
        "analysis.py", "--query", "SELECT COUNT(*) FROM t", "--epsilon", "0.5", "--query",
        "SELECT region, AVG(wage) FROM t GROUP BY region", "--epsilon", "1", "--json",
    ).stdout)  # fmt: skip
    request_id = str(submitted["id"])

    with open_ledger(postgres_url) as owners_ledger:  # the owner sees the request and its code
        pending = requests("pending", ledger=owners_ledger)
        review = review_request(owners_ledger, pending[0]).text()
    assert [r.id for r in pending] == [submitted["id"]] and pending[0].scientist == SCIENTIST
    assert "def analysis(data):" in review and "± at α=0.05" in review
    own = cli(scientist, SCIENTIST, postgres_url, "requests", "approve", request_id, check=False)
    assert own.returncode == 2 and "someone else" in own.stderr
    cli(owner, OWNER, postgres_url, "requests", "approve", request_id, "--reason", "aggregates")
    with open_ledger(postgres_url) as scientists_ledger, pytest.raises(UnknownDatasetError,
                                                                   match="does not hold the private"):  # fmt: skip
        run_request(scientists_ledger, request_id, store=scientist / "store")  # not the owner's
    ran = json.loads(cli(owner, OWNER, postgres_url, "requests", "run", request_id, "--store",
                         "store", "--json").stdout)  # fmt: skip
    assert ran["outcome"] == "completed" and len(ran["releases"]) == 2

    results = cli(scientist, SCIENTIST, postgres_url, "requests", "results", request_id)
    assert "95% interval" in results.stdout
    for text in (review, results.stdout, ran["log"]):
        assert SENTINEL_NAME not in text and SENTINEL_WAGE not in text
    with open_ledger(postgres_url) as ledger:
        actors = [(e.event, e.actor) for e in reversed(ledger.event_log())]
        assert ledger.verify().ok
        assert SENTINEL_NAME not in json.dumps(ledger.export(), default=str)
        assert [r.id for r in request_results(ledger, request_id).releases] == ran["releases"]
    assert actors == [("dataset.registered", OWNER), ("request.submitted", SCIENTIST),
                      ("request.approved", OWNER), ("request.started", OWNER),
                      ("request.ran", OWNER)]  # fmt: skip
