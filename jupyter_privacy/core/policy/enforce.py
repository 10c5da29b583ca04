"""Enforcement at the two layers the playbook names: data collection (`collect`) and inference
(`allows`, `require`, the `@feature` decorator). No Jupyter import; pandas and polars frames.

Every decision that strips or blocks something is a hash-chained ledger event (`policy.stripped`,
`policy.refused`, `policy.denied`) with the market, the field or feature names of the data
dictionary, the checklist item ids and the actor; never a data value. Fields outside the data
dictionary are counted, not named, in the ledger (a column name of an unknown frame could itself be
personal, e.g. a pivot by person); the report returned to the caller names them. If the event
cannot be recorded the call fails: nothing is returned that the audit log does not show.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, open_ledger
from jupyter_privacy.core.policy.document import (
    FIELD,
    Decision,
    PolicyDocument,
    read_policy,
)
from jupyter_privacy.core.policy.errors import PolicyBlockedError

F = TypeVar("F", bound=Callable[..., Any])
MODES = ("drop", "refuse")
_MAX_MARKET_TEXT = 64


@dataclass
class Collected:
    """What `collect` kept: the frame without the removed fields, and why each was removed."""

    frame: Any
    market: str
    kept: list[str]
    removed: list[Decision] = field(default_factory=list)

    def report(self) -> str:
        if not self.removed:
            return f"{self.market}: every field may be collected ({len(self.kept)} kept)"
        lines = [f"{self.market}: removed {len(self.removed)} field(s), kept {len(self.kept)}"]
        lines += [f"  - {d.subject}: {d.reason}" + (f" [{', '.join(d.items)}]" if d.items else "")
                  for d in self.removed]  # fmt: skip
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"market": self.market, "kept": list(self.kept),
                "removed": [d.to_dict() for d in self.removed]}  # fmt: skip


@dataclass
class Policy(PolicyDocument):
    """A loaded policy that enforces itself and records what it blocks in `ledger` (a Ledger, a
    URL, or None for the project's ledger)."""

    ledger: Ledger | str | None = None

    @functools.cached_property
    def _audit_ledger(self) -> Ledger:
        if isinstance(self.ledger, Ledger):
            return self.ledger
        return open_ledger(self.ledger)

    # -- data collection ---------------------------------------------------------------------
    def collect(self, frame: Any, *, market: str, on_violation: str | None = None,
                actor: str | None = None) -> Collected:  # fmt: skip
        """Drop (or, with on_violation='refuse', refuse) the fields this market may not collect."""
        labels = frame_columns(frame)
        if on_violation is not None and on_violation not in MODES:
            raise InvalidParameterError(
                f"on_violation must be 'drop' or 'refuse', got {on_violation!r}"
            )
        code = self.market_code(market)
        if code is None:
            decision = self.field_decision("*", market)
            self._record("policy.refused", decision.market, [decision], len(labels), "refuse",
                         actor)  # fmt: skip
            raise PolicyBlockedError(
                f"collection refused: {decision.reason}", market=decision.market, subject="*",
                items=[],
            )  # fmt: skip
        mode = on_violation or self.on_violation(code)
        decisions = {label: self.field_decision(str(label), code) for label in labels}
        removed = [d for d in decisions.values() if not d.allowed]
        kept = [str(label) for label, d in decisions.items() if d.allowed]
        if removed:
            event = "policy.refused" if mode == "refuse" else "policy.stripped"
            self._record(event, code, removed, len(labels), mode, actor)
            if mode == "refuse":
                names = ", ".join(d.subject for d in removed)
                raise PolicyBlockedError(
                    f"collection refused in {code}: field(s) not allowed there: {names} "
                    "(see policy.field_decision for why; drop them or change the policy)",
                    market=code, subject=[d.subject for d in removed],
                    items=sorted({i for d in removed for i in d.items}),
                )  # fmt: skip
            frame = drop_columns(frame, [label for label, d in decisions.items() if not d.allowed])
        return Collected(frame, code, kept, removed)

    # -- inference -----------------------------------------------------------------------------
    def allows(self, feature: str, market: str, *, actor: str | None = None) -> bool:
        """May `feature` be served in `market`? A denial is recorded; unknown markets are denied."""
        decision = self.feature_decision(feature, market)
        if not decision.allowed:
            self._record("policy.denied", decision.market, [decision], 1, "deny", actor)
        return decision.allowed

    def require(self, feature: str, market: str, *, actor: str | None = None) -> Decision:
        """The allowing decision, or PolicyBlockedError (recorded) when the market may not have it."""
        decision = self.feature_decision(feature, market)
        if not decision.allowed:
            self._record("policy.denied", decision.market, [decision], 1, "deny", actor)
            raise PolicyBlockedError(
                f"feature {feature!r} is not served in {decision.market}: {decision.reason}"
                + (f" [{', '.join(decision.items)}]" if decision.items else ""),
                market=decision.market, subject=feature, items=list(decision.items),
            )  # fmt: skip
        return decision

    def feature(self, name: str) -> Callable[[F], F]:
        """Decorator: the function runs only in markets that allow `name`; call it with market=…
        (passed on when the function has a `market` parameter)."""

        def wrap(function: F) -> F:
            takes_market = "market" in inspect.signature(function).parameters

            @functools.wraps(function)
            def gated(*args: Any, market: str | None = None, **kwargs: Any) -> Any:
                if market is None:
                    raise InvalidParameterError(
                        f"call {function.__name__}(..., market='eu'): feature {name!r} is "
                        "served per market"
                    )
                self.require(name, market)
                if takes_market:
                    kwargs["market"] = market
                return function(*args, **kwargs)

            return gated  # type: ignore[return-value]

        return wrap

    # -- audit -----------------------------------------------------------------------------------
    def _record(self, event: str, market: str, decisions: list[Decision], columns: int,
                mode: str, actor: str | None) -> None:  # fmt: skip
        """One chained event per blocking decision; dictionary names only, never values."""
        named = [d for d in decisions if not self._unlisted(d)]
        details = {
            "market": str(market)[:_MAX_MARKET_TEXT], "mode": mode,
            "kind": decisions[0].kind if decisions else FIELD,
            "decisions": [{"subject": d.subject, "term": d.term, "items": list(d.items),
                           "reason": d.reason} for d in named],
            "items": sorted({i for d in named for i in d.items}),
            "unlisted_fields": len(decisions) - len(named), "fields_seen": columns,
            "policy": str(self.path) if self.path else "",
        }  # fmt: skip
        subjects = ", ".join(d.subject for d in named) or f"{len(decisions)} unlisted field(s)"
        self._audit_ledger.record_event(event, description=f"{event} in {details['market']}: "
                                        f"{subjects}", details=details, actor=actor)  # fmt: skip

    def _unlisted(self, decision: Decision) -> bool:
        """A field outside the data dictionary: its name stays out of the ledger."""
        return (decision.kind == FIELD and decision.subject != "*"
                and decision.subject not in self.data["fields"])  # fmt: skip


def frame_columns(frame: Any) -> list[Any]:
    """Column labels of a pandas DataFrame, a polars DataFrame or LazyFrame (schema only)."""
    library = type(frame).__module__.split(".")[0]
    if library == "pandas" and hasattr(frame, "columns"):
        return list(frame.columns)
    if library == "polars":
        if hasattr(frame, "collect_schema"):
            return list(frame.collect_schema().names())
        return list(frame.columns)
    raise InvalidParameterError(
        f"collect takes a pandas or polars DataFrame (or a polars LazyFrame), got "
        f"{type(frame).__name__}"
    )


def drop_columns(frame: Any, labels: list[Any]) -> Any:
    if type(frame).__module__.split(".")[0] == "pandas":
        return frame.drop(columns=labels)
    return frame.drop(labels)


def load_policy(path: str | Path, *, ledger: Ledger | str | None = None) -> Policy:
    """Load and validate privacy-policy.yaml; its blocking decisions are logged to `ledger`."""
    document = read_policy(path)
    return Policy(document.data, document.path, ledger=ledger)
