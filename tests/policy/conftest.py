"""A policy for EU, US and India written by the real generator, and frames in pandas and polars."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jupyter_privacy.core.policy import draft_policy, write_policy

#: A value that must never reach the ledger, the reports or any output (trust-first sentinel).
SENTINEL = "Zq9-SENTINEL-4471"
FIELDS = {"wage": "financial", "education": "demographic", "ethnicity": "racial_ethnic_origin",
          "email": "direct_identifier", "region": "location_coarse"}  # fmt: skip
FEATURES = {"wage_band": [], "face_match": ["biometric_identification"],
            "social_score": ["social_scoring"]}  # fmt: skip


@pytest.fixture
def policy_data() -> dict[str, Any]:
    return draft_policy(["eu", "us", "in"], ["ml-model"], fields=FIELDS, features=FEATURES)


@pytest.fixture
def policy_path(tmp_path: Path, policy_data: dict[str, Any]) -> Path:
    return write_policy(policy_data, tmp_path / "privacy-policy.yaml")


def rows() -> dict[str, list[Any]]:
    return {
        "wage": [512.5, 731.0, 388.2], "education": [12, 16, 9],
        "ethnicity": ["cauc", "afam", SENTINEL], "email": [f"{SENTINEL}@example.org", "b@x", "c@x"],
        "region": ["south", "west", "midwest"], "shoe_size": [42, 38, 44],
    }  # fmt: skip


@pytest.fixture(params=["pandas", "polars", "polars-lazy"])
def frame(request: pytest.FixtureRequest) -> Any:
    if request.param == "pandas":
        import pandas as pd

        return pd.DataFrame(rows())
    import polars as pl

    data = pl.DataFrame(rows())
    return data.lazy() if request.param == "polars-lazy" else data
