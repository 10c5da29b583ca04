"""Who the caller is, as principals the access table names: `user:<OS user>`, `jupyter:<Jupyter
identity>` or `role:<PostgreSQL role>` (see access.py for what each may do). On SQLite the caller is
its OS user and Jupyter identity; on PostgreSQL its database role and the group roles it belongs to,
the identity the database itself can check."""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger.provenance import current_actor

PRINCIPAL_KINDS = {"user": "OS user", "jupyter": "Jupyter identity", "role": "PostgreSQL role"}
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,126}$")
_JUPYTER: contextvars.ContextVar[str | None] = contextvars.ContextVar("jp_jupyter", default=None)


def check_principal(text: Any) -> str:
    """`user:alice`, `jupyter:alice` or `role:analyst`; a bare name is an OS user."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidParameterError(
            "name a principal, e.g. user:alice, jupyter:alice or role:analyst"
        )
    kind, sep, name = text.strip().partition(":")
    if not sep:
        kind, name = "user", kind
    if kind not in PRINCIPAL_KINDS or not _NAME.match(name):
        raise InvalidParameterError(
            f"principal {text!r}: write KIND:NAME with KIND one of {', '.join(PRINCIPAL_KINDS)} "
            "(e.g. role:analyst) and a name of letters, digits and _.@+-", parameter="principal",
        )  # fmt: skip
    return f"{kind}:{name}"


def person(principal: str) -> str:
    """The name part: `user:alice` and `jupyter:alice` are the same person for approvals."""
    return principal.partition(":")[2]


@contextlib.contextmanager
def acting_as(identity: str) -> Iterator[None]:
    """Attribute ledger writes in the block to this Jupyter identity (the server's handlers)."""
    token = _JUPYTER.set(identity)
    try:
        yield
    finally:
        _JUPYTER.reset(token)


def jupyter_identity() -> str | None:
    """The Jupyter identity of the caller: set by `acting_as`, or JupyterHub's user of a kernel."""
    return _JUPYTER.get() or os.environ.get("JUPYTERHUB_USER") or None


# One round trip, prepared once: every spend asks it.
_PG_ROLES = sa.text(
    "SELECT current_user, ARRAY(SELECT rolname::text FROM pg_roles "
    "WHERE pg_has_role(current_user, oid, 'MEMBER') ORDER BY rolname)"
)


def caller_principals(conn: Connection) -> list[str]:
    """Every principal the caller is, in the identity that counts on this backend: on SQLite its
    OS user and Jupyter identity; on PostgreSQL its role and each role it is a member of (the
    database checks roles only, so the kit does too). Its own identities come first."""
    if conn.dialect.name == "postgresql":
        row = conn.execute(_PG_ROLES).one()
        own, roles = row[0], list(row[1])
        return [f"role:{own}"] + [f"role:{r}" for r in roles if r != own]
    found = [f"user:{current_actor()}"]
    identity = jupyter_identity()
    if identity:
        found.append(f"jupyter:{identity}")
    return found


def is_ledger_admin(conn: Connection) -> bool:
    """On PostgreSQL, a superuser or the owner of the ledger's tables: row security does not apply
    to it (it installs the policies and repairs access, e.g. after `ledger migrate`), so neither
    does the kit's check. SQLite has no such role: the file's permissions decide."""
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.execute(sa.text(
        "SELECT r.rolsuper OR pg_has_role(current_user, c.relowner, 'MEMBER') "
        "FROM pg_roles r, pg_class c WHERE r.rolname = current_user "
        "AND c.oid = to_regclass('jp_entries')")).scalar())  # fmt: skip


def own_principals(conn: Connection) -> list[str]:
    """The caller's own identities (not the group roles it belongs to)."""
    found = caller_principals(conn)
    return found[:1] if conn.dialect.name == "postgresql" else found
