"""The engine seam: which engine answers which data, and the Spark engine's missing-extra error.

Nothing here starts Spark or needs the `spark` extra: a missing pyspark or pipeline-dp must be
reported, not crash.
"""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from jupyter_privacy.core.errors import MissingExtraError
from jupyter_privacy.core.queries import PrivateTable
from jupyter_privacy.core.queries.engine import OPENDP, PIPELINEDP_SPARK, engine_for


def test_engine_is_chosen_from_the_data_type_without_importing_spark():
    assert engine_for(pd.DataFrame({"a": [1]})) == OPENDP
    assert engine_for("people.parquet") == OPENDP
    fake = type("DataFrame", (), {"__module__": "pyspark.sql.classic.dataframe"})()
    assert engine_for(fake) == PIPELINEDP_SPARK


@pytest.mark.parametrize("module", ["pyspark.sql", "pipeline_dp"])
def test_missing_spark_extra_names_the_extra(monkeypatch, ledger, module):
    ledger.create_budget("b", 1.0, privacy_unit="one person")
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    from jupyter_privacy.core.queries.pipelinedp_engine import pipeline_dp
    from jupyter_privacy.core.queries.spark_source import spark_session

    with pytest.raises(MissingExtraError, match=r"jupyter-privacy\[spark\]"):
        spark_session() if module == "pyspark.sql" else pipeline_dp()


def test_a_spark_path_without_pyspark_fails_with_the_extra_before_reading(
    monkeypatch, ledger, tmp_path
):
    ledger.create_budget("b", 1.0, privacy_unit="one person")
    path = tmp_path / "people.parquet"
    pd.DataFrame({"a": [1.0]}).to_parquet(path)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    from jupyter_privacy.core.queries.spark_table import SparkPrivateTable

    with pytest.raises(MissingExtraError, match="spark"):
        SparkPrivateTable(str(path), budget="b", ledger=ledger)
    assert PrivateTable(str(path), budget="b", ledger=ledger).columns == ["a"]  # OpenDP: fine
