"""Who may spend which budget: each budget's owners and spenders, named as principals.

A principal is `user:<OS user>`, `jupyter:<Jupyter identity>` or `role:<PostgreSQL role>` (a bare
name means `user:`). On SQLite the caller is its OS user and Jupyter identity; on PostgreSQL it is
its database role (and the group roles it belongs to): the identity the database can check. The creator of a budget becomes its owner; owners raise it, grant and revoke,
mark it high-risk and approve high-risk spends; spenders spend. A budget without any entry (made
before access control existed) is unrestricted.

Where the boundary is:
- SQLite: the kit checks in the client, before it computes or records anything. Whoever can
  write the ledger file can bypass that check, so **file permissions are the boundary**: give
  each team its own ledger file, writable only by its members.
- PostgreSQL: the database enforces it (row_security.py): row-level-security policies on the
  ledger's tables, keyed on `current_user` and this table, refuse a release or raise from a role
  that is not an owner or spender, whatever client sends it. The kit's own check still runs first
  for a clear message.

Every refusal is a chained `access.refused` event; grants and revocations are `access.granted` and
`access.revoked` events beside the table change.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from jupyter_privacy.core.errors import (
    AccessDeniedError,
    InvalidParameterError,
    PrivacyError,
)
from jupyter_privacy.core.ledger import chain
from jupyter_privacy.core.ledger.principals import (
    PRINCIPAL_KINDS,
    acting_as,
    caller_principals,
    check_principal,
    is_ledger_admin,
    jupyter_identity,
    own_principals,
    person,
)
from jupyter_privacy.core.ledger.provenance import current_actor
from jupyter_privacy.core.ledger.storage import translated_errors

__all__ = [
    "PRINCIPAL_KINDS",
    "acting_as",
    "caller_principals",
    "check_principal",
    "is_ledger_admin",
    "jupyter_identity",
    "own_principals",
    "person",
]  # re-exported: callers name them access.*

if TYPE_CHECKING:
    from jupyter_privacy.core.ledger.ledger import Ledger

OWNER, SPENDER = "owner", "spender"
PERMISSIONS = (OWNER, SPENDER)
#: Rows of the lane marks: permission "high_risk", principal "lane:budget" or "lane:dataset:<name>".
HIGH_RISK, LANE = "high_risk", "lane:"
GRANTED, REVOKED, REFUSED = "access.granted", "access.revoked", "access.refused"
#: Set while the kit's own access functions (which check the owner first) write an access event.
_KIT_WRITES: contextvars.ContextVar[bool] = contextvars.ContextVar("jp_kit_access", default=False)


@contextlib.contextmanager
def kit_writes() -> Iterator[None]:
    """Access events recorded in the block come from the kit's checked functions."""
    token = _KIT_WRITES.set(True)
    try:
        yield
    finally:
        _KIT_WRITES.reset(token)


def kit_is_writing() -> bool:
    return _KIT_WRITES.get()


M = TypeVar("M", bound=Callable[..., Any])

access_metadata = sa.MetaData()
access_table = sa.Table(
    "jp_access",
    access_metadata,
    sa.Column("budget_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("principal", sa.String(200), primary_key=True),
    sa.Column("permission", sa.String(16), primary_key=True),
    sa.Column("granted_by", sa.String(200), nullable=False),
    sa.Column("granted_at", sa.String(40), nullable=False),
)


def copy_access(src: Connection, dst: Connection) -> int:
    """`ledger migrate` carries owners, spenders and lane marks with the budgets (a copy must not
    open up restricted budgets). Returns the rows copied."""
    rows = ([dict(r._mapping) for r in src.execute(sa.select(access_table))]
            if has_access_table(src) else [])  # fmt: skip
    if rows or has_access_table(dst):
        ensure_access_table(dst)
        dst.execute(access_table.delete())
    if rows:
        dst.execute(access_table.insert(), rows)
    return len(rows)


_HAS_TABLE: weakref.WeakSet[Engine] = weakref.WeakSet()


def has_access_table(conn: Connection) -> bool:
    """Once seen, the table stays (nothing drops it): remembered per engine, no query per spend."""
    if conn.engine in _HAS_TABLE:
        return True
    if sa.inspect(conn).has_table(access_table.name):
        _HAS_TABLE.add(conn.engine)
        return True
    return False


def ensure_access_table(conn: Connection) -> None:
    if not has_access_table(conn):
        access_metadata.create_all(conn)


@dataclass(frozen=True)
class BudgetAccess:
    """A budget's owners and spenders; `restricted` is False for a budget without any."""

    budget: str
    owners: list[str] = field(default_factory=list)
    spenders: list[str] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)  # high-risk lane: "budget", "dataset:<name>"

    @property
    def restricted(self) -> bool:
        return bool(self.owners or self.spenders)

    @property
    def high_risk(self) -> bool:
        return bool(self.marks)

    def allows(self, principals: list[str], permission: str) -> bool:
        if not self.restricted:
            return True
        wanted = self.owners + (self.spenders if permission == SPENDER else [])
        return any(p in wanted for p in principals)

    def to_dict(self) -> dict[str, Any]:
        return {"budget": self.budget, "restricted": self.restricted, "owners": self.owners,
                "spenders": self.spenders, "lane_marks": self.marks}  # fmt: skip


