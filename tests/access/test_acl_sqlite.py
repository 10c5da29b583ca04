"""Owners and spenders on a SQLite ledger: the kit refuses other people's spends and raises before
anything is computed, logs each refusal in the hash chain, and says that file permissions are the
boundary (the check runs in the client)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jupyter_privacy.cli import main
from jupyter_privacy.core.errors import AccessDeniedError, InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, access


def test_the_creator_owns_and_others_are_refused(ledger: Ledger,
                                                 as_user: Callable[[str], None]) -> None:  # fmt: skip
    ledger.create_budget("census", 1.0)
    assert access.access_of(ledger, "census").owners == ["user:alice"]
    ledger.spend("census", 0.1, value=1)  # the owner spends
    as_user("bob")
    computed = []
    with pytest.raises(AccessDeniedError, match="user:bob may not spend from budget 'census'") as e:
        ledger.spend("census", 0.2, compute=lambda: computed.append(1))
    assert "jupyter privacy access grant census user:bob" in e.value.message
    with pytest.raises(AccessDeniedError, match="may not raise"):
        ledger.raise_budget("census", epsilon=5.0, reason="more please")
    assert computed == []  # nothing computed, nothing spent
    budget = ledger.budget("census")
    assert budget.epsilon_spent == pytest.approx(0.1) and budget.epsilon_total == 1.0
    refusals = ledger.event_log("access.refused")
    assert [(e.details["action"], e.actor) for e in refusals] == [("raise", "bob"),
                                                                   ("spend from", "bob")]  # fmt: skip
    assert refusals[0].budget == "census" and ledger.verify().ok


def test_grant_and_revoke(ledger: Ledger, as_user: Callable[[str], None]) -> None:
    ledger.create_budget("census", 1.0)
    access.grant(ledger, "census", "bob")
    as_user("bob")
    ledger.spend("census", 0.1, value=1)
    with pytest.raises(AccessDeniedError, match="only its owners may"):
        ledger.raise_budget("census", epsilon=2.0, reason="a spender cannot")
    with pytest.raises(AccessDeniedError, match="grant or revoke"):
        access.grant(ledger, "census", "user:mallory")
    as_user("alice")
    result = access.revoke(ledger, "census", "user:bob")
    assert result.spenders == []
    as_user("bob")
    with pytest.raises(AccessDeniedError):
        ledger.spend("census", 0.1, value=1)
    events = [e.event for e in ledger.event_log("access")]
    assert events.count("access.granted") == 1 and events.count("access.revoked") == 1
    assert ledger.verify().ok


def test_owners_raise_and_the_last_owner_stays(
    ledger: Ledger, as_user: Callable[[str], None]
) -> None:
    ledger.create_budget("census", 1.0)
    access.grant(ledger, "census", "user:carol", access.OWNER)
    as_user("carol")
    assert ledger.raise_budget("census", epsilon=2.0, reason="approved by carol").epsilon_total == 2
    access.revoke(ledger, "census", "user:alice", access.OWNER)
    with pytest.raises(InvalidParameterError, match="last owner"):
        access.revoke(ledger, "census", "user:carol", access.OWNER)


def test_jupyter_identities(ledger: Ledger, as_user: Callable[[str], None],
                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    ledger.create_budget("census", 1.0)
    access.grant(ledger, "census", "jupyter:dana")
    as_user("shared-service")
    with access.acting_as("dana"):  # a server handler acting for a Jupyter user
        ledger.spend("census", 0.1, value=1)
    monkeypatch.setenv("JUPYTERHUB_USER", "dana")  # a kernel under JupyterHub
    ledger.spend("census", 0.1, value=2)
    monkeypatch.setenv("JUPYTERHUB_USER", "erin")
    with pytest.raises(AccessDeniedError):
        ledger.spend("census", 0.1, value=3)


def test_budgets_from_before_access_control_stay_open(ledger: Ledger,
                                                      as_user: Callable[[str], None]) -> None:  # fmt: skip
    import sqlalchemy as sa

    ledger.create_budget("legacy", 1.0)
    with ledger._engine.begin() as conn:  # as a ledger written before this version
        conn.execute(sa.text("DELETE FROM jp_access"))
    as_user("bob")
    ledger.spend("legacy", 0.1, value=1)  # unrestricted
    with pytest.raises(AccessDeniedError, match="only its creator \\(alice\\)"):
        access.grant(ledger, "legacy", "user:bob")
    as_user("alice")
    claimed = access.grant(ledger, "legacy", "user:bob")
    assert claimed.owners == ["user:alice"] and claimed.spenders == ["user:bob"]


@pytest.mark.parametrize("principal", ["", "group:x", "user:", "role:a b", "user:x;drop"])
def test_bad_principals_are_clear_errors(ledger: Ledger, principal: str) -> None:
    ledger.create_budget("census", 1.0)
    with pytest.raises(InvalidParameterError, match="principal"):
        access.grant(ledger, "census", principal)


def test_cli(ledger_url: str, as_user: Callable[[str], None],
             capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    def run(*argv: str) -> tuple[int, str, str]:
        code = main([*argv, "--ledger", ledger_url])
        out = capsys.readouterr()
        return code, out.out, out.err

    assert run("budget", "create", "census", "--epsilon", "1")[0] == 0
    code, out, _ = run("access", "show")
    assert (
        code == 0 and "owners: user:alice" in out and "file's permissions are the boundary" in out
    )
    as_user("bob")
    code, _, err = run("budget", "spend", "census", "--epsilon", "0.1", "--description", "x")
    assert code == 2 and err.count("\n") == 1 and "user:bob may not spend" in err
    code, out, _ = run("access", "whoami")
    assert out.strip() == "user:bob"
    as_user("alice")
    assert run("access", "grant", "census", "user:bob")[0] == 0
    as_user("bob")
    assert run("budget", "spend", "census", "--epsilon", "0.1", "--description", "x")[0] == 0


def test_a_migrated_ledger_keeps_its_owners(ledger: Ledger, tmp_path,  # type: ignore[no-untyped-def]
                                            as_user: Callable[[str], None]) -> None:  # fmt: skip
    from jupyter_privacy.core.ledger import highrisk, lane_report, open_ledger

    ledger.create_budget("census", 1.0)
    access.grant(ledger, "census", "user:bob")
    highrisk.mark_high_risk(ledger, budget="census", reason="lane")
    with open_ledger(f"sqlite:///{tmp_path / 'copy.db'}") as copy:
        ledger.copy_to(copy)
        assert access.access_of(copy, "census") == access.access_of(ledger, "census")
        assert lane_report.is_high_risk(copy, "census") and copy.verify().ok
        as_user("mallory")
        with pytest.raises(AccessDeniedError):
            copy.spend("census", 0.1, value=1)
