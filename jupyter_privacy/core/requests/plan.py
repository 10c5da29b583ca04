"""What a request will release, declared when it is submitted: DP queries with their ε, or a
DP-SGD / federated training with the ε it may charge at most.

The owner approves exactly this plan. While approved code runs, every spend it makes is compared
with the plan first (`PlanGuard`, guard.py) and refused unless it matches a planned release that is
still unused; afterwards the runner checks the recorded releases against the plan again. Matching
uses only public facts of a release: its kind, budget, ε, δ, the canonical query text and the
training's hyper-parameters. ε adds up over the items (basic composition, as the ledger charges).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

from jupyter_privacy.core.requests.errors import PlanError, PlanViolationError
from jupyter_privacy.core.validation import check_delta, check_epsilon, check_positive_int

#: Relative slack when comparing a recorded ε or δ with the planned one (float round trips).
TOLERANCE = 1e-9
MAX_ITEMS = 100


@dataclass(frozen=True)
class ReleaseFacts:
    """The public facts of one release that the plan is compared with."""

    kind: str
    budget: str
    epsilon: float
    delta: float
    description: str
    hyper_parameters: Mapping[str, Any]
    #: The training a model or DP validation release belongs to (its replay key), else "".
    training: str = ""
    #: A model release's validation mode: "dp", "public" (exact figures) or "none".
    validation: str = "none"

    @classmethod
    def of(cls, *, budget: str, epsilon: float, delta: float, description: str,
           details: Mapping[str, Any] | None, replay_key: str | None = None) -> ReleaseFacts:  # fmt: skip
        """Query releases carry no `kind` in their details; trainings say `dp-sgd`/`federated`,
        their DP validation releases `dp-sgd-validation`/`federated-validation`."""
        details = details or {}
        kind = details.get("kind") if isinstance(details.get("kind"), str) else "query"
        hp = details.get("hyper_parameters")
        validation = details.get("validation")
        mode = validation.get("mode") if isinstance(validation, Mapping) else "none"
        training = details.get("training_replay_key") if kind in VALIDATION_OF else replay_key
        return cls(
            kind=str(kind), budget=budget, epsilon=float(epsilon), delta=float(delta),
            description=description, hyper_parameters=hp if isinstance(hp, Mapping) else {},
            training=str(training or ""), validation=str(mode),
        )  # fmt: skip


#: DP validation releases (training/validation.py) and the training kind whose planned ε they share.
VALIDATION_OF = {"dp-sgd-validation": "dp-sgd", "federated-validation": "federated"}


@dataclass
class PlanTally:
    """What a run has released against its plan so far: the planned releases made, and for each
    training under way (by its key) the planned item it was bound to and the ε, δ its DP
    validation releases took (they come before the model's release and share its planned ε)."""

    used: set[int] = field(default_factory=set)
    trainings: dict[str, tuple[int, float, float]] = field(default_factory=dict)

    def spent_before(self, index: int, facts: ReleaseFacts) -> tuple[float, float]:
        bound = self.trainings.get(facts.training)
        return (bound[1], bound[2]) if bound and bound[0] == index else (0.0, 0.0)

    def bound_index(self, facts: ReleaseFacts) -> int | None:
        bound = self.trainings.get(facts.training) if facts.training else None
        return bound[0] if bound else None

    def add(self, index: int, facts: ReleaseFacts) -> None:
        if facts.kind in VALIDATION_OF:
            _, epsilon, delta = self.trainings.get(facts.training, (index, 0.0, 0.0))
            self.trainings[facts.training] = (index, epsilon + facts.epsilon, delta + facts.delta)
        else:
            self.used.add(index)

    def remove(self, index: int, facts: ReleaseFacts) -> None:
        """Undo `add` (the spend it was for failed)."""
        if facts.kind not in VALIDATION_OF:
            self.used.discard(index)
        elif facts.training in self.trainings:
            _, epsilon, delta = self.trainings[facts.training]
            self.trainings[facts.training] = (index, epsilon - facts.epsilon, delta - facts.delta)


def _within(value: float, cap: float) -> bool:
    return value <= cap * (1 + TOLERANCE) + 1e-15


@functools.lru_cache(maxsize=256)
def canonical_query(sql: str) -> str:
    """The one spelling a query release is recorded under (`QuerySpec.canonical`)."""
    from jupyter_privacy.core.queries.sql import parse_sql

    return parse_sql(sql).spec.canonical()


@dataclass(frozen=True)
class Query:
    """One DP SQL query (`PrivateTable.query`, or the equivalent method) at ε, δ."""

    query: str
    epsilon: float
    delta: float = 0.0
    kind: ClassVar[str] = "query"

    def __post_init__(self) -> None:
        if not isinstance(self.query, str) or not self.query.strip():
            raise PlanError("a planned query needs its SQL, e.g. SELECT COUNT(*) FROM t")
        object.__setattr__(self, "epsilon", check_epsilon(self.epsilon))
        object.__setattr__(self, "delta", check_delta(self.delta))
        canonical_query(self.query)  # a query that does not parse is refused at submission

    def describe(self) -> str:
        return f"query {canonical_query(self.query)} at ε {self.epsilon:g}, δ {self.delta:g}"

    def mismatch(self, facts: ReleaseFacts) -> str | None:
        if facts.kind != "query":
            return "not a query"
        if facts.description != canonical_query(self.query):
            return "another query"
        if abs(facts.epsilon - self.epsilon) > TOLERANCE * self.epsilon:
            return f"ε {facts.epsilon:g} instead of {self.epsilon:g}"
        if not _within(facts.delta, self.delta):
            return f"δ {facts.delta:g} above {self.delta:g}"
        return None


@dataclass(frozen=True)
class _Training:
    """A training charges at most `epsilon` (its target) at δ ≤ `delta`."""

    epsilon: float
    delta: float
    #: The code may declare its validation rows public (exact figures outside ε); the owner sees it.
    validation_public: bool = False
    kind: ClassVar[str] = ""
    #: Hyper-parameters that must be recorded exactly as planned.
    pinned: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "epsilon", check_epsilon(self.epsilon))
        object.__setattr__(self, "delta", check_delta(self.delta))
        if not isinstance(self.validation_public, bool):
            raise PlanError("validation_public is true or false")

    def mismatch(self, facts: ReleaseFacts, before: tuple[float, float] = (0.0, 0.0)) -> str | None:
        """`before`: the ε, δ this training's DP validation releases already took."""
        validation = facts.kind in VALIDATION_OF
        if (VALIDATION_OF[facts.kind] if validation else facts.kind) != self.kind:
            return f"not a {self.kind} training"
        epsilon, delta = facts.epsilon + before[0], facts.delta + before[1]
        if not _within(epsilon, self.epsilon):
            so_far = f" (with its DP validation, ε {epsilon:g})" if before[0] else ""
            return f"ε {facts.epsilon:g}{so_far} above the planned {self.epsilon:g}"
        if not _within(delta, self.delta):
            return f"δ {delta:g} above the planned {self.delta:g}"
        if validation:
            return None
        if facts.validation == "public" and not self.validation_public:
            return ("validation data declared public (exact accuracy and loss released outside "
                    "ε), which the plan does not allow (validation_public)")  # fmt: skip
        for name in self.pinned:
            planned, recorded = getattr(self, name), facts.hyper_parameters.get(name)
            if planned is not None and recorded != planned:
                return f"{name} {recorded!r} instead of {planned!r}"
        return None

    def settings(self) -> str:
        pinned = [f"{n} {getattr(self, n)}" for n in self.pinned if getattr(self, n) is not None]
        if self.validation_public:
            pinned.append("validation rows declared public: exact accuracy and loss outside ε")
        return ", ".join(pinned)


