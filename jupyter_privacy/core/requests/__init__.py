"""Remote data science with owner approval (PySyft's workflow on the kit's ledger).

A data owner registers a dataset (private files that stay on their machine, a public mock, public
declarations, a budget); a data scientist explores the mock and submits code with the DP releases
it will make; the owner reviews code and planned ε with accuracy previews and approves or denies;
only approved code runs, on the owner's side, in a separate process, and only its DP releases
return. Every step is a hash-chained ledger event. See docs/requests.md.

Names load on first use (like the package root): the CLI can import the light modules (plan,
records, arguments) without paying for OpenDP and polars.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    **dict.fromkeys(
        ("approve", "close", "dataset", "datasets", "deny", "register_dataset", "request",
         "requests", "results", "review", "run", "submit", "try_on_mock"), "api"),
    "RequestData": "data", "request_data": "data", "Dataset": "datasets",
    **dict.fromkeys(
        ("CodeDigestError", "PlanError", "PlanViolationError", "RequestStateError",
         "UnknownDatasetError", "UnknownRequestError"), "errors"),
    **dict.fromkeys(("DpSgdTraining", "FederatedTraining", "Plan", "Query"), "plan"),
    "STATUSES": "statuses", "RequestRecord": "records",
    **dict.fromkeys(("Finding", "Review", "register_review_check"), "review"),
    "RunOutcome": "runner", "RequestResults": "results", "MockRun": "workflow",
}  # fmt: skip

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
