"""Access control enforced by PostgreSQL itself: row-level security on the ledger's tables.

`install_row_security(ledger, grant_to=[...])`, run once by the ledger's administrator (the role
that owns its tables; superusers and table owners bypass row security, so analysts must be other
roles), makes the database refuse, whatever the client:
- a release from a role that is not an owner or spender of the budget (`jp_access`, `role:` rows;
  a member of a group role listed there counts);
- a raise, a totals change, a grant, a revocation, a high-risk mark (a `high_risk` row of the
  access table) or an approval from a role that is not an owner;
- a grant on a budget that is not the role's own, except the first owner of a new budget (a
  trigger makes the role that inserts a budget its owner);
- events that carry ε or δ, a second `create` entry for a budget, and entry kinds it does not know.
Releases, budgets and the access table stay readable by every granted role (reads are not
restricted; DP releases are meant to be read). Entries are never updatable or deletable by the
granted roles. Budgets without any access row stay open, as the kit treats them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger.access import ensure_access_table
from jupyter_privacy.core.ledger.highrisk import OWNER_EVENTS, REQUEST_APPROVED

_ROLE = "^[A-Za-z_][A-Za-z0-9_]{0,62}$"


def _ident(conn: Connection, name: str) -> str:
    return str(conn.execute(sa.text("SELECT quote_ident(:n)"), {"n": name}).scalar())


def row_security_sql(schema: str) -> list[str]:
    """The statements, idempotent (functions replaced, policies and triggers dropped first)."""
    s = schema
    owner_events = ", ".join(f"'{e}'" for e in OWNER_EVENTS)
    may = f"""
