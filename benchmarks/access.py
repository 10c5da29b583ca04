"""What access control costs a spend on SQLite: spends per second on a budget without owners (as
before access control), on an owned budget (the owner spends), and on a high-risk budget (a spender
with a second person's approval), in the same run; with --postgres, what row-level security costs a
role's spend on PostgreSQL (a throw-away local cluster, fsync off as in the tests) against the same
role with the same table privileges and no policies. Run:
.venv/bin/python benchmarks/access.py [--spends N] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from jupyter_privacy import open_ledger
from jupyter_privacy.core.ledger import access, highrisk


def rate(ledger, budget: str, n: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for i in range(n):
        ledger.spend(budget, 1e-9, value={"i": i}, description="bench")
    return n / (time.perf_counter() - start)


def postgres(n: int) -> None:
    """The same non-superuser role spends on two ledgers in one cluster: one with the row-security
    policies and triggers installed, one with only the table privileges they grant."""
    import psycopg

    from jupyter_privacy.core.ledger.row_security import grant_sql, install_row_security
    from jupyter_privacy.testing.postgres import PostgresCluster

    with PostgresCluster() as cluster:
        with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=jp dbname=postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute("CREATE ROLE analyst LOGIN NOSUPERUSER NOBYPASSRLS")
        ledgers = {}
        for variant in ("plain", "rls"):
            url = cluster.new_database()
            with open_ledger(url) as admin:  # jp: the administrator, owner of the tables
                if variant == "rls":
                    install_row_security(admin, grant_to=["analyst"])
                else:
                    with admin._engine.begin() as conn:
                        access.ensure_access_table(conn)
                        tables = [
                            t for t in sa.inspect(conn).get_table_names() if t.startswith("jp_")
                        ]
                        for statement in grant_sql("public", "analyst", tables):
                            conn.execute(sa.text(statement))
            ledgers[variant] = open_ledger(url.replace("://jp@", "://analyst@"))
            ledgers[variant].create_budget("b", 1.0)
        timings: dict[str, list[float]] = {"plain": [], "rls": []}
        for _ in range(5):
            for variant, ledger in ledgers.items():
                timings[variant].append(rate(ledger, "b", n))
        for ledger in ledgers.values():
            ledger.close()
    plain, rls = (statistics.median(timings[k]) for k in ("plain", "rls"))
    print(
        f"PostgreSQL, role 'analyst' (owner of its budget), {n} spends per round, 5 rounds (median)"
    )
    print(f"  table privileges only (baseline): {plain:7.1f} spends/s")
    print(f"  row-level security installed:     {rls:7.1f} spends/s  ({plain / rls:.2f}x the time)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spends", type=int, default=300)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    n = args.spends
    if args.postgres:
        postgres(n)
        return
    with (
        tempfile.TemporaryDirectory() as folder,
        open_ledger(f"sqlite:///{Path(folder) / 'l.db'}") as ledger,
    ):
        os.environ["LOGNAME"] = "alice"
        for name in ("open", "owned", "lane"):
            ledger.create_budget(name, 1.0)
        with ledger._engine.begin() as conn:  # as a budget from before access control
            conn.execute(sa.text("DELETE FROM jp_access WHERE budget_id = 1"))
        access.grant(ledger, "lane", "user:bob")
        highrisk.mark_high_risk(ledger, budget="lane", reason="bench")
        highrisk.approve(ledger, "lane", spender="user:bob", epsilon=1.0, reason="bench")
        original = highrisk.check_spend
        timings: dict[str, list[float]] = {k: [] for k in ("bare", "open", "owned", "lane")}
        for _ in range(5):  # interleaved rounds: the machine's load hits every variant alike
            highrisk.check_spend = lambda *a, **k: None  # the ledger without access control
            os.environ["LOGNAME"] = "alice"
            timings["bare"].append(rate(ledger, "open", n))
            highrisk.check_spend = original
            timings["open"].append(rate(ledger, "open", n))
            timings["owned"].append(rate(ledger, "owned", n))
            os.environ["LOGNAME"] = "bob"
            timings["lane"].append(rate(ledger, "lane", n))
        bare, base, owned, lane = (statistics.median(timings[k]) for k in timings)
    print(
        f"{n} spends per round, 5 interleaved rounds (median), SQLite; the lane holds "
        f"{5 * n} releases at the end"
    )
    print(f"  no check at all (baseline): {bare:7.1f} spends/s")
    print(f"  budget without owners:     {base:7.1f} spends/s  ({bare / base:.2f}x the time)")
    print(f"  owned (ACL check):         {owned:7.1f} spends/s  ({bare / owned:.2f}x the time)")
    print(f"  high-risk with approval:   {lane:7.1f} spends/s  ({bare / lane:.2f}x the time)")


if __name__ == "__main__":
    main()
