"""The Python front door (`jupyter_privacy.requests`): PySyft's verbs on the kit's ledger.

Data owner: `register_dataset`, `review`, `approve`, `deny`, `run`, `close`. Data scientist:
`datasets`, `dataset`, `try_on_mock`, `submit`, `requests`, `request`, `results`, and
`request_data` inside notebook requests. Every function takes `ledger=` (a Ledger or URL; default: the project's).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, open_ledger
from jupyter_privacy.core.requests import datasets as _datasets
from jupyter_privacy.core.requests import records as _records
from jupyter_privacy.core.requests import results as _results
from jupyter_privacy.core.requests import review as _review
from jupyter_privacy.core.requests import runner as _runner
from jupyter_privacy.core.requests import workflow as _workflow
from jupyter_privacy.core.requests.statuses import STATUSES

LedgerArg = Ledger | str | None


@contextlib.contextmanager
def _opened(ledger: LedgerArg) -> Iterator[Ledger]:
    if isinstance(ledger, Ledger):
        yield ledger
        return
    with open_ledger(ledger) as opened:
        yield opened


def register_dataset(name: str, *, private: str | os.PathLike[str], budget: str,
                     ledger: LedgerArg = None, **options: Any) -> _datasets.Dataset:  # fmt: skip
    """Owner: offer the private CSV/Parquet files at `private` (see `datasets.register_dataset`)."""
    with _opened(ledger) as opened:
        return _datasets.register_dataset(opened, name, private=private, budget=budget, **options)


def datasets(*, ledger: LedgerArg = None) -> list[_datasets.Dataset]:
    with _opened(ledger) as opened:
        return _datasets.list_datasets(opened)


def dataset(name: str, *, ledger: LedgerArg = None) -> _datasets.Dataset:
    """A registered dataset; `.mock()` is its public mock to explore."""
    with _opened(ledger) as opened:
        return _datasets.get_dataset(opened, name)


def submit(code: Any, *, dataset: str, plan: Any, title: str = "", description: str = "",
           entry_point: str | None = None, ledger: LedgerArg = None,
           actor: str | None = None) -> _records.RequestRecord:  # fmt: skip
    """Scientist: ask to run `code` on `dataset`'s private data, releasing exactly `plan`."""
    with _opened(ledger) as opened:
        return _workflow.submit_request(opened, code, dataset=dataset, plan=plan, title=title,
                                        description=description, entry_point=entry_point,
                                        actor=actor)  # fmt: skip


def requests(status: str | None = None, *, dataset: str | None = None,
             ledger: LedgerArg = None) -> list[_records.RequestRecord]:  # fmt: skip
    """Requests, oldest first; `status` is one of pending, approved, denied, running, completed,
    failed."""
    if status is not None and status not in STATUSES:
        raise InvalidParameterError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    with _opened(ledger) as opened:
        found = _records.load_requests(opened)
    return [r for r in found if (status is None or r.status == status)
            and (dataset is None or r.dataset == dataset)]  # fmt: skip


def request(request_id: Any, *, ledger: LedgerArg = None) -> _records.RequestRecord:
    with _opened(ledger) as opened:
        return _records.get_request(opened, request_id)


def review(request_id: Any, *, ledger: LedgerArg = None) -> _review.Review:
    """Owner: code, previews of every planned release, budget left, hints and checks."""
    with _opened(ledger) as opened:
        return _review.review_request(opened, _records.get_request(opened, request_id))


def approve(request_id: Any, *, reason: str = "", ledger: LedgerArg = None,
            actor: str | None = None) -> _records.RequestRecord:  # fmt: skip
    with _opened(ledger) as opened:
        return _workflow.approve_request(opened, request_id, reason=reason, actor=actor)


def deny(request_id: Any, *, reason: str, ledger: LedgerArg = None,
         actor: str | None = None) -> _records.RequestRecord:  # fmt: skip
    with _opened(ledger) as opened:
        return _workflow.deny_request(opened, request_id, reason=reason, actor=actor)


def run(request_id: Any, *, ledger: LedgerArg = None, store: str | os.PathLike[str] | None = None,
        timeout: float = _runner.DEFAULT_TIMEOUT_S, actor: str | None = None) -> _runner.RunOutcome:  # fmt: skip
    """Owner: run an approved request in a separate process with the private data."""
    with _opened(ledger) as opened:
        return _runner.run_request(opened, request_id, store=store, timeout=timeout, actor=actor)


def close(request_id: Any, *, ledger: LedgerArg = None, store: str | os.PathLike[str] | None = None,
          force: bool = False, actor: str | None = None) -> _runner.RunOutcome:  # fmt: skip
    """Owner: close a run whose runner was killed (recorded `interrupted`, with its releases)."""
    from jupyter_privacy.core.requests.recovery import close_interrupted_run

    with _opened(ledger) as opened:
        return close_interrupted_run(opened, request_id, store=store, force=force, actor=actor)


def results(request_id: Any, *, ledger: LedgerArg = None) -> _results.RequestResults:
    """Scientist: the run's DP releases (and nothing else)."""
    with _opened(ledger) as opened:
        return _results.request_results(opened, request_id)


def try_on_mock(code: Any, *, dataset: str, plan: Any = None, entry_point: str | None = None,
                ledger: LedgerArg = None) -> _workflow.MockRun:  # fmt: skip
    """Scientist: run a function request on the public mock, here, spending nothing real."""
    with _opened(ledger) as opened:
        return _workflow.try_on_mock(opened, code, dataset=dataset, plan=plan,
                                     entry_point=entry_point)  # fmt: skip
