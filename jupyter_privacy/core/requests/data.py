"""What a request's code receives: `RequestData`, the same object on the mock and on the private
data, so code tried on the mock runs unchanged on the owner's side.

    def analysis(data):                       # a request's entry function
        data.table.query("SELECT AVG(wage) FROM t", epsilon=0.5)      # a DP release
        x = data.frame()                      # the rows (mock, or private on the owner's side)
        train_dp_sgd(model, x, y, budget=data.budget, ledger=data.ledger, ...)

In a notebook request, `request_data("name")` returns it: the mock in the scientist's kernel, the
private data (whatever name it is given) when the owner's runner executes the notebook. On the
owner's side `data.ledger` is the owner's ledger with the plan guard installed.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from jupyter_privacy.core.ledger import Ledger, open_ledger
from jupyter_privacy.core.requests.errors import RequestStateError

#: Set by the runner for the process that runs approved code: the path of its run context.
CONTEXT_ENV = "JUPYTER_PRIVACY_REQUEST_CONTEXT"


@dataclass
class RequestData:
    """The dataset as the code may use it; `mock` says which side this is."""

    name: str
    budget: str
    ledger: Ledger
    source: Any  # the private file path, or the mock frame
    table_options: dict[str, Any]
    mock: bool

    @functools.cached_property
    def table(self) -> Any:
        """A `PrivateTable` spending from the dataset's budget: every answer is a DP release."""
        from jupyter_privacy.core.queries import PrivateTable

        return PrivateTable(self.source, budget=self.budget, ledger=self.ledger, name=self.name,
                            **self.table_options)  # fmt: skip

    def polars(self) -> pl.DataFrame:
        """The rows as a polars frame (e.g. to build training arrays). Never release them raw."""
        if isinstance(self.source, pl.DataFrame):
            return self.source
        from jupyter_privacy.core.requests.mock import read_frame

        return read_frame(self.source)

    def frame(self) -> Any:
        """The rows as a pandas frame."""
        return self.polars().to_pandas()

    @property
    def columns(self) -> list[str]:
        return list(self.polars().columns) if self.mock else list(self.table.columns)

    def __repr__(self) -> str:
        side = "mock" if self.mock else "private"
        return f"<RequestData {self.name!r} ({side}), budget {self.budget!r}>"


def mock_data(ledger: Ledger, name: str) -> RequestData:
    """The mock of dataset `name` with a scratch ledger (in memory) holding a copy of its budget:
    spends there are practice, nothing reaches the real budget."""
    from jupyter_privacy.core.requests.datasets import get_dataset

    dataset = get_dataset(ledger, name)
    real = ledger.budget(dataset.budget)
    scratch = open_ledger("sqlite://")
    scratch.create_budget(
        real.name, real.epsilon_total, real.delta_total, composition=real.composition,
        privacy_unit=real.privacy_unit, max_contributions=real.max_contributions,
        notes="scratch copy for trying a request on the mock",
    )  # fmt: skip
    return RequestData(dataset.name, dataset.budget, scratch, dataset.mock(),
                       dataset.table_options(), mock=True)  # fmt: skip


@functools.cache
def _private_data_of_this_run() -> RequestData:
    """Built once per process from the run context the owner's runner wrote (see runner.py)."""
    from jupyter_privacy.core.requests.guard import PlanGuard
    from jupyter_privacy.core.requests.plan import Plan

    context = json.loads(Path(os.environ[CONTEXT_ENV]).read_text(encoding="utf-8"))
    ledger = open_ledger()  # the runner passes the owner's ledger URL in the environment
    PlanGuard(ledger, Plan.of(context["plan"]), budget=context["budget"], origin=context["origin"],
              report=Path(context["report"]))  # fmt: skip
    return RequestData(context["dataset"], context["budget"], ledger, context["private"],
                       context["table_options"], mock=False)  # fmt: skip


def request_data(name: str | None = None, *, ledger: Ledger | str | None = None) -> RequestData:
    """The request's data: private inside an approved run, else the mock of dataset `name`."""
    if os.environ.get(CONTEXT_ENV):
        data = _private_data_of_this_run()
        if name and name != data.name:
            raise RequestStateError(
                f"this run is for dataset '{data.name}', not '{name}': request_data('{data.name}')"
            )
        return data
    if not name:
        raise RequestStateError(
            "outside an approved run, give the dataset whose mock to use: request_data('name')"
        )
    opened = ledger if isinstance(ledger, Ledger) else open_ledger(ledger)
    return mock_data(opened, name)


def call_entry(text: str, entry_point: str, data: RequestData) -> Any:
    """Run request source `text` in a fresh namespace and call its entry function with `data`."""
    namespace: dict[str, Any] = {"__name__": "__request__"}
    exec(compile(text, "<request code>", "exec"), namespace)
    return namespace[entry_point](data)