#: Prepared once: every spend runs it, and a bound parameter hits SQLAlchemy's compiled cache.
_SELECT_ROWS = (
    sa.select(access_table.c.principal, access_table.c.permission)
    .where(access_table.c.budget_id == sa.bindparam("budget_id"))
    .order_by(access_table.c.granted_at, access_table.c.principal)
)


def budget_access(conn: Connection, budget_id: int, name: str) -> BudgetAccess:
    if not has_access_table(conn):
        return BudgetAccess(name)
    rows = conn.execute(_SELECT_ROWS, {"budget_id": budget_id}).fetchall()
    return BudgetAccess(name, [r.principal for r in rows if r.permission == OWNER],
                        [r.principal for r in rows if r.permission == SPENDER],
                        [r.principal.removeprefix(LANE) for r in rows if r.permission == HIGH_RISK])  # fmt: skip


def marked_datasets(conn: Connection) -> dict[str, int]:
    """High-risk dataset → the id of its lane budget."""
    if not has_access_table(conn):
        return {}
    rows = conn.execute(sa.select(access_table.c.budget_id, access_table.c.principal).where(
        access_table.c.permission == HIGH_RISK,
        access_table.c.principal.startswith(f"{LANE}dataset:", autoescape=True))).fetchall()  # fmt: skip
    return {r.principal.removeprefix(f"{LANE}dataset:"): int(r.budget_id) for r in rows}


def require(conn: Connection, budget_row: Any, permission: str, action: str) -> list[str]:
    """The caller's principals if they hold `permission` on the budget, else AccessDeniedError."""
    return require_access(conn, budget_row, permission, action)[0]


def require_access(conn: Connection, budget_row: Any, permission: str,
                   action: str) -> tuple[list[str], BudgetAccess]:  # fmt: skip
    """`require`, also returning the budget's access rows (one query for the spend hook)."""
    principals = caller_principals(conn)
    access = budget_access(conn, budget_row.id, budget_row.name)
    if not access.allows(principals, permission) and not is_ledger_admin(conn):
        holders = access.owners + (access.spenders if permission == SPENDER else [])
        me = own_principals(conn)[0]
        raise AccessDeniedError(
            f"{me} may not {action} budget '{budget_row.name}': only its "
            f"{'owners' if permission == OWNER else 'owners and spenders'} may "
            f"({', '.join(holders)}). Ask an owner:  jupyter privacy access grant "
            f"{budget_row.name} {me}" + (" --owner" if permission == OWNER else ""),
            budget=budget_row.name, action=action, principals=principals,
        )  # fmt: skip
    return principals, access


# -- hooks the ledger calls inside its write transactions ------------------------------------------
def on_budget_created(conn: Connection, budget_id: int) -> None:
    """The creator owns the new budget under each of its own identities (on PostgreSQL the
    database's trigger may already have added its role)."""
    ensure_access_table(conn)
    present: set[str] = set(conn.execute(sa.select(access_table.c.principal).where(
        access_table.c.budget_id == budget_id, access_table.c.permission == OWNER)).scalars())  # fmt: skip
    principals = own_principals(conn)
    for principal in principals:
        if principal not in present:
            _insert(conn, budget_id, principal, OWNER, principals[0])


def check_raise(conn: Connection, budget_row: Any) -> None:
    require(conn, budget_row, OWNER, "raise")


