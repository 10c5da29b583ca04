"""One real standalone Spark cluster (master + worker on 127.0.0.1) and one session for all Spark tests.

Starting Spark costs tens of seconds on this machine, so the cluster and the session live for the
whole test session; both are stopped at its end, also when tests fail. Data are small.
"""

from __future__ import annotations

import pytest

from jupyter_privacy.core.ledger import Ledger

SESSION_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.executor.memory": "1g",
    "spark.executor.cores": "2",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
}


@pytest.fixture(scope="session")
def spark_cluster():
    from jupyter_privacy.testing.spark import SparkCluster

    cluster = SparkCluster(cores=2, memory="1500m")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def spark(spark_cluster):
    from jupyter_privacy.core.queries.spark_source import spark_session

    session = spark_session(spark_cluster.url, app_name="jupyter-privacy-tests",
                            config=SESSION_CONFIG)  # fmt: skip
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture
def study(ledger: Ledger) -> Ledger:
    ledger.create_budget("study", 200.0, 1e-4, privacy_unit="one person", max_contributions=3)
    return ledger
