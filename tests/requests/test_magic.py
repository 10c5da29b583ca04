"""`%dp_request` and `%%dp_request submit` in a real IPython shell: the scientist's side in a
notebook, errors as one line."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.requests.records import get_request
from jupyter_privacy.core.requests.workflow import approve_request
from jupyter_privacy.testing.requests import HONEST, OWNER, SENTINEL_NAME


@pytest.fixture(scope="module")
def shell():
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "jupyter_privacy")
    return ip


def test_a_scientist_explores_submits_and_reads_in_a_notebook(shell, ledger: Ledger, ledger_url,
                                                              dataset, capsys) -> None:  # fmt: skip
    at = f"--ledger {ledger_url}"
    shell.run_line_magic("dp_request", f"datasets {at}")
    shell.run_line_magic("dp_request", f"mock people -o mock {at}")
    assert shell.user_ns["mock"].shape == (200, 4)
    shell.run_cell_magic(
        "dp_request",
        f'submit --dataset people --try --title "count and mean" {at} '
        '--query "SELECT COUNT(*) FROM t" --epsilon 0.5 '
        '--query "SELECT region, AVG(wage) FROM t GROUP BY region" --epsilon 1',
        HONEST,
    )  # fmt: skip
    request = ledger.event_log("request.submitted")[0].id
    shell.run_line_magic("dp_request", f"list --status pending {at}")
    shell.run_line_magic("dp_request", f"show {request} {at}")
    approve_request(ledger, request, reason="fine", actor=OWNER)
    shell.run_line_magic("dp_request", f"results {request} -o results {at}")
    out = capsys.readouterr().out
    assert "people" in out and "(kept in `mock`)" in out
    assert "tried on the mock: 2 release(s) as planned" in out
    assert f"submitted request {request} (count and mean): planned ε 1.5" in out
    assert "± at α=0.05" in out and "approved; waiting for the data owner to run it" in out
    assert SENTINEL_NAME not in out
    assert get_request(ledger, request).code.text == HONEST
    assert shell.user_ns["results"].status == "approved"


@pytest.mark.parametrize(
    ("line", "cell", "words"),
    [
        (
            "submit --dataset people --query 'SELECT COUNT(*) FROM t' --epsilon 1",
            None,
            "cell magic",
        ),
        ("list", "x = 1", "line magic"),
        ("submit --dataset people --query 'SELECT COUNT(*) FROM t'", HONEST, "one --epsilon"),
        ("show 999", None, "no request 999"),
        ("frobnicate", None, "invalid choice"),
    ],
)
def test_user_errors_are_one_line(shell, ledger_url, dataset, line, cell, words) -> None:
    with pytest.raises(UsageError, match=words):
        if cell is None:
            shell.run_line_magic("dp_request", f"{line} --ledger {ledger_url}")
        else:
            shell.run_cell_magic("dp_request", f"{line} --ledger {ledger_url}", cell)
