"""PostgreSQL enforces who may spend, with two real roles in the throw-away cluster: a role that is
not a spender cannot insert a release, change totals, grant itself access or approve, even with
raw SQL; the kit's own check refuses first with a clear error and logs the refusal."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from jupyter_privacy.core.errors import AccessDeniedError, DatabaseAccessDeniedError
from jupyter_privacy.core.ledger import Ledger, access, highrisk, lane_report, open_ledger
from jupyter_privacy.core.ledger.row_security import install_row_security
from jupyter_privacy.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres
_SUFFIX = itertools.count()


@dataclass
class Team:
    admin: Ledger
    alice: Ledger
    bob: Ledger
    carol: Ledger  # a member of the group role `analysts`, not named anywhere herself
    urls: dict[str, str]
    roles: dict[str, str]


@pytest.fixture
def team(postgres_cluster: PostgresCluster, postgres_url: str) -> Iterator[Team]:
    import psycopg

    n = next(_SUFFIX)
    roles = {who: f"{who}_{n}" for who in ("alice", "bob", "carol", "analysts")}
    with psycopg.connect(f"host=127.0.0.1 port={postgres_cluster.port} user=jp dbname=postgres",
                         autocommit=True) as conn:  # fmt: skip
        for who in ("alice", "bob", "carol"):
            conn.execute(f"CREATE ROLE {roles[who]} LOGIN NOSUPERUSER NOBYPASSRLS")
        conn.execute(f"CREATE ROLE {roles['analysts']} NOLOGIN")
        conn.execute(f"GRANT {roles['analysts']} TO {roles['carol']}")
    admin = open_ledger(postgres_url)  # jp: the administrator, owner of the tables
    install_row_security(admin, grant_to=[roles["alice"], roles["bob"], roles["analysts"]])
    urls = {
        who: postgres_url.replace("://jp@", f"://{roles[who]}@")
        for who in ("alice", "bob", "carol")
    }
    opened = {who: open_ledger(url) for who, url in urls.items()}
    yield Team(admin, opened["alice"], opened["bob"], opened["carol"], urls, roles)
    for ledger in (admin, *opened.values()):
        ledger.close()


def _raw(url: str, statement: str, **params: object) -> int:
    """Run one statement as that role, around the kit; the number of rows it changed."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            return int(conn.execute(sa.text(statement), params).rowcount)
    finally:
        engine.dispose()


RELEASE = ("INSERT INTO jp_entries (id, budget_id, kind, epsilon, delta, mechanism, description, "
           "actor, origin, created_at, value_json, details_json, prev_hash, hash) VALUES "
           "(:id, :budget, :kind, :eps, 0, '', 'raw', 'x', 'sql', '', 'null', :details, '', '')")  # fmt: skip


EVENT = ("INSERT INTO jp_entries (id, budget_id, kind, epsilon, delta, mechanism, description, "
         "actor, origin, created_at, value_json, details_json, prev_hash, hash) VALUES "
         "(:id, :budget, 'event', 0, 0, :event, 'raw', 'x', 'sql', '', 'null', :details, '', '')")  # fmt: skip


def test_a_role_that_is_not_a_spender_cannot_release_even_with_raw_sql(team: Team) -> None:
    team.alice.create_budget("census", 1.0)
    assert access.access_of(team.alice, "census").owners == [f"role:{team.roles['alice']}"]
    team.alice.spend("census", 0.1, value=1)
    # through the kit: refused before anything is computed, and logged
    with pytest.raises(AccessDeniedError, match=f"role:{team.roles['bob']} may not spend"):
        team.bob.spend("census", 0.2, value=2)
    [refused] = team.alice.event_log("access.refused")
    assert refused.details["principals"] == [f"role:{team.roles['bob']}"]
    # around the kit: the database refuses
    for statement, params in [
        (RELEASE, {"id": 9001, "budget": 1, "kind": "release", "eps": 0.5, "details": "{}"}),
        (RELEASE, {"id": 9002, "budget": 1, "kind": "raise", "eps": 9.0, "details": "{}"}),
        (RELEASE, {"id": 9003, "budget": 1, "kind": "event", "eps": 0.5, "details": "{}"}),
        (RELEASE, {"id": 9004, "budget": 1, "kind": "create", "eps": 9.0, "details": "{}"}),
        (
            "INSERT INTO jp_access VALUES (1, :p, 'spender', 'x', 'y')",
            {"p": f"role:{team.roles['bob']}"},
        ),
    ]:
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            _raw(team.urls["bob"], statement, **params)
    for statement in (
        "UPDATE jp_budgets SET epsilon_total = 100, epsilon_spent = '0'",
        "DELETE FROM jp_access",
    ):  # row security hides the rows: nothing changes
        assert _raw(team.urls["bob"], statement) == 0
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):  # never granted
        _raw(team.urls["bob"], "DELETE FROM jp_entries")
    budget = team.admin.budget("census")
    assert (budget.epsilon_total, budget.epsilon_spent, budget.release_count) == (
        1.0,
        pytest.approx(0.1),
        1,
    )
    assert team.admin.verify().ok