@dataclass(frozen=True)
class DpSgdTraining(_Training):
    """`train_dp_sgd(..., target_epsilon=epsilon, delta=delta, ...)` with these settings."""

    epochs: int = 1
    batch_size: int = 64
    clip_norm: float = 1.0
    sampling: str = "poisson"
    accountant: str = "rdp"
    kind: ClassVar[str] = "dp-sgd"
    pinned: ClassVar[tuple[str, ...]] = (
        "epochs",
        "batch_size",
        "clip_norm",
        "sampling",
        "accountant",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "epochs", check_positive_int(self.epochs, "epochs"))
        object.__setattr__(self, "batch_size", check_positive_int(self.batch_size, "batch_size"))
        object.__setattr__(self, "clip_norm", check_epsilon(self.clip_norm, "clip_norm"))

    def describe(self) -> str:
        return f"DP-SGD training at ε ≤ {self.epsilon:g}, δ ≤ {self.delta:g} ({self.settings()})"


@dataclass(frozen=True)
class FederatedTraining(_Training):
    """`train_federated(..., target_epsilon=epsilon, delta=delta, ...)` with these settings."""

    clients: int = 2
    rounds: int = 1
    clipping_norm: float = 1.0
    mode: str = "central"
    clients_per_round: int | None = None
    accountant: str = "rdp"
    kind: ClassVar[str] = "federated"
    pinned: ClassVar[tuple[str, ...]] = ("clients", "rounds", "clipping_norm", "mode", "accountant")

    def __post_init__(self) -> None:
        super().__post_init__()
        from jupyter_privacy.core.federated.plan import check_mode

        object.__setattr__(self, "clients", check_positive_int(self.clients, "clients"))
        object.__setattr__(self, "rounds", check_positive_int(self.rounds, "rounds"))
        object.__setattr__(
            self, "clipping_norm", check_epsilon(self.clipping_norm, "clipping_norm")
        )
        check_mode(self.mode)

    def describe(self) -> str:
        return f"federated training at ε ≤ {self.epsilon:g}, δ ≤ {self.delta:g} ({self.settings()})"


