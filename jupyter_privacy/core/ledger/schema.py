"""The ledger's tables. One hash-chained `entries` log is the source of truth; `budgets` and
`chain_head` hold cached state that `verify()` recomputes from the log."""

from __future__ import annotations

import sqlalchemy as sa

#: Bump when the tables change; a ledger written by a newer version is refused on open.
SCHEMA_VERSION = 1
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

entries = sa.Table(
    "jp_entries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("budget_id", sa.Integer, nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # create | raise | release
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
)

chain_head = sa.Table(
    "jp_chain_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("head_id", sa.Integer, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.Column("next_budget_id", sa.Integer, nullable=False),
)