CREATE OR REPLACE FUNCTION {s}.jp_may(budget integer, wanted text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT NOT EXISTS (SELECT 1 FROM {s}.jp_access a
                     WHERE a.budget_id = budget AND a.permission IN ('owner', 'spender'))
      OR {s}.jp_holds(budget, wanted)
$$"""
    holds = f"""
CREATE OR REPLACE FUNCTION {s}.jp_holds(budget integer, wanted text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM {s}.jp_access a JOIN pg_catalog.pg_roles r ON a.principal = 'role:' || r.rolname
    WHERE a.budget_id = budget AND (a.permission = 'owner' OR a.permission = wanted)
      AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER'))
$$"""
    guard_totals = f"""
CREATE OR REPLACE FUNCTION {s}.jp_guard_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.epsilon_total, NEW.delta_total, NEW.id, NEW.name)
       IS DISTINCT FROM (OLD.epsilon_total, OLD.delta_total, OLD.id, OLD.name)
     AND NOT {s}.jp_may(OLD.id, 'owner') THEN
    RAISE EXCEPTION 'row-level security: only an owner of budget % may change its totals', OLD.name
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$"""
    own_new = f"""
CREATE OR REPLACE FUNCTION {s}.jp_own_new_budget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {s}.jp_access (budget_id, principal, permission, granted_by, granted_at)
  VALUES (NEW.id, 'role:' || current_user, 'owner', 'role:' || current_user,
          to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'))
  ON CONFLICT DO NOTHING;
  RETURN NEW;
END $$"""
    entries_insert = f"""
CREATE POLICY jp_write ON {s}.jp_entries FOR INSERT WITH CHECK (
  CASE kind
    WHEN 'release' THEN {s}.jp_may(budget_id, 'spender')
    WHEN 'raise' THEN {s}.jp_may(budget_id, 'owner')
    WHEN 'event' THEN epsilon = 0 AND delta = 0
      AND (mechanism NOT IN ({owner_events}) OR {s}.jp_may(budget_id, 'owner'))
      AND (mechanism <> '{REQUEST_APPROVED}' OR {s}.jp_may(budget_id, 'owner')
           OR NOT EXISTS (SELECT 1 FROM {s}.jp_access a
                          WHERE a.budget_id = jp_entries.budget_id AND a.permission = 'high_risk'))
    WHEN 'create' THEN NOT EXISTS (
      SELECT 1 FROM {s}.jp_entries e WHERE e.budget_id = jp_entries.budget_id)
    ELSE false
  END)"""
    access_insert = f"""
CREATE POLICY jp_grant ON {s}.jp_access FOR INSERT WITH CHECK (
  {s}.jp_holds(budget_id, 'owner')
  OR (permission = 'owner' AND principal = 'role:' || current_user
      AND NOT EXISTS (SELECT 1 FROM {s}.jp_access a WHERE a.budget_id = jp_access.budget_id
                      AND a.permission IN ('owner', 'spender'))
      AND NOT EXISTS (SELECT 1 FROM {s}.jp_entries e
                      WHERE e.budget_id = jp_access.budget_id AND e.kind <> 'create')))"""
    statements = [holds, may, guard_totals, own_new]
    for table in ("jp_entries", "jp_budgets", "jp_access"):
        statements.append(f"ALTER TABLE {s}.{table} ENABLE ROW LEVEL SECURITY")
        for policy in ("jp_read", "jp_write", "jp_update", "jp_grant", "jp_revoke"):
            statements.append(f"DROP POLICY IF EXISTS {policy} ON {s}.{table}")
        statements.append(f"CREATE POLICY jp_read ON {s}.{table} FOR SELECT USING (true)")
    statements += [
        entries_insert,
        f"CREATE POLICY jp_write ON {s}.jp_budgets FOR INSERT WITH CHECK (true)",
        f"CREATE POLICY jp_update ON {s}.jp_budgets FOR UPDATE "
        f"USING ({s}.jp_may(id, 'spender')) WITH CHECK ({s}.jp_may(id, 'spender'))",
        access_insert,
        f"CREATE POLICY jp_revoke ON {s}.jp_access FOR DELETE USING ({s}.jp_holds(budget_id, 'owner'))",
        f"DROP TRIGGER IF EXISTS jp_guard_totals ON {s}.jp_budgets",
        f"CREATE TRIGGER jp_guard_totals BEFORE UPDATE ON {s}.jp_budgets "
        f"FOR EACH ROW EXECUTE FUNCTION {s}.jp_guard_totals()",
        f"DROP TRIGGER IF EXISTS jp_own_new_budget ON {s}.jp_budgets",
        f"CREATE TRIGGER jp_own_new_budget AFTER INSERT ON {s}.jp_budgets "
        f"FOR EACH ROW EXECUTE FUNCTION {s}.jp_own_new_budget()",
    ]
    return statements


def grant_sql(schema: str, role: str, tables: Sequence[str]) -> list[str]:
    """What a ledger user needs: read everything, append entries, create budgets, update the chain
    head and (row security permitting) the budgets' counters, grant and revoke access."""
    s = schema
    writable = {"jp_entries": "INSERT", "jp_budgets": "INSERT, UPDATE", "jp_chain_head": "UPDATE",
                "jp_access": "INSERT, DELETE"}  # fmt: skip
    statements = [f"GRANT USAGE ON SCHEMA {s} TO {role}"]
    for table in tables:
        statements.append(f"GRANT SELECT ON {s}.{table} TO {role}")
        if table in writable:
            statements.append(f"GRANT {writable[table]} ON {s}.{table} TO {role}")
    return statements


def install_row_security(ledger: Any, *, grant_to: Sequence[str] = ()) -> list[str]:
    """Install the policies (and grant `grant_to` roles their table privileges) on a PostgreSQL
    ledger; returns the statements run. Run it as the owner of the ledger's tables."""
    import re

    if not ledger.url.startswith("postgresql"):
        raise InvalidParameterError(
            "row-level security is a PostgreSQL feature; on SQLite the ledger file's permissions "
            "are the boundary (make it writable only by the team that owns its budgets)"
        )
    for role in grant_to:
        if not re.match(_ROLE, role):
            raise InvalidParameterError(f"{role!r} is not a PostgreSQL role name", parameter="role")
    from jupyter_privacy.core.ledger.storage import translated_errors

    with translated_errors(ledger.url), ledger._write() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(74202)"))
        ensure_access_table(conn)
        schema = _ident(conn, str(conn.execute(sa.text("SELECT current_schema()")).scalar()))
        tables = sorted(t for t in sa.inspect(conn).get_table_names() if t.startswith("jp_"))
        statements = row_security_sql(schema)
        for role in grant_to:
            statements += grant_sql(schema, _ident(conn, role), tables)
        cursor = conn.connection.dbapi_connection.cursor()
        for statement in statements:  # no parameters: the driver leaves `%` and `:` alone
            cursor.execute(statement)
    return statements


def row_security_installed(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    found = conn.execute(sa.text(
        "SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass('jp_entries')")).scalar()  # fmt: skip
    return bool(found)
