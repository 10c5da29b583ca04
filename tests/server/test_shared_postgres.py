"""Two JupyterLab servers on different ports share one PostgreSQL ledger and show the same budget;
neither shows the database password."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from jupyter_privacy import open_ledger
from jupyter_privacy.server.testing import start_lab

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_two_labs_show_the_same_team_budget(postgres_cluster, tmp_path: Path) -> None:
    database = sa.engine.make_url(postgres_cluster.new_database()).database
    url = postgres_cluster.url(database, password="team-secret")
    with open_ledger(url) as ledger:
        ledger.create_budget("census", 1.0, privacy_unit="one person")
    labs = []
    try:
        for name in ("alice", "bob"):
            root = tmp_path / name / "work"
            root.mkdir(parents=True)
            labs.append(start_lab(root, url))
        assert labs[0].port != labs[1].port
        with open_ledger(url) as ledger:  # a third machine's kernel spends
            ledger.spend("census", 0.3, value=1, description="count from a kernel")
        views = [lab.api("jupyter-privacy/api/budgets/census") for lab in labs]
        for view in views:
            text = json.dumps(view)
            assert "team-secret" not in text
            assert view["budget"]["epsilon_spent"] == pytest.approx(0.3)
            assert [r["description"] for r in view["releases"]] == ["count from a kernel"]
        assert views[0]["budget"] == views[1]["budget"]
        listed = [lab.api("jupyter-privacy/api/budgets") for lab in labs]
        assert listed[0]["budgets"] == listed[1]["budgets"]
        assert "team-secret" not in json.dumps(listed) and "***" in json.dumps(listed[0])
    finally:
        for lab in labs:
            lab.stop()
