"""Registering a dataset: what goes into the shared ledger (public facts and the mock), what stays
on the owner's machine (the private path), and the mocks that are refused."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from jupyter_privacy.core.errors import (
    InvalidParameterError,
    LedgerIntegrityError,
    UnknownBudgetError,
)
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.requests.datasets import get_dataset, list_datasets, register_dataset
from jupyter_privacy.core.requests.errors import UnknownDatasetError
from jupyter_privacy.core.requests.owner import DATASETS_FILE, OwnerStore
from jupyter_privacy.testing.requests import (
    BOUNDS,
    OWNER,
    REGIONS,
    SENTINEL_NAME,
    SENTINEL_WAGE,
    private_frame,
    register_people,
)


def test_registration_is_a_chained_event_with_public_facts_and_a_synthetic_mock(
    ledger: Ledger, dataset, private_csv: Path, store: Path
) -> None:
    event = ledger.event_log("dataset")[0]
    assert (event.event, event.budget, event.actor) == ("dataset.registered", "people", OWNER)
    text = json.dumps(ledger.export(), default=str)
    assert str(private_csv) not in text and str(private_csv.parent) not in text  # path stays home
    assert SENTINEL_NAME not in text and SENTINEL_WAGE not in text
    assert ledger.verify().ok
    mock = dataset.mock()
    assert mock.columns == ["name", "age", "wage", "region"] and mock.height == 200
    assert (
        mock["age"].min() >= 18 and mock["age"].max() <= 90 and set(mock["region"]) <= set(REGIONS)
    )
    assert not set(mock["name"]) & set(private_frame()["name"])  # placeholders, not private names
    assert get_dataset(ledger, "people").mock_sha256 == dataset.mock_sha256
    assert [d.name for d in list_datasets(ledger)] == ["people"]
    kept = store / DATASETS_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert OwnerStore(store).private_path("people", dataset.event_id) == private_csv


def test_registering_again_makes_a_new_version(ledger: Ledger, dataset, private_csv, store) -> None:
    again = register_people(ledger, private_csv, store, description="v2")
    assert again.event_id > dataset.event_id and get_dataset(ledger, "people").description == "v2"
    assert len(list_datasets(ledger)) == 1


def test_a_mock_that_copies_private_rows_is_refused(
    ledger: Ledger, private_csv, store, tmp_path
) -> None:
    copied = tmp_path / "mock.csv"
    private_frame().head(50).to_csv(copied, index=False)
    with pytest.raises(InvalidParameterError, match="shows rows of the private data"):
        register_people(ledger, private_csv, store, mock=copied)
    assert ledger.event_log("dataset") == []


def test_a_mock_of_other_columns_is_refused(ledger: Ledger, private_csv, store) -> None:
    other = pl.DataFrame({"name": ["a"], "age": [30], "salary": [1.0], "region": ["north"]})
    with pytest.raises(
        InvalidParameterError, match="missing: wage; not in the private data: salary"
    ):
        register_people(ledger, private_csv, store, mock=other)


def test_bad_declarations_and_unknown_budget_spend_and_record_nothing(
    ledger: Ledger, private_csv, store
) -> None:
    ledger.create_budget("people", 3.0, 1e-5)
    with pytest.raises(InvalidParameterError, match="which the data does not have"):
        register_dataset(ledger, "people", private=private_csv, budget="people",
                         bounds={"salary": (0, 1)}, store=store)  # fmt: skip
    with pytest.raises(UnknownBudgetError):
        register_dataset(ledger, "people", private=private_csv, budget="nope", store=store)
    with pytest.raises(InvalidParameterError, match="does not exist"):
        register_dataset(ledger, "people", private="missing.csv", budget="people", store=store)
    with pytest.raises(InvalidParameterError, match="unknown option"):
        register_dataset(ledger, "people", private=private_csv, budget="people", bound=BOUNDS)
    assert ledger.event_log() == [] and not (store / DATASETS_FILE).exists()


def test_unknown_dataset_and_a_tampered_mock(ledger: Ledger, dataset, ledger_url: str) -> None:
    with pytest.raises(UnknownDatasetError, match="registered: people"):
        get_dataset(ledger, "other")
    engine = sa.create_engine(ledger_url)
    with engine.begin() as conn:
        row = conn.execute(sa.text("SELECT details_json FROM jp_entries WHERE id = :i"),
                           {"i": dataset.event_id}).scalar()  # fmt: skip
        details = json.loads(row)
        details["mock"]["content"] = details["mock"]["content"][:-8] + "AAAAAAA="
        conn.execute(sa.text("UPDATE jp_entries SET details_json = :d WHERE id = :i"),
                     {"d": json.dumps(details), "i": dataset.event_id})  # fmt: skip
    with pytest.raises(LedgerIntegrityError, match="does not match its recorded SHA-256"):
        get_dataset(ledger, "people").mock()
    assert not ledger.verify().ok
