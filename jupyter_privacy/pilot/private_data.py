"""The private data a pilot works on: the user's file, or the bundled CPS 1988 extract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from jupyter_privacy.core.errors import InvalidParameterError

DEFAULT_EXAMPLE = "cps1988"


def load_private_frame(data_path: Any) -> pd.DataFrame:
    """Read the pilot's private table into pandas (for the raw-data scan and the small templates)."""
    if not data_path:
        from jupyter_privacy.core.queries import load_example

        return load_example(DEFAULT_EXAMPLE).frame
    path = Path(str(data_path))
    if not path.is_file():
        raise InvalidParameterError(f"data_path {path} does not exist; give a CSV or Parquet file")
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix in {".csv", ".tsv"}:
        return pd.read_csv(path, sep="\t" if path.suffix == ".tsv" else ",")
    raise InvalidParameterError(f"data_path {path}: use a .csv, .tsv or .parquet file")
