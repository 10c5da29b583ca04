"""Datasets a data owner offers for remote data science (PySyft's datasets and assets).

A registration is one hash-chained `dataset.registered` event tied to the dataset's budget. It
holds only what a scientist may see: the name, a description, the budget that pays for every
release, the column names and types, the public declarations a private table needs (bounds, keys,
imputation, quantile candidates, row and group limits), an optional public row count, a policy
hook (`high_risk`, for the policy module) and the mock itself. The private files stay on the
owner's machine (owner.py). Registering a name again makes a new version; requests name the
version they were written against.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Event, Ledger
from jupyter_privacy.core.requests import mock as mocks
from jupyter_privacy.core.requests.errors import UnknownDatasetError
from jupyter_privacy.core.requests.owner import OwnerStore, owner_store_dir
from jupyter_privacy.core.validation import check_budget_name, check_positive_int

REGISTERED = "dataset.registered"
TABLE_OPTIONS = ("bounds", "keys", "impute", "candidates", "max_rows", "max_groups",
                 "max_contributions")  # fmt: skip


@dataclass(frozen=True)
class Dataset:
    """One registered version of a dataset, as every ledger reader sees it."""

    name: str
    budget: str
    description: str
    columns: dict[str, str]
    table: dict[str, Any]
    public_rows: int | None
    mock_rows: int
    mock_synthetic: bool
    mock_sha256: str
    policy: dict[str, Any]
    owner: str
    registered_at: str
    event_id: int
    _mock: str = field(repr=False, compare=False, default="")

    @property
    def high_risk(self) -> bool:
        return bool(self.policy.get("high_risk", False))

    def mock(self) -> pl.DataFrame:
        """The public mock as a polars frame (`.to_pandas()` for pandas)."""
        return mocks.decode_mock(self._mock, self.mock_sha256)

    def table_options(self) -> dict[str, Any]:
        """Keyword arguments for `PrivateTable` (bounds as pairs, keys as lists)."""
        options = {k: v for k, v in self.table.items() if v is not None}
        if "bounds" in options:
            options["bounds"] = {c: tuple(pair) for c, pair in options["bounds"].items()}
        return options

    def mock_table(self, ledger: Ledger | str | None = None) -> Any:
        """A `PrivateTable` over the mock, declared like the private data: previews never read
        data, so a preview on it is the preview the owner will see."""
        from jupyter_privacy.core.queries import PrivateTable

        return PrivateTable(self.mock(), budget=self.budget, ledger=ledger, name=self.name,
                            **self.table_options())  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "budget": self.budget, "description": self.description,
            "columns": self.columns, "table": self.table, "public_rows": self.public_rows,
            "mock_rows": self.mock_rows, "mock_synthetic": self.mock_synthetic,
            "mock_sha256": self.mock_sha256, "policy": self.policy, "owner": self.owner,
            "registered_at": self.registered_at, "event_id": self.event_id,
        }  # fmt: skip

    def describe(self) -> str:
        bounds = ", ".join(
            f"{c} in [{lo:g}, {hi:g}]" for c, (lo, hi) in self.table.get("bounds", {}).items()
        )
        keys = ", ".join(f"{c}: {len(v)} keys" for c, v in self.table.get("keys", {}).items())
        lines = [
            f"dataset '{self.name}' (version: ledger entry {self.event_id}, registered by "
            f"{self.owner} at {self.registered_at})",
            f"  budget: {self.budget}" + ("  [high risk]" if self.high_risk else ""),
            f"  columns: {', '.join(f'{c} ({t})' for c, t in self.columns.items())}",
            f"  bounds: {bounds or 'none declared'}",
            f"  keys: {keys or 'none declared'}",
            f"  public row count: {self.public_rows if self.public_rows is not None else 'not declared'}",
            f"  mock: {self.mock_rows} rows ({'synthetic from public facts' if self.mock_synthetic else 'given by the owner'})",
        ]  # fmt: skip
        if self.description:
            lines.insert(1, f"  {self.description}")
        return "\n".join(lines)


def dataset_from_event(event: Event) -> Dataset:
    d = event.details
    mock = d.get("mock", {})
    return Dataset(
        name=d["dataset"], budget=d["budget"], description=d.get("description", ""),
        columns=dict(d.get("columns", [])), table=dict(d.get("table", {})),
        public_rows=d.get("public_rows"), mock_rows=int(mock.get("rows", 0)),
        mock_synthetic=bool(mock.get("synthetic", False)), mock_sha256=mock.get("sha256", ""),
        policy=dict(d.get("policy", {})), owner=event.actor, registered_at=event.created_at,
        event_id=event.id, _mock=mock.get("content", ""),
    )  # fmt: skip


def list_datasets(ledger: Ledger) -> list[Dataset]:
    """The newest version of every registered dataset, by name."""
    newest: dict[str, Dataset] = {}
    for event in ledger.event_log(REGISTERED):  # newest first
        name = event.details.get("dataset")
        if isinstance(name, str) and name not in newest:
            newest[name] = dataset_from_event(event)
    return sorted(newest.values(), key=lambda d: d.name)


def get_dataset(ledger: Ledger, name: str) -> Dataset:
    for dataset in list_datasets(ledger):
        if dataset.name == name:
            return dataset
    known = ", ".join(d.name for d in list_datasets(ledger)) or "none yet"
    raise UnknownDatasetError(
        f"no dataset named '{name}' in ledger {ledger.display_url} (registered: {known}); the "
        "owner registers one with: jupyter privacy datasets register",
        dataset=name,
    )


def _checked_table(options: Mapping[str, Any], columns: list[str]) -> dict[str, Any]:
    from jupyter_privacy.core.queries import data as declared

    bounds = declared.check_bounds(options.get("bounds"), columns)
    table: dict[str, Any] = {
        "bounds": {c: [lo, hi] for c, (lo, hi) in bounds.items()},
        "keys": {c: list(v) for c, v in declared.check_keys(options.get("keys"), columns).items()},
    }
    # Only what the owner declared (PrivateTable fills the defaults); checked like PrivateTable does.
    impute, candidates = options.get("impute") or {}, options.get("candidates") or {}
    checked_impute = declared.check_impute(impute, bounds)
    checked_candidates = declared.check_candidates(candidates, bounds)
    table["impute"] = {c: checked_impute[c] for c in impute}
    table["candidates"] = {c: list(checked_candidates[c]) for c in candidates}
    for name in ("max_rows", "max_groups", "max_contributions"):
        value = options.get(name)
        table[name] = None if value is None else check_positive_int(value, name)
    return table


def _check_same_columns(mock: dict[str, str], private: dict[str, str]) -> None:
    if list(mock) != list(private):
        missing = [c for c in private if c not in mock]
        extra = [c for c in mock if c not in private]
        raise InvalidParameterError(
            "the mock must have the private data's columns, in the same order"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; not in the private data: {', '.join(extra)}" if extra else "")
        )
    differ = [c for c in mock if mocks._numeric(mock[c]) != mocks._numeric(private[c])]
    if differ:
        raise InvalidParameterError(
            f"mock and private data disagree on which columns are numbers: {', '.join(differ)}"
        )


def register_dataset(
    ledger: Ledger, name: str, *, private: str | os.PathLike[str], budget: str,
    mock: str | os.PathLike[str] | pl.DataFrame | Any = "synthetic", description: str = "",
    public_rows: int | None = None, high_risk: bool = False, mock_rows: int = mocks.DEFAULT_MOCK_ROWS,
    seed: int | None = None, store: str | os.PathLike[str] | None = None, actor: str | None = None,
    **table: Any,
) -> Dataset:  # fmt: skip
    """Offer the private files at `private` for requests; see the module docstring.

    `mock` is ``"synthetic"`` (drawn from the declared bounds and keys only), a CSV/Parquet path or
    a frame. `table` holds the public declarations of `PrivateTable` (bounds, keys, impute,
    candidates, max_rows, max_groups, max_contributions).
    """
    name = check_budget_name(name)
    unknown = sorted(set(table) - set(TABLE_OPTIONS))
    if unknown:
        raise InvalidParameterError(
            f"unknown option(s) {', '.join(unknown)}; a dataset declares {', '.join(TABLE_OPTIONS)}"
        )
    ledger.budget(budget)  # UnknownBudgetError names how to create it
    if not isinstance(private, (str, os.PathLike)):
        raise InvalidParameterError(
            "give the private data as a CSV/Parquet path: approved code reads it in a separate "
            "process on this machine"
        )
    private_path = Path(os.path.abspath(os.fspath(private)))  # a glob stays a glob
    columns = mocks.schema_of(private_path)
    options = _checked_table(table, list(columns))
    synthetic = isinstance(mock, str) and mock == "synthetic"
    if synthetic:
        frame = mocks.synthetic_mock(columns, bounds={c: tuple(p) for c, p in options["bounds"].items()},
                                     keys=options["keys"], rows=check_positive_int(mock_rows, "mock_rows"),
                                     seed=seed)  # fmt: skip
    elif isinstance(mock, (str, os.PathLike)):
        frame = mocks.read_frame(mock)
    else:
        from jupyter_privacy.core.queries.sources import to_polars

        frame = to_polars(mock)
    _check_same_columns({c: str(t) for c, t in frame.schema.items()}, columns)
    rows = None if public_rows is None else check_positive_int(public_rows, "public_rows")
    content, digest = mocks.encode_mock(frame)
    staged = Dataset(
        name=name, budget=budget, description=str(description or ""), columns=columns,
        table=options, public_rows=rows, mock_rows=frame.height, mock_synthetic=synthetic,
        mock_sha256=digest, policy={"high_risk": bool(high_risk)}, owner="", registered_at="",
        event_id=0, _mock=content,
    )  # fmt: skip
    checked = staged.mock_table(ledger)  # the declarations fit the columns (PrivateTable's checks)
    if not synthetic and mocks.copied_private_rows(frame, private_path, checked):
        raise InvalidParameterError(
            f"the mock of '{name}' shows rows of the private data; a mock is public (every ledger "
            "reader sees it): give a synthetic one, e.g. mock='synthetic'"
        )
    details = {
        "dataset": name, "budget": budget, "description": staged.description,
        "columns": [[column, kind] for column, kind in columns.items()],  # pairs keep the order
        "table": options, "public_rows": rows, "policy": staged.policy,
        "mock": {"format": "parquet-base64", "rows": frame.height, "synthetic": synthetic,
                 "sha256": digest, "content": content},
    }  # fmt: skip
    if high_risk:  # the lane (#19) enforces it: an owner's approval for every spend, audited
        from jupyter_privacy.core.ledger import highrisk

        highrisk.mark_high_risk(ledger, budget=budget, dataset=name,
                                reason=f"dataset '{name}' registered as high-risk by its owner")  # fmt: skip
    event = ledger.record_event(REGISTERED, budget=budget, description=f"dataset registered: {name}",
                                details=details, actor=actor)  # fmt: skip
    OwnerStore(owner_store_dir(store, ledger.url)).remember(name, private_path, event.id)
    return dataset_from_event(event)
