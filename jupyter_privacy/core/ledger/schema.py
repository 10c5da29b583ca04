"""The ledger's tables and their open-time checks. One hash-chained `entries` log is the source of
truth; `budgets` and `chain_head` hold cached state that `verify()` recomputes from the log.

Schema 2 added `jp_entries.totals_json`: each entry of a budget carries that budget's running totals
(see totals.py), hashed with the entry. A schema-1 ledger still opens for reading (through
`entries_v1`, the table as it was) and is upgraded on request (upgrade.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from jupyter_privacy.core.errors import LedgerError, LedgerSchemaError

#: Bump when the tables change; a ledger written by a newer version is refused on open. Indexes are
#: not part of it: they change no stored value, so every version reads a ledger with or without them.
SCHEMA_VERSION = 2
GENESIS_HASH = "0" * 64

metadata = sa.MetaData()

meta = sa.Table(
    "jp_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

budgets = sa.Table(
    "jp_budgets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(128), nullable=False, unique=True),
    sa.Column("composition", sa.String(16), nullable=False),
    sa.Column("epsilon_total", sa.Float, nullable=False),
    sa.Column("delta_total", sa.Float, nullable=False),
    sa.Column("privacy_unit", sa.Text, nullable=False),
    sa.Column("max_contributions", sa.Integer, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    # Exact decimal text: sums of user-entered ε never drift the way float sums do.
    sa.Column("epsilon_spent", sa.String(80), nullable=False),
    sa.Column("delta_spent", sa.String(80), nullable=False),
    sa.Column("rho_spent", sa.String(80), nullable=False),
    sa.Column("release_count", sa.Integer, nullable=False),
    sa.Column("last_release_at", sa.String(40), nullable=True),
)


def _entry_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("budget_id", sa.Integer, nullable=False),  # indexed with id: budget_head_index
        sa.Column("kind", sa.String(16), nullable=False),  # create | raise | release | event
        sa.Column("epsilon", sa.Float, nullable=False),
        sa.Column("delta", sa.Float, nullable=False),
        sa.Column("rho", sa.Float, nullable=True),
        sa.Column("mechanism", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("value_json", sa.Text, nullable=False),
        sa.Column("details_json", sa.Text, nullable=False),
        sa.Column("replay_key", sa.String(128), nullable=True, index=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    ]


entries = sa.Table(
    "jp_entries",
    metadata,
    *_entry_columns(),
    # Schema 2: the budget's running totals after this entry (canonical JSON), hashed with it.
    # NULL on entries written before the upgrade and on ledger-wide events.
    sa.Column("totals_json", sa.Text, nullable=True),
)

#: `jp_entries` as schema 1 had it, for reading a ledger that has not been upgraded yet.
entries_v1 = sa.Table(entries.name, sa.MetaData(), *_entry_columns())

#: A notebook's newest release (the Lab status bar) without scanning the log; with `kind` in it,
#: SQLite answers from the index alone. PostgreSQL compares origins bytewise (text_pattern_ops), so
#: the prefix ranges of `statements.notebook_origins` are exact under any collation. That option is
#: set on a PostgreSQL connection only (`_with_dialect_options`): naming it here would load
#: SQLAlchemy's PostgreSQL dialect in every process, a tenth of a CLI command's start-up.
origin_index = sa.Index("ix_jp_entries_origin", entries.c.origin, entries.c.kind)
#: A budget's newest entry (every write reads it) in one index step. SQLite's index on budget_id
#: alone held the row id too; PostgreSQL's did not, and read every entry of the budget per spend
#: (ledgers made before this index keep that one beside it).
budget_head_index = sa.Index("ix_jp_entries_budget_head", entries.c.budget_id, entries.c.id)
_ADDED_INDEXES = (origin_index, budget_head_index)


def _with_dialect_options(conn: Any) -> None:
    if conn.dialect.name == "postgresql":
        origin_index.dialect_options["postgresql"]["ops"] = {"origin": "text_pattern_ops"}


chain_head = sa.Table(
    "jp_chain_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("head_id", sa.Integer, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.Column("next_budget_id", sa.Integer, nullable=False),
)


def entries_table(version: int) -> sa.Table:
    """`jp_entries` with the columns a ledger of schema `version` has."""
    return entries if version >= 2 else entries_v1


def ensure_schema(engine: Engine, begin_write: Callable[[], Any], display_url: str) -> int:
    """Create the tables in an empty database, or check the version of an existing ledger.

    Returns the ledger's schema version (1 for a ledger still to be upgraded).
    """
    if sa.inspect(engine).has_table(meta.name):
        with engine.connect() as conn:
            version = check_version(conn, display_url)
        add_missing_indexes(engine, begin_write)
        return version
    with begin_write() as conn:
        if conn.dialect.name == "postgresql":  # serialise concurrent first opens
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(74201)"))
        if sa.inspect(conn).has_table(meta.name):  # another process created it meanwhile
            return check_version(conn, display_url)
        _with_dialect_options(conn)
        metadata.create_all(conn)
        conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        conn.execute(
            chain_head.insert().values(id=1, head_id=0, head_hash=GENESIS_HASH, next_budget_id=1)
        )
    return SCHEMA_VERSION


def inspect_read_only(engine: Engine, display_url: str) -> int | None:
    """The version of the ledger behind `engine`, or None for an empty database; writes nothing.

    A database holding other tables but no ledger is refused: a read must not turn somebody
    else's database into a ledger.
    """
    names = set(sa.inspect(engine).get_table_names())
    if meta.name in names:
        with engine.connect() as conn:
            return check_version(conn, display_url)
    if names:
        shown = ", ".join(sorted(names)[:5]) + (", …" if len(names) > 5 else "")
        raise LedgerSchemaError(
            f"{display_url} is not a jupyter-privacy ledger (it holds other tables: {shown}); "
            "point --ledger or JUPYTER_PRIVACY_LEDGER at your ledger"
        )
    return None


def check_version(conn: Connection, display_url: str) -> int:
    """Refuse a ledger written by a newer version of the kit, or one that is not a ledger."""
    found = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    try:
        version = int(found) if found is not None else None
    except (TypeError, ValueError):
        version = None
    if version is None or version < 1:
        raise LedgerSchemaError(
            f"ledger {display_url} has no readable schema version; it is not a "
            "jupyter-privacy ledger or it was damaged. Restore a backup or use another URL"
        )
    if version > SCHEMA_VERSION:
        raise LedgerSchemaError(
            f"ledger {display_url} has schema version {version}, newer than this "
            f"jupyter-privacy understands ({SCHEMA_VERSION}). Upgrade: "
            "pip install -U jupyter-privacy",
            found=version,
            supported=SCHEMA_VERSION,
        )
    return version


def add_missing_indexes(engine: Engine, begin_write: Callable[[], Any]) -> None:
    """Give a ledger created before an index existed that index; one that cannot be written now
    (read-only, locked past the timeout) still opens, and its queries scan instead."""
    present = {index["name"] for index in sa.inspect(engine).get_indexes(entries.name)}
    missing = [index for index in _ADDED_INDEXES if index.name not in present]
    if not missing:
        return
    with contextlib.suppress(LedgerError, sa.exc.DBAPIError), begin_write() as conn:
        _with_dialect_options(conn)
        for index in missing:
            index.create(conn, checkfirst=True)
