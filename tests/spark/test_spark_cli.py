"""`jupyter privacy query --spark-master …`: a release on the standalone cluster from Parquet files,
replayed by the Python API on the same files (the files' fingerprint and the replay key agree)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jupyter_privacy.cli import main
from jupyter_privacy.core.queries.spark_table import SparkPrivateTable

pytestmark = pytest.mark.spark

SQL = "SELECT region, AVG(wage) FROM t GROUP BY region"
SENTINEL = 987654.25  # a private value: no output may carry it


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "uid": np.arange(600), "region": rng.choice(["north", "south"], 600),
        "wage": rng.uniform(0, 1000, 600),
    })  # fmt: skip
    frame.loc[5, "wage"] = SENTINEL
    folder = tmp_path / "people"
    folder.mkdir()
    frame.iloc[:300].to_parquet(folder / "part-0.parquet")
    frame.iloc[300:].to_parquet(folder / "part-1.parquet")
    return str(folder / "*.parquet")


def arguments(ledger_url: str, files: str) -> list[str]:
    return ["query", "--ledger", ledger_url, "--budget", "study", "--data", files,
            "--bounds", "wage=0:1000", "--keys", "region=north,south", "--privacy-id", "uid",
            "--max-contributions", "1", "--epsilon", "1"]  # fmt: skip


def test_cli_release_on_the_cluster_then_replay_from_python(spark_cluster, spark, capsys, ledger,
                                                            ledger_url, files):  # fmt: skip
    """In-process, the CLI's Spark session is the tests' one (getOrCreate): a second driver would
    cost a minute here. The subprocess path is the same code behind `python -m`."""
    ledger.create_budget("study", 5.0, privacy_unit="one person")
    code = main([*arguments(ledger_url, files), "--spark-master", spark_cluster.url,
                 "--spark-conf", "spark.executor.memory=512m", "--json", SQL])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    release = json.loads(captured.out)["release"]
    assert not release["replayed"] and len(release["values"]) == 2
    assert release["privacy_unit"].startswith("one person, identified by column 'uid'")
    assert str(SENTINEL) not in captured.out + captured.err
    entry = ledger.history("study")[-1]
    assert entry.origin == "cli" and entry.details["engine"] == "pipelinedp-spark"
    assert entry.details["data_fingerprint"].startswith("hmac-sha256:")

    table = SparkPrivateTable(files, budget="study", ledger=ledger, bounds={"wage": (0, 1000)},
                              keys={"region": ["north", "south"]}, privacy_id="uid",
                              max_contributions=1, spark=spark)  # fmt: skip
    again = table.query(SQL, 1.0)
    assert again.replayed and again.entry_id == release["entry_id"]
    assert ledger.budget("study").epsilon_spent == pytest.approx(1.0)


def test_cli_errors_before_spark_starts(capsys, ledger, ledger_url, files, tmp_path):
    ledger.create_budget("study", 5.0, privacy_unit="one person")
    missing = str(tmp_path / "nowhere" / "*.parquet")
    code = main([*arguments(ledger_url, missing), "--spark-master", "spark://127.0.0.1:1", SQL])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no data files match" in err
    code = main([*arguments(ledger_url, files), SQL])  # --privacy-id without --spark-master
    err = capsys.readouterr().err
    assert code == 2 and "--privacy-id needs --spark-master" in err
    assert ledger.history("study") == []