PlanItem = Query | DpSgdTraining | FederatedTraining
ITEM_TYPES: dict[str, type[Any]] = {
    cls.kind: cls for cls in (Query, DpSgdTraining, FederatedTraining)
}


def item_to_dict(item: PlanItem) -> dict[str, Any]:
    return {"kind": item.kind, **asdict(item)}


def item_from_dict(data: Any) -> PlanItem:
    if isinstance(data, (Query, DpSgdTraining, FederatedTraining)):
        return data
    if not isinstance(data, Mapping):
        raise PlanError(f"a planned release is a dict such as {{'kind': 'query', 'query': "
                        f"'SELECT COUNT(*) FROM t', 'epsilon': 0.5}}, got {type(data).__name__}")  # fmt: skip
    kind = data.get("kind", "query")
    cls = ITEM_TYPES.get(kind)
    if cls is None:
        raise PlanError(
            f"unknown planned release kind {kind!r}; use one of {', '.join(ITEM_TYPES)}"
        )
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known - {"kind"})
    if unknown:
        raise PlanError(f"a planned {kind} does not take {', '.join(unknown)}; it takes "
                        f"{', '.join(sorted(known))}")  # fmt: skip
    try:
        return cls(**{k: v for k, v in data.items() if k != "kind"})  # type: ignore[no-any-return]
    except TypeError as error:
        raise PlanError(f"a planned {kind} needs {', '.join(sorted(known))}: {error}") from None


@dataclass(frozen=True)
class Plan:
    """The releases a request will make, in any order; each planned release is made at most once."""

    items: tuple[PlanItem, ...]

    def __post_init__(self) -> None:
        if not self.items:
            raise PlanError("a request needs a plan: at least one DP query or training it releases")
        if len(self.items) > MAX_ITEMS:
            raise PlanError(f"a plan holds at most {MAX_ITEMS} releases; split the request")

    @classmethod
    def of(cls, data: Plan | Iterable[Any] | Mapping[str, Any]) -> Plan:
        if isinstance(data, Plan):
            return data
        if isinstance(data, (Mapping, Query, DpSgdTraining, FederatedTraining)):
            data = [data]
        if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
            raise PlanError("give the plan as a list of planned releases (Query(...), dicts)")
        return cls(tuple(item_from_dict(item) for item in data))

    @property
    def epsilon(self) -> float:
        """ε charged at most by the whole plan (basic composition: the items' ε add up)."""
        return float(sum(item.epsilon for item in self.items))

    @property
    def delta(self) -> float:
        return float(sum(item.delta for item in self.items))

    def to_list(self) -> list[dict[str, Any]]:
        return [item_to_dict(item) for item in self.items]

    def describe(self) -> str:
        lines = [f"{i}. {item.describe()}" for i, item in enumerate(self.items, start=1)]
        total = f"total: ε ≤ {self.epsilon:g}, δ ≤ {self.delta:g} (basic composition)"
        return "\n".join([*lines, total])

    def match(self, facts: ReleaseFacts, tally: PlanTally, budget: str) -> int:
        """Index of the first unused planned release the facts match; PlanViolationError if none.
        A training's DP validation releases and its model release match one planned training
        (bound by the training's key) and together stay within its ε. Record a match with
        `tally.add(index, facts)`.

        The error text names the release's kind and ε only, never its description: a refused
        release's description is whatever the code chose to put there.
        """
        if facts.budget != budget:
            raise PlanViolationError(
                f"the code tried to spend from budget '{facts.budget}'; the request may spend only "
                f"from its dataset's budget '{budget}'"
            )
        bound = tally.bound_index(facts)
        taken = {i for i, _, _ in tally.trainings.values()}
        reasons = []
        for index, item in enumerate(self.items):
            if index in tally.used or (bound is not None and index != bound):
                continue
            if bound is None and index in taken:
                continue  # bound to another training under way
            if isinstance(item, Query):
                reason = item.mismatch(facts)
            else:
                reason = item.mismatch(facts, tally.spent_before(index, facts))
            if reason is None:
                return index
            reasons.append(f"#{index + 1}: {reason}")
        left = "; ".join(reasons) or "every planned release was already made"
        raise PlanViolationError(
            f"the code tried to make a {facts.kind} release at ε {facts.epsilon:g} that is not in "
            f"the approved plan ({left}); nothing was spent for it"
        )


def plan_digest(plan: Plan) -> str:
    """SHA-256 of the plan's canonical JSON: what an approval pins besides the code."""
    text = json.dumps(plan.to_list(), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