def test_grants_let_a_role_and_a_group_role_spend(team: Team,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    team.alice.create_budget("census", 1.0)
    access.grant(team.alice, "census", f"role:{team.roles['bob']}")
    team.bob.spend("census", 0.1, value=1)
    with pytest.raises(AccessDeniedError, match="only its owners may"):
        team.bob.raise_budget("census", epsilon=2.0, reason="not an owner")
    monkeypatch.setattr(access, "check_raise", lambda *a, **k: None)  # a client without the check
    with pytest.raises(DatabaseAccessDeniedError, match="row-level security"):
        team.bob.raise_budget("census", epsilon=2.0, reason="around the kit")
    monkeypatch.undo()
    with pytest.raises(AccessDeniedError):
        team.carol.spend("census", 0.1, value=2)
    access.grant(team.alice, "census", f"role:{team.roles['analysts']}")
    team.carol.spend("census", 0.1, value=3)  # as a member of analysts
    assert team.admin.budget("census").release_count == 2
    assert team.admin.verify().ok


def test_the_high_risk_lane_on_postgres(team: Team) -> None:
    team.alice.create_budget("faces", 2.0)
    access.grant(team.alice, "faces", f"role:{team.roles['bob']}")
    highrisk.mark_high_risk(team.alice, budget="faces", reason="face matching")
    with pytest.raises(AccessDeniedError, match="second person"):
        team.bob.spend("faces", 0.1, value=1)
    with pytest.raises(AccessDeniedError, match="may not approve"):  # bob is not an owner
        highrisk.approve(team.bob, "faces", spender=f"role:{team.roles['bob']}", epsilon=1.0,
                         reason="self-service")  # fmt: skip
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):  # nor with raw SQL
        _raw(team.urls["bob"], EVENT, id=9100, budget=1, event="access.approved",
             details=json.dumps({"spender": f"role:{team.roles['bob']}", "epsilon": 9}))  # fmt: skip
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):  # nor a request's
        _raw(team.urls["bob"], EVENT, id=9101, budget=1, event="request.approved",
             details=json.dumps({"request": 1, "planned_epsilon": 9}))  # fmt: skip
    team.bob.create_budget("census", 1.0)  # not high-risk: #17b's approvals stay open there
    assert _raw(team.urls["bob"], EVENT, id=9102, budget=2, event="request.approved",
                details=json.dumps({"request": 1, "planned_epsilon": 0.1})) == 1  # fmt: skip
    approval = highrisk.approve(team.alice, "faces", spender=f"role:{team.roles['bob']}",
                                epsilon=0.5, reason="batch 7")  # fmt: skip
    release = team.bob.spend("faces", 0.2, value=1, description="match rate")
    audit = release.details[highrisk.AUDIT_KEY]
    assert (
        audit["approval"] == approval.id
        and audit["who"]["principals"][0] == f"role:{team.roles['bob']}"
    )
    summary = lane_report.access_summary(team.admin)
    assert summary["backend"] == "postgresql" and "row-level security" in summary["enforced_by"]
    assert {b["budget"]: b["high_risk"] for b in summary["budgets"]} == {
        "faces": True,
        "census": False,
    }
    assert summary["high_risk_audit"][0]["approved"]


def test_the_administrator_repairs_access_after_a_migration(team: Team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A SQLite ledger moved to PostgreSQL keeps its `user:` owners, which the database does not
    know: the administrator (owner of the tables) grants roles; row security does not bind it."""
    with open_ledger(f"sqlite:///{tmp_path / 'laptop.db'}") as laptop:
        laptop.create_budget("survey", 1.0)
        laptop.copy_to(team.admin, overwrite=True)
    with pytest.raises(AccessDeniedError):  # user:… owners only: no role may spend yet
        team.alice.spend("survey", 0.1, value=1)
    access.grant(team.admin, "survey", f"role:{team.roles['alice']}", access.OWNER)
    team.alice.spend("survey", 0.1, value=1)
    assert team.admin.verify().ok
