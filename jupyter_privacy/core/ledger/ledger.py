"""The privacy-budget ledger: budgets, atomic check-and-spend with replay, and a hash-chained log.

Every write takes the chain head's lock, so entries get consecutive ids and each hash covers the one
before it. A spend runs the caller's computation inside that transaction: if it raises, or the commit
fails, nothing is spent and nothing is returned.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from jupyter_privacy.core.config import resolve_ledger_url
from jupyter_privacy.core.errors import (
    DuplicateBudgetError,
    InvalidParameterError,
    UnknownBudgetError,
)
from jupyter_privacy.core.ledger import chain, schema
from jupyter_privacy.core.ledger.composition import Spend, add, composition_rule, dec
from jupyter_privacy.core.ledger.events import (
    EVENT_KIND,
    LEDGER_WIDE,
    Event,
    check_event_details,
    check_event_type,
    event_from_row,
    event_query,
)
from jupyter_privacy.core.ledger.models import (
    Budget,
    LedgerCopy,
    Release,
    VerificationReport,
    release_from_row,
)
from jupyter_privacy.core.ledger.provenance import current_actor, current_origin
from jupyter_privacy.core.ledger.schema import ensure_schema
from jupyter_privacy.core.ledger.secret import DataKey, data_key_of
from jupyter_privacy.core.ledger.statements import (
    SELECT_BUDGET,
    SELECT_HEAD,
    UPDATE_HEAD,
    UPDATE_SPENT,
    budget_from_row,
    entry_dict,
    newest_notebook_release,
    usage_of,
)
from jupyter_privacy.core.ledger.storage import (
    DEFAULT_LOCK_TIMEOUT_S,
    WriteTransaction,
    create_ledger_engine,
    mask_url,
    snapshot,
    translated_errors,
)
from jupyter_privacy.core.ledger.transfer import copy_rows, export_document
from jupyter_privacy.core.validation import (
    budget_create_hint,
    check_budget_name,
    check_delta,
    check_epsilon,
    check_positive_int,
    check_rho,
)

T = schema


class Ledger:
    """Open with `jupyter_privacy.open_ledger()`; safe to share between threads of one process."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.display_url = mask_url(url)
        self._engine = engine
        with translated_errors(url):
            ensure_schema(engine, self._write, self.display_url)

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Ledger {self.display_url}>"

    def data_key(self) -> DataKey:
        """The key of every digest of private data (the secret beside the ledger, secret.py)."""
        return data_key_of(self)

    def _write(self) -> Any:
        conn = self._engine.connect().execution_options(sqlite_begin="IMMEDIATE")
        return WriteTransaction(conn)

    # -- budgets -------------------------------------------------------------------------------
    def create_budget(
        self,
        name: str,
        epsilon: float,
        delta: float = 0.0,
        *,
        composition: str = "basic",
        privacy_unit: str = "one row",
        max_contributions: int = 1,
        notes: str = "",
    ) -> Budget:
        name = check_budget_name(name)
        epsilon = check_epsilon(epsilon)
        delta = check_delta(delta)
        composition_rule(composition)
        max_contributions = check_positive_int(max_contributions, "max_contributions")
        if composition == "zcdp" and delta == 0:
            raise InvalidParameterError("a zcdp budget needs δ > 0 to state its (ε, δ) total")
        actor, now = current_actor(), chain.utc_now()
        with translated_errors(self.url), self._write() as conn:
            head = self._lock_head(conn)
            if self._budget_row(conn, name) is not None:
                raise DuplicateBudgetError(
                    f"budget '{name}' already exists; pick another name, or raise it with "
                    f"jupyter privacy budget raise {name} --epsilon <new total>",
                    budget=name,
                )
            budget_id = head.next_budget_id
            conn.execute(
                T.budgets.insert().values(
                    id=budget_id, name=name, composition=composition, epsilon_total=epsilon,
                    delta_total=delta, privacy_unit=privacy_unit or "one row",
                    max_contributions=max_contributions, notes=notes or "", created_at=now,
                    created_by=actor, epsilon_spent="0", delta_spent="0", rho_spent="0",
                    release_count=0, last_release_at=None,
                )
            )  # fmt: skip
            details = {
                "name": name, "composition": composition, "privacy_unit": privacy_unit or "one row",
                "max_contributions": max_contributions, "notes": notes or "",
            }  # fmt: skip
            self._append(
                conn, head, budget_id=budget_id, kind="create", epsilon=epsilon, delta=delta,
                description=f"budget created: {name}", actor=actor, created_at=now, details=details,
                next_budget_id=budget_id + 1,
            )  # fmt: skip
            return budget_from_row(self._budget_row(conn, name))

    def raise_budget(
        self, name: str, *, epsilon: float | None = None, delta: float | None = None, reason: str
    ) -> Budget:
        """Raise a budget's totals: an explicit act recorded in the chain with its reason."""
        if not reason or not str(reason).strip():
            raise InvalidParameterError("raising a budget needs a reason (who approved it and why)")
        if epsilon is None and delta is None:
            raise InvalidParameterError("give a new total epsilon and/or delta to raise a budget")
        with translated_errors(self.url), self._write() as conn:
            head = self._lock_head(conn)
            row = self._require_budget(conn, name)
            new_eps = check_epsilon(epsilon) if epsilon is not None else row.epsilon_total
            new_delta = check_delta(delta) if delta is not None else row.delta_total
            if new_eps < row.epsilon_total or new_delta < row.delta_total:
                raise InvalidParameterError(
                    f"a budget can only be raised: '{row.name}' has ε {row.epsilon_total:g}, "
                    f"δ {row.delta_total:g}; create a new budget for a smaller allowance"
                )
            conn.execute(
                T.budgets.update()
                .where(T.budgets.c.id == row.id)
                .values(epsilon_total=new_eps, delta_total=new_delta)
            )
            self._append(
                conn, head, budget_id=row.id, kind="raise", epsilon=new_eps, delta=new_delta,
                description=str(reason).strip(), actor=current_actor(), created_at=chain.utc_now(),
                details={"previous_epsilon": row.epsilon_total, "previous_delta": row.delta_total},
            )  # fmt: skip
            return budget_from_row(self._require_budget(conn, row.name))

    def budget(self, name: str) -> Budget:
        with translated_errors(self.url), self._engine.connect() as conn:
            return budget_from_row(self._require_budget(conn, name))

    def budgets(self) -> list[Budget]:
        with translated_errors(self.url), self._engine.connect() as conn:
            rows = conn.execute(sa.select(T.budgets).order_by(T.budgets.c.id)).fetchall()
        return [budget_from_row(row) for row in rows]

    # -- spending ------------------------------------------------------------------------------
    def spend(
        self,
        budget: str,
        epsilon: float,
        delta: float = 0.0,
        *,
        compute: Callable[[], Any] | None = None,
        value: Any = None,
        rho: float | None = None,
        mechanism: str = "",
        description: str = "",
        details: dict[str, Any] | None = None,
        replay_key: str | None = None,
        fresh: bool = False,
        origin: str | None = None,
        actor: str | None = None,
    ) -> Release:
        """Check the budget, run `compute` (or take `value`), record, commit — all or nothing.

        With a `replay_key` already in the ledger (and `fresh` False) the stored release comes back
        with `replayed=True`, `compute` is not called, and nothing is spent.
        """
        epsilon = check_epsilon(epsilon)
        delta = check_delta(delta)
        rho = check_rho(rho) if rho is not None else None
        if compute is not None and value is not None:
            raise InvalidParameterError("pass either compute= or value=, not both")
        if replay_key is not None and (not isinstance(replay_key, str) or not replay_key):
            raise InvalidParameterError("replay_key must be a non-empty string")
        details_json = chain.dumps(details or {})
        with translated_errors(self.url):
            if replay_key and not fresh:
                with self._engine.connect() as conn:
                    stored = self._find_replay(conn, budget, replay_key)
                if stored is not None:
                    return stored
            with self._write() as conn:
                head = self._lock_head(conn)
                row = self._require_budget(conn, budget)
                if replay_key and not fresh:
                    stored = self._find_replay(conn, row.name, replay_key)
                    if stored is not None:
                        return stored
                rule = composition_rule(row.composition)
                spend = Spend(epsilon=epsilon, delta=delta, rho=rho)
                used = usage_of(row)
                rule.check(row.name, (row.epsilon_total, row.delta_total), used, spend)
                charged_rho = rho
                if row.composition == "zcdp":
                    charged_rho = rule.charged_rho(spend)  # type: ignore[attr-defined]
                released = compute() if compute is not None else value
                value_json = chain.dumps(released)
                now = chain.utc_now()
                entry_actor, entry_origin = actor or current_actor(), origin or current_origin()
                entry_id = self._append(
                    conn, head, budget_id=row.id, kind="release", epsilon=epsilon, delta=delta,
                    rho=charged_rho, mechanism=mechanism, description=description,
                    actor=entry_actor, origin=entry_origin,
                    created_at=now, value_json=value_json, details_json=details_json,
                    replay_key=replay_key,
                )  # fmt: skip
                conn.execute(
                    UPDATE_SPENT,
                    {
                        "budget_id": row.id,
                        "new_epsilon_spent": str(add(used.epsilon, dec(epsilon))),
                        "new_delta_spent": str(add(used.delta, dec(delta))),
                        "new_rho_spent": str(add(used.rho, dec(charged_rho or 0.0))),
                        "new_release_count": row.release_count + 1,
                        "new_last_release_at": now,
                    },
                )
                return Release(
                    id=entry_id, budget=row.name, epsilon=epsilon, delta=delta, rho=charged_rho,
                    mechanism=mechanism, description=description, actor=entry_actor,
                    origin=entry_origin, created_at=now, value=json.loads(value_json),
                    details=json.loads(details_json), replay_key=replay_key,
                )  # fmt: skip

    def find_replay(self, budget: str, replay_key: str) -> Release | None:
        """The newest release of `budget` stored under `replay_key` (marked replayed), if any."""
        with translated_errors(self.url), self._engine.connect() as conn:
            return self._find_replay(conn, budget, replay_key)

    def history(
        self, name: str, *, limit: int | None = None, offset: int = 0, newest_first: bool = False
    ) -> list[Release]:
        """The budget's releases (not its create/raise events), oldest first unless asked."""
        with translated_errors(self.url), self._engine.connect() as conn:
            row = self._require_budget(conn, name)
            order = T.entries.c.id.desc() if newest_first else T.entries.c.id
            query = (
                sa.select(T.entries)
                .where(T.entries.c.budget_id == row.id, T.entries.c.kind == "release")
                .order_by(order)
                .offset(offset)
            )
            if limit is not None:
                query = query.limit(limit)
            return [release_from_row(r, row.name) for r in conn.execute(query)]

    def last_release_from_notebook(self, *paths: str) -> Release | None:
        """The newest release spent from the notebook at any of `paths`, or None if it never spent.

        A release is the notebook's when its origin is `notebook:<path>` or `notebook:<path>#<cell>`.
        Paths compare exactly: give each spelling a kernel may have recorded (relative to the
        server root, absolute). One indexed query, however long the history.
        """
        wanted = [p for p in paths if isinstance(p, str) and p]
        if not wanted or len(wanted) != len(paths):
            raise InvalidParameterError("give the notebook's path, e.g. 'analysis/census.ipynb'")
        with translated_errors(self.url), self._engine.connect() as conn:
            row = conn.execute(newest_notebook_release(wanted, conn.dialect.name)).first()
        return None if row is None else release_from_row(row, row.name)

    def events(self, name: str) -> list[dict[str, Any]]:
        """Every chained entry of a budget (create, raise, release) as plain dicts."""
        with translated_errors(self.url), self._engine.connect() as conn:
            row = self._require_budget(conn, name)
            rows = conn.execute(
                sa.select(T.entries).where(T.entries.c.budget_id == row.id).order_by(T.entries.c.id)
            )
            return [entry_dict(r) for r in rows]

    # -- audit events (see events.py) -----------------------------------------------------------
    def record_event(
        self, event: str, *, budget: str | None = None, description: str = "",
        details: dict[str, Any] | None = None, actor: str | None = None, origin: str | None = None,
    ) -> Event:  # fmt: skip
        """Append an audit event (spends nothing) to the hash chain; `budget` ties it to one budget."""
        event = check_event_type(event)
        details_json = chain.dumps(check_event_details(details))
        with translated_errors(self.url), self._write() as conn:
            head = self._lock_head(conn)
            budget_id = self._require_budget(conn, budget).id if budget is not None else LEDGER_WIDE
            entry_id = self._append(
                conn, head, budget_id=budget_id, kind=EVENT_KIND, epsilon=0.0, delta=0.0,
                mechanism=event, description=description, actor=actor or current_actor(),
                origin=origin or current_origin(), created_at=chain.utc_now(),
                details_json=details_json,
            )  # fmt: skip
            row = conn.execute(sa.select(T.entries).where(T.entries.c.id == entry_id)).one()
            return event_from_row(row, budget)

    def event_log(
        self, prefix: str | None = None, *, budget: str | None = None, limit: int | None = None
    ) -> list[Event]:
        """Audit events newest first: all, of one budget, or of types `prefix` / `prefix.*`."""
        with translated_errors(self.url), self._engine.connect() as conn:
            budget_id = self._require_budget(conn, budget).id if budget is not None else None
            query = event_query(T.entries, budget_id=budget_id, prefix=prefix)
            if limit is not None:
                query = query.limit(check_positive_int(limit, "limit"))
            names: dict[int, str] = dict(
                conn.execute(sa.select(T.budgets.c.id, T.budgets.c.name)).fetchall()
            )
            return [event_from_row(r, names.get(r.budget_id)) for r in conn.execute(query)]

    # -- integrity and export --------------------------------------------------------------------
    def verify(self) -> VerificationReport:
        from jupyter_privacy.core.ledger.verify import verify_ledger

        with translated_errors(self.url), self._engine.connect() as conn:
            return verify_ledger(conn)

    def export(self, *, include_digests: bool = False) -> dict[str, Any]:
        """The whole ledger as JSON-ready data: budgets, every entry with its hash, verification;
        data digests only when asked (see published.py)."""
        report = self.verify()
        with translated_errors(self.url), self._engine.connect() as conn:
            return export_document(conn, self.budgets(), report, self.display_url, include_digests)

    def copy_to(self, target: Ledger, *, overwrite: bool = False) -> LedgerCopy:
        """Copy every budget and entry into `target` unchanged, in one of its write transactions.

        Hashes are copied too, so the copy verifies exactly when this ledger does: call `verify()`
        first when a tampered ledger must not be copied. A target that holds entries is refused
        unless `overwrite`, which replaces its contents; a ledger cannot be copied onto itself.
        """
        if target.url == self.url:
            raise InvalidParameterError(
                f"cannot copy ledger {self.display_url} onto itself; give another target ledger"
            )
        with translated_errors(target.url), snapshot(self._engine) as src, target._write() as dst:
            return copy_rows(src, dst, target=target.display_url, overwrite=overwrite)

    # -- internals -----------------------------------------------------------------------------
    def _lock_head(self, conn: Connection) -> Any:
        return conn.execute(SELECT_HEAD).one()

    def _append(
        self, conn: Connection, head: Any, *, budget_id: int, kind: str, epsilon: float,
        delta: float, description: str, actor: str, created_at: str, rho: float | None = None,
        mechanism: str = "", origin: str = "", value_json: str = "null",
        details: dict[str, Any] | None = None, details_json: str | None = None,
        replay_key: str | None = None, next_budget_id: int | None = None,
    ) -> int:  # fmt: skip
        fields = {
            "id": head.head_id + 1, "budget_id": budget_id, "kind": kind, "epsilon": epsilon,
            "delta": delta, "rho": rho, "mechanism": mechanism, "description": description,
            "actor": actor, "origin": origin or current_origin(), "created_at": created_at,
            "value_json": value_json,
            "details_json": details_json if details_json is not None else chain.dumps(details or {}),
            "replay_key": replay_key, "prev_hash": head.head_hash,
        }  # fmt: skip
        fields["hash"] = chain.entry_hash(fields)
        conn.execute(T.entries.insert(), fields)
        conn.execute(
            UPDATE_HEAD,
            {
                "new_head_id": fields["id"],
                "new_head_hash": fields["hash"],
                "new_next_budget_id": next_budget_id or head.next_budget_id,
            },
        )
        return int(fields["id"])

    def _budget_row(self, conn: Connection, name: str) -> Any:
        return conn.execute(SELECT_BUDGET, {"budget_name": name}).first()

    def _require_budget(self, conn: Connection, name: str) -> Any:
        if not isinstance(name, str) or not name.strip():
            raise InvalidParameterError("give the name of a budget, e.g. budget='census-2026'")
        row = self._budget_row(conn, name.strip())
        if row is None:
            known = [r[0] for r in conn.execute(sa.select(T.budgets.c.name).order_by("name"))]
            hint = f"known budgets: {', '.join(known)}" if known else "this ledger has no budgets"
            raise UnknownBudgetError(
                f"no budget named '{name}' in ledger {self.display_url} ({hint}); "
                + budget_create_hint(name),
                budget=name,
            )
        return row

    def _find_replay(self, conn: Connection, budget: str, key: str) -> Release | None:
        query = (
            sa.select(T.entries, T.budgets.c.name)
            .join(T.budgets, T.budgets.c.id == T.entries.c.budget_id)
            .where(T.entries.c.replay_key == key, T.entries.c.kind == "release")
            .order_by(T.entries.c.id.desc())
            .limit(1)
        )
        row = conn.execute(query).first()
        if row is None or row.name != budget:
            return None
        return release_from_row(row, row.name).as_replayed()


def open_ledger(url: str | None = None, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT_S) -> Ledger:
    """Open (creating if needed) the ledger at `url`, or the project's configured/default ledger."""
    resolved = resolve_ledger_url(url)
    return Ledger(resolved, create_ledger_engine(resolved, lock_timeout))
