"""Every write reads its budget's newest entry: through an index on (budget_id, id) on every backend,
and on PostgreSQL with a plan made for the rows at hand (a generic plan cached while the ledger was
empty scanned every entry on each spend)."""

from __future__ import annotations

import sqlalchemy as sa

from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.ledger.statements import SELECT_BUDGET_FOR_WRITE

INDEX = "ix_jp_entries_budget_head"


def _indexes(url: str) -> dict[str, list[str]]:
    engine = sa.create_engine(url)
    try:
        found = sa.inspect(engine).get_indexes("jp_entries")
    finally:
        engine.dispose()
    return {index["name"]: list(index["column_names"]) for index in found}


def test_the_budget_head_index_exists_in_new_and_older_ledgers(backend_url: str) -> None:
    with open_ledger(backend_url) as ledger:
        ledger.create_budget("b", 1.0)
        ledger.spend("b", 0.1, value=1)
    assert _indexes(backend_url)[INDEX] == ["budget_id", "id"]
    engine = sa.create_engine(backend_url)
    with engine.begin() as conn:  # a ledger made before the index existed
        conn.execute(sa.text(f"DROP INDEX {INDEX}"))
    engine.dispose()
    assert INDEX not in _indexes(backend_url)
    with open_ledger(backend_url) as ledger:
        ledger.spend("b", 0.1, value=2)
        assert ledger.verify().ok and ledger.budget("b").release_count == 2
    assert _indexes(backend_url)[INDEX] == ["budget_id", "id"]


def test_postgres_finds_a_quiet_budget_s_head_through_the_index(postgres_url: str) -> None:
    with open_ledger(postgres_url) as ledger:
        ledger.create_budget("quiet", 10.0)
        ledger.create_budget("busy", 10.0)
        ledger.spend("quiet", 0.1, value=0)
        for i in range(300):  # the quiet budget's head now lies far back in the chain
            ledger.spend("busy", 0.001, value=i)
        with ledger._engine.connect() as conn:
            assert conn.execute(sa.text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
            conn.execute(sa.text("ANALYZE jp_entries"))
            query = SELECT_BUDGET_FOR_WRITE.params(budget_name="quiet").compile(
                dialect=conn.dialect, compile_kwargs={"literal_binds": True}
            )
            plan = "\n".join(conn.execute(sa.text(f"EXPLAIN {query}")).scalars())
        assert INDEX in plan and "Seq Scan on jp_entries" not in plan, plan
        ledger.spend("quiet", 0.1, value=1)
        assert ledger.budget("quiet").epsilon_spent == 0.2 and ledger.verify().ok
