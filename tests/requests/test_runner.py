"""Running approved code: a separate process on the owner's side, only DP releases come back.

The sentinel test plants a name and a wage in the private data, approves code that prints them,
writes them to files, returns the frame, raises with them and tries to smuggle one through a query
it was not approved for, then looks for them in everything a scientist can get — and in every
file of the test's folder: only the private data and the owner's run log may hold them.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.requests.errors import (
    CodeDigestError,
    RequestStateError,
    UnknownDatasetError,
)
from jupyter_privacy.core.requests.records import get_request, load_requests
from jupyter_privacy.core.requests.results import request_results
from jupyter_privacy.core.requests.review import review_request
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

pytestmark = pytest.mark.slow  # each run starts a Python process that imports OpenDP


def approved(ledger: Ledger, code: str = HONEST, plan=None) -> int:
    record = submit_request(ledger, code, dataset="people", plan=plan or honest_plan(),
                            actor=SCIENTIST)  # fmt: skip
    approve_request(ledger, record.id, reason="ok", actor=OWNER)
    return record.id


def test_approved_code_runs_once_in_a_separate_process(ledger: Ledger, dataset, store) -> None:
    request_id = approved(ledger)
    outcome = run_request(ledger, request_id, store=store, actor=OWNER, timeout=300)
    assert outcome.outcome == "completed" and len(outcome.releases) == 2
    assert outcome.epsilon == pytest.approx(1.5) and ledger.budget(
        "people"
    ).epsilon_spent == pytest.approx(1.5)
    record = get_request(ledger, request_id)
    assert record.status == "completed" and record.run.actor == OWNER
    assert [e.event for e in record.timeline] == ["request.submitted", "request.approved",
                                                  "request.started", "request.ran"]  # fmt: skip
    releases = [r for r in ledger.history("people") if r.id in outcome.releases]
    assert {r.origin for r in releases} == {f"request:{request_id}/run:{record.run.started_event}"}
    results = request_results(ledger, request_id)
    assert [r.id for r in results.releases] == list(outcome.releases)
    assert "95% interval" in results.text() and "mean_wage" in results.text()
    assert stat.S_IMODE(outcome.log.stat().st_mode) == 0o600
    assert stat.S_IMODE(outcome.log.parent.stat().st_mode) == 0o700
    assert not (outcome.log.parent / "work").exists()
    with pytest.raises(RequestStateError, match="already ran"):
        run_request(ledger, request_id, store=store)
    assert ledger.verify().ok


def test_the_scientist_never_receives_a_raw_value(ledger: Ledger, dataset, store, tmp_path) -> None:
    request_id = approved(ledger, LEAKY, plan=[{"query": COUNT, "epsilon": 0.5}])
    outcome = run_request(ledger, request_id, store=store, actor=OWNER, timeout=300)
    assert outcome.outcome == "failed" and len(outcome.releases) == 1  # the count was released
    assert ledger.budget("people").epsilon_spent == pytest.approx(0.5)  # the WHERE query was not
    log = outcome.log.read_text()
    assert SENTINEL_NAME in log and "refused: the code tried to make a query release" in log
    tmpdir = Path(log.split("tmpdir: ", 1)[1].split()[0])
    assert tmpdir.name.startswith("jp-request-") and not tmpdir.exists()  # removed with its leak
    scientist_sees = [
        json.dumps(ledger.export(), default=str),
        request_results(ledger, request_id).text(),
        json.dumps(request_results(ledger, request_id).to_dict(), default=str),
        review_request(ledger, get_request(ledger, request_id)).text(),
        json.dumps([r.to_dict() for r in load_requests(ledger)], default=str),
        outcome.summary(),
    ]
    for text in scientist_sees:
        assert SENTINEL_NAME not in text and SENTINEL_WAGE not in text
    holders = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()
                     and (SENTINEL_NAME.encode() in p.read_bytes()
                          or SENTINEL_WAGE.encode() in p.read_bytes()))  # fmt: skip
    assert holders == ["owner-data/people.csv", str(outcome.log.relative_to(tmp_path))]


def test_code_edited_after_approval_is_refused(ledger: Ledger, dataset, store, ledger_url) -> None:
    request_id = approved(ledger)
    engine = sa.create_engine(ledger_url)
    with engine.begin() as conn:  # someone edits the stored code in the database
        details = json.loads(conn.execute(sa.text("SELECT details_json FROM jp_entries WHERE id = :i"),
                                          {"i": request_id}).scalar())  # fmt: skip
        details["code"] += "    print(data.frame())\n"
        conn.execute(sa.text("UPDATE jp_entries SET details_json = :d WHERE id = :i"),
                     {"d": json.dumps(details), "i": request_id})  # fmt: skip
    before = len(ledger.event_log())
    with pytest.raises(CodeDigestError, match="is not the code that was approved"):
        run_request(ledger, request_id, store=store)
    assert len(ledger.event_log()) == before and ledger.budget("people").release_count == 0
    assert not ledger.verify().ok


def test_a_release_outside_the_plan_is_refused_before_anything_is_spent(
    ledger, dataset, store
) -> None:
    request_id = approved(ledger, HONEST, plan=[{"query": COUNT, "epsilon": 0.5}])
    outcome = run_request(ledger, request_id, store=store, timeout=300)
    assert outcome.outcome == "failed" and len(outcome.releases) == 1
    assert ledger.budget("people").epsilon_spent == pytest.approx(0.5)
    assert "not in the approved plan" in outcome.log.read_text()


def test_a_run_past_its_timeout_is_ended(ledger, dataset, store) -> None:
    code = "def slow(data):\n    import time\n    time.sleep(120)\n"
    request_id = approved(ledger, code, plan=[{"query": COUNT, "epsilon": 0.5}])
    outcome = run_request(ledger, request_id, store=store, timeout=3)
    assert outcome.outcome == "timed out" and outcome.releases == () and outcome.seconds < 60
    assert get_request(ledger, request_id).status == "failed"


def test_no_run_without_this_machine_holding_the_dataset(ledger, dataset, store, tmp_path,
                                                          private_csv) -> None:  # fmt: skip
    request_id = approved(ledger)
    before = len(ledger.event_log())
    with pytest.raises(UnknownDatasetError, match="does not hold the private data"):
        run_request(ledger, request_id, store=tmp_path / "elsewhere")
    register_people(ledger, private_csv, store, description="v2")
    with pytest.raises(RequestStateError, match="was registered again"):
        run_request(ledger, request_id, store=store)
    assert len(ledger.event_log()) == before + 1  # only the new registration


@pytest.mark.notebook
def test_a_notebook_request_runs_with_papermill(ledger, dataset, store, tmp_path) -> None:
    cells = [
        "from jupyter_privacy.requests import request_data\ndata = request_data('people')",
        "print(data.frame().head())",
        "count = data.table.query('SELECT COUNT(*) FROM t', epsilon=0.5)\ncount",
    ]
    notebook = {"nbformat": 4, "nbformat_minor": 5,
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": s,
                           "outputs": [], "execution_count": None} for i, s in enumerate(cells)]}  # fmt: skip
    path = tmp_path / "analysis.ipynb"
    path.write_text(json.dumps(notebook))
    request_id = approved(ledger, str(path), plan=[{"query": COUNT, "epsilon": 0.5}])
    assert get_request(ledger, request_id).code.kind == "notebook"
    outcome = run_request(ledger, request_id, store=store, timeout=300)
    assert outcome.outcome == "completed" and len(outcome.releases) == 1
    executed = outcome.log.parent / "executed.ipynb"  # the owner's copy, with the printed rows
    assert SENTINEL_NAME in executed.read_text()
    assert SENTINEL_NAME not in json.dumps(ledger.export(), default=str)
    assert SENTINEL_NAME not in request_results(ledger, request_id).text()