def logs_refusals(method: M) -> M:
    """Decorator of Ledger.spend / raise_budget: a refusal (rolled back with its transaction) is
    recorded afterwards as a chained `access.refused` event, then raised."""

    @functools.wraps(method)
    def guarded(self: Ledger, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except AccessDeniedError as refused:
            budget = args[0] if args else kwargs.get("budget", kwargs.get("name"))
            refused.fields.setdefault("budget", budget)
            refused.fields.setdefault("action", method.__name__)
            record_refusal(self, refused)
            raise

    return guarded  # type: ignore[return-value]


def record_refusal(ledger: Ledger, refused: AccessDeniedError) -> None:
    fields = refused.fields
    details = {"action": fields.get("action"), "budget": fields.get("budget"),
               "principals": fields.get("principals", []), "reason": refused.message}  # fmt: skip
    try:
        ledger.record_event(REFUSED, budget=fields.get("budget"), details=details,
                            description=f"refused: {fields.get('action')} on {fields.get('budget')}")  # fmt: skip
    except PrivacyError as error:  # the refusal stands; say that its record is missing
        refused.message += f" (the refusal could not be recorded: {error.message})"
        refused.args = (refused.message,)


# -- management (owners only) ------------------------------------------------------------------
def grant(ledger: Ledger, budget: str, principal: str, permission: str = SPENDER) -> BudgetAccess:
    """Let `principal` spend (or, with permission='owner', own) `budget`."""
    return _change(ledger, budget, principal, permission, add=True)


def revoke(ledger: Ledger, budget: str, principal: str, permission: str = SPENDER) -> BudgetAccess:
    """Take a permission back; the last owner cannot be removed (the budget would open up)."""
    return _change(ledger, budget, principal, permission, add=False)


def _change(
    ledger: Ledger, budget: str, principal: str, permission: str, *, add: bool
) -> BudgetAccess:
    principal = check_principal(principal)
    if permission not in PERMISSIONS:
        raise InvalidParameterError(f"permission must be owner or spender, got {permission!r}")
    verb = "granted to" if add else "revoked from"
    return change_row(ledger, budget, principal, permission, add=add,
                      event=GRANTED if add else REVOKED, action="grant or revoke on",
                      details={"principal": principal, "permission": permission},
                      description=f"{permission} {verb} {principal}")  # fmt: skip


def change_row(
    ledger: Ledger, budget: str, principal: str, permission: str, *, add: bool, event: str,
    action: str, details: dict[str, Any], description: str,
) -> BudgetAccess:  # fmt: skip
    """An owner's change to the access rows, with its chained event; if the event cannot be
    recorded the change is taken back, so none goes unrecorded."""
    with translated_errors(ledger.url), ledger._write() as conn:
        row = ledger._require_budget(conn, budget)
        ensure_access_table(conn)
        if not budget_access(conn, row.id, row.name).restricted and not is_ledger_admin(conn):
            _claim(conn, row)
        principals, access = require_access(conn, row, OWNER, action)
        present = principal in {OWNER: access.owners, SPENDER: access.spenders,
                                HIGH_RISK: [LANE + m for m in access.marks]}[permission]  # fmt: skip
        if add == present:
            return access
        if add:
            _insert(conn, row.id, principal, permission, principals[0])
        else:
            if permission == OWNER and access.owners == [principal]:
                raise InvalidParameterError(
                    f"{principal} is the last owner of '{row.name}'; grant another owner first"
                )
            _delete(conn, row.id, principal, permission)
        changed = budget_access(conn, row.id, row.name)
    try:
        with kit_writes():
            ledger.record_event(event, budget=row.name, details={**details, "by": principals},
                                description=description)  # fmt: skip
    except PrivacyError:
        with contextlib.suppress(PrivacyError, sa.exc.SQLAlchemyError), ledger._write() as conn:
            if add:
                _delete(conn, row.id, principal, permission)
            else:
                _insert(conn, row.id, principal, permission, principals[0])
        raise
    return changed


def _insert(conn: Connection, budget_id: int, principal: str, permission: str, by: str) -> None:
    conn.execute(access_table.insert().values(budget_id=budget_id, principal=principal,
                 permission=permission, granted_by=by, granted_at=chain.utc_now()))  # fmt: skip


def _delete(conn: Connection, budget_id: int, principal: str, permission: str) -> None:
    conn.execute(access_table.delete().where(
        access_table.c.budget_id == budget_id, access_table.c.principal == principal,
        access_table.c.permission == permission))  # fmt: skip


def _claim(conn: Connection, row: Any) -> None:
    """A budget without owners (made before access control) is claimed by its creator only."""
    if row.created_by != current_actor():
        raise AccessDeniedError(
            f"budget '{row.name}' has no owners yet; only its creator ({row.created_by}) or the "
            "ledger's administrator can claim it, by granting a permission on it",
            budget=row.name, action="claim", principals=caller_principals(conn),
        )  # fmt: skip
    on_budget_created(conn, row.id)


def access_of(ledger: Ledger, budget: str) -> BudgetAccess:
    with translated_errors(ledger.url), ledger._engine.connect() as conn:
        row = ledger._require_budget(conn, budget)
        return budget_access(conn, row.id, row.name)


def whoami(ledger: Ledger) -> list[str]:
    """The principals this process acts as on this ledger."""
    with translated_errors(ledger.url), ledger._engine.connect() as conn:
        return caller_principals(conn)
