"""Plain-text tables of datasets and requests, shared by the CLI and the `%dp_request` magic."""

from __future__ import annotations

from tabulate import tabulate

from jupyter_privacy.core.requests.datasets import Dataset
from jupyter_privacy.core.requests.records import RequestRecord


def requests_table(records: list[RequestRecord]) -> str:
    if not records:
        return "no requests"
    rows = [[r.id, r.status, r.dataset, r.title, r.scientist, f"{r.plan.epsilon:g}",
             r.decision.actor if r.decision else "", r.submitted_at[:19]] for r in records]  # fmt: skip
    headers = ["id", "status", "dataset", "title", "scientist", "planned ε", "decided by",
               "submitted"]  # fmt: skip
    return tabulate(rows, headers=headers, tablefmt="simple")


def datasets_table(datasets: list[Dataset]) -> str:
    if not datasets:
        return "no datasets registered"
    rows = [[d.name, d.budget, len(d.columns), d.mock_rows, d.owner, d.registered_at[:19],
             d.description] for d in datasets]  # fmt: skip
    return tabulate(rows, headers=["name", "budget", "columns", "mock rows", "owner",
                                   "registered", "description"], tablefmt="simple")  # fmt: skip
