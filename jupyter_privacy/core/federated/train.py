"""Train a Keras model with DP federated averaging (Flower) against a ledger budget.

Order of events, so a failure anywhere spends nothing and releases nothing:
1. validate, solve σ for a target ε if asked, compute the planned ε (no Flower or TensorFlow);
2. replay: the same training already recorded returns its stored model and spends nothing;
3. refuse before round 1 if the planned (ε, δ) does not fit the budget's remaining allowance;
4. run the rounds (Flower simulation engine, or a local SuperLink with one SuperNode per client);
   after every round release the held-out accuracy (DP through the ledger, then shown; exact only
   for data declared public) and show the ε spent so far (rounds.py);
5. record one release (ε, δ, accountant, privacy unit, trust model, hyper-parameters, data
   fingerprint, the weights' SHA-256) with ledger.spend;
6. only then move the stored weights and per-round history into place and hand back the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_privacy.core.accounting import ACCOUNTANTS, EpsilonResult
from jupyter_privacy.core.errors import BudgetExceededError, InvalidParameterError, require_extra
from jupyter_privacy.core.federated.clients import (
    LocalTraining,
    check_client_datasets,
    clients_fingerprint,
    keras_model,
)
from jupyter_privacy.core.federated.plan import (
    MECHANISMS,
    TRUST,
    FederatedPlan,
    plan_federated,
)
from jupyter_privacy.core.federated.replay import federated_replay_key
from jupyter_privacy.core.federated.rounds import RoundRecorder, federated_validation
from jupyter_privacy.core.federated.settings import RunSettings, require_flower
from jupyter_privacy.core.federated.simulation import simulate
from jupyter_privacy.core.ledger import Ledger, Release, open_ledger
from jupyter_privacy.core.training.fingerprint import data_fingerprint
from jupyter_privacy.core.training.models import make_loss
from jupyter_privacy.core.training.progress import EpochListener, EpochRecord, TrainingProgress
from jupyter_privacy.core.training.replay import (
    HISTORY_DIGEST,
    WEIGHTS_DIGEST,
    file_sha256,
    history_path,
    load_history,
    load_replayed_model,
    model_store_dir,
    save_history,
    save_weights,
    weights_path,
)
from jupyter_privacy.core.training.validation import (
    DEFAULT_VALIDATION_EPSILON,
    validation_mode,
    validation_summary,
)

KIND = "federated"


def _deploy(*args: Any, **kwargs: Any) -> None:
    from jupyter_privacy.core.federated.deployment import deploy_locally

    deploy_locally(*args, **kwargs)


#: engine name → runner(settings, initial weights, clients, on_round, **options)
ENGINES: dict[str, Callable[..., None]] = {"simulation": simulate, "deployment": _deploy}


@dataclass
class FederatedResult:
    model: Any
    plan: FederatedPlan
    epsilon: EpsilonResult
    release: Release
    engine: str
    records: list[EpochRecord] = field(default_factory=list)
    validation_releases: list[Release] = field(default_factory=list)

    @property
    def total_epsilon(self) -> float:
        """ε this training charged: the model's plus its DP validation releases'."""
        return self.epsilon.epsilon + sum(r.epsilon for r in self.validation_releases)

    @property
    def statement(self) -> str:
        return self.plan.statement()

    def summary(self) -> str:
        last = self.records[-1].val_accuracy if self.records else None
        accuracy, validation = validation_summary(
            last, self.plan.validation, self.plan.validation_epsilon, self.plan.rounds
        )
        how = "replayed, nothing spent" if self.release.replayed else f"Flower {self.engine}"
        return (
            f"DP-FedAvg ({self.plan.mode} DP, {how}) over {self.plan.clients} clients for "
            f"{self.plan.rounds} round(s){accuracy}; {self.plan.describe(self.epsilon)}"
            f"{validation}; recorded as release {self.release.id} in budget "
            f"'{self.release.budget}'"
        )


def check_fits_budget(ledger: Ledger, budget: str, plan: FederatedPlan) -> None:
    """Refuse before round 1 when the planned (ε, δ) exceeds what the budget has left."""
    state = ledger.budget(budget)
    if state.composition != "basic":
        raise InvalidParameterError(
            f"budget '{state.name}' uses {state.composition} composition; a federated training "
            "is an (ε, δ) release with δ > 0 and needs a 'basic' budget"
        )
    eps = plan.total_epsilon
    share = (f" (model {plan.planned.epsilon:.4g} + DP validation {plan.validation_epsilon:.4g})"
             if plan.validation_epsilon else "")  # fmt: skip
    if eps > state.epsilon_remaining or plan.delta > state.delta_remaining:
        raise BudgetExceededError(
            f"the federated training would spend ε {eps:.4g}{share} and δ {plan.delta:g} "
            f"({plan.accountant}, {plan.rounds} rounds) but budget '{state.name}' has ε "
            f"{state.epsilon_remaining:.4g} and δ {state.delta_remaining:g} left. No round was "
            "started. Raise the noise multiplier, run fewer rounds, pass target_epsilon=…, or "
            f"raise the budget: jupyter privacy budget raise {state.name} --epsilon <total>",
            budget=state.name, requested_epsilon=eps, requested_delta=plan.delta,
            remaining_epsilon=state.epsilon_remaining, remaining_delta=state.delta_remaining,
        )  # fmt: skip


def train_federated(
    model_fn: Any,
    client_datasets: Any,
    *,
    budget: str,
    rounds: int = 3,
    clients_per_round: int | None = None,
    noise_multiplier: float | None = None,
    target_epsilon: float | None = None,
    clipping_norm: float = 1.0,
    mode: str = "central",
    delta: float | None = None,
    accountant: str = "rdp",
    local_epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 0.1,
    loss: str = "sparse_categorical_crossentropy",
    from_logits: bool = True,
    validation_data: tuple[Any, Any] | None = None,
    validation_public: bool = False,
    validation_epsilon: float = DEFAULT_VALIDATION_EPSILON,
    ledger: Ledger | str | None = None,
    engine: str = "simulation",
    progress: TrainingProgress | None = None,
    on_round: EpochListener | None = None,
    progress_bar: bool = True,
    description: str = "",
    fresh: bool = False,
    model_store: str | None = None,
    round_timeout: float = 300.0,
    verbose: bool = False,
) -> FederatedResult:
    """Train the model `model_fn` returns by DP federated averaging over `client_datasets` (one
    (x, y) pair per client, or {name: (x, y)}) and record its (ε, δ) in `budget` when training ends.

    Privacy unit: one client's whole dataset. ``mode="central"``: the server clips and noises the
    average (Flower DifferentialPrivacyServerSideFixedClipping); ``"local"``: every client noises
    its own update (Flower LocalDpMod). Give `noise_multiplier` (noise stddev / clipping_norm) or
    `target_epsilon` (σ is solved for it, DP validation share included). `engine` is
    ``simulation`` (Flower's simulation engine, Ray) or ``deployment`` (a SuperLink and one
    SuperNode per client on 127.0.0.1, real gRPC). After every round the accuracy on
    `validation_data` is released with differential privacy (`validation_epsilon` over all rounds,
    charged to the same budget) unless `validation_public=True` declares those rows public; it
    goes with the ε spent so far to `progress` / `on_round` (an EpochRecord whose `epoch` is the
    round). Re-running the same training replays the stored release and spends nothing.
    """
    if engine not in ENGINES:
        raise InvalidParameterError(
            f"engine must be one of {', '.join(ENGINES)}, got {engine!r}", parameter="engine"
        )
    clients = check_client_datasets(client_datasets)
    plan = plan_federated(
        clients=len(clients), clients_per_round=clients_per_round, rounds=rounds,
        clipping_norm=clipping_norm, noise_multiplier=noise_multiplier,
        target_epsilon=target_epsilon, delta=delta, mode=mode, accountant=accountant,
        local_epochs=local_epochs, batch_size=batch_size, learning_rate=learning_rate,
        validation=validation_mode(validation_data, bool(validation_public)),
        validation_epsilon=validation_epsilon,
    )  # fmt: skip
    validation = federated_validation(validation_data, plan, loss, description)
    require_flower()  # MissingExtraError naming jupyter-privacy[federated] before any work
    tf = require_extra("tensorflow", "tf")
    model = keras_model(model_fn)
    training = LocalTraining(
        architecture=model.to_json(), loss=loss, from_logits=from_logits, epochs=plan.local_epochs,
        batch_size=plan.batch_size, learning_rate=plan.learning_rate,
    )  # fmt: skip
    owns_ledger = not isinstance(ledger, Ledger)
    opened = ledger if isinstance(ledger, Ledger) else open_ledger(ledger)
    tracker = progress or TrainingProgress()
    if on_round is not None:
        tracker.on_epoch(on_round)
    try:
        data_key = opened.data_key()  # every data digest is keyed by the ledger's secret
        fingerprint = clients_fingerprint(clients, data_key)
        key = federated_replay_key(budget, model.to_json(), {
            **plan.hyper_parameters(), "loss": loss, "from_logits": from_logits,
            "validation": data_fingerprint(*validation, key=data_key) if validation else None,
        }, fingerprint)  # fmt: skip
        store = model_store_dir(model_store, opened.url)

        def compile_model(m: Any) -> Any:
            m.compile(loss=make_loss(tf, loss, from_logits=from_logits, per_example=False),
                      metrics=[] if loss == "mean_squared_error" else ["accuracy"])  # fmt: skip

        if not fresh:
            replayed = load_replayed_model(opened, budget, key, store, model, compile_model)
            if replayed is not None:
                release, trained = replayed
                history = load_history(store, key, release.details.get(HISTORY_DIGEST))
                for record in history:  # live charts redraw the stored curve
                    tracker.add(record)
                return FederatedResult(trained, plan, plan.planned, release,
                                       release.details.get("engine", engine), history)  # fmt: skip
        check_fits_budget(opened, budget, plan)
        settings = RunSettings.from_plan(plan, training, round_timeout)
        rounds_run = RoundRecorder(
            plan, model, validation, tracker, progress_bar, ledger=opened, budget=budget,
            training_key=key, description=description, loss=loss, from_logits=from_logits,
        )  # fmt: skip
        ENGINES[engine](settings, model.get_weights(), clients, rounds_run, verbose=verbose)
        final = rounds_run.final_weights()
        trained = tf.keras.models.clone_model(model)
        trained.set_weights(final)
        compile_model(trained)
        release = _record(opened, budget, plan, trained, rounds_run, store, key, fingerprint,
                          engine, description, loss, from_logits)  # fmt: skip
    finally:
        if owns_ledger:
            opened.close()
    return FederatedResult(trained, plan, plan.planned, release, engine, list(rounds_run.records),
                           list(rounds_run.validation_releases))  # fmt: skip


def _record(
    ledger: Ledger, budget: str, plan: FederatedPlan, model: Any, rounds: RoundRecorder,
    store: Path, key: str, fingerprint: str, engine: str, description: str, loss: str,
    from_logits: bool,
) -> Release:  # fmt: skip
    """One release for the whole training; the weights and history files are staged first (their
    digests go into the release) and renamed into place only once the spend is recorded."""
    import flwr

    targets = (weights_path(store, key), history_path(store, key))
    staged: list[Path] = []
    try:
        staged.append(save_weights(model, targets[0]))
        staged.append(save_history(rounds.records, targets[1]))
        last = rounds.records[-1]
        details = {
            "kind": KIND, "mode": plan.mode, "accountant": plan.accountant,
            "conversion": plan.planned.conversion, "sampling": plan.sampling,
            "sampling_note": plan.planned.sampling_note, "privacy_unit": plan.planned.privacy_unit,
            "trust_model": TRUST[plan.mode], "engine": engine,
            "flower_version": str(getattr(flwr, "__version__", "")),
            "hyper_parameters": {**plan.hyper_parameters(), "loss": loss,
                                 "from_logits": from_logits},
            "compositions": plan.rounds, "rounds_aggregated": rounds.aggregated,
            "data_fingerprint": fingerprint,
            "epsilon_by_accountant": {name: _epsilon(plan, name) for name in ACCOUNTANTS},
            "per_round_epsilon": [record.epsilon for record in rounds.records],
            "validation": rounds.validation.describe([r.id for r in rounds.validation_releases])
            if rounds.validation else {"mode": "none"},
            WEIGHTS_DIGEST: file_sha256(staged[0]), HISTORY_DIGEST: file_sha256(staged[1]),
        }  # fmt: skip

        def released_value() -> dict[str, Any]:
            """Only the final model's held-out metrics as released (DP accuracy, or exact on data
            declared public): clients report nothing else."""
            return {"rounds_completed": len(rounds.records), "val_accuracy": last.val_accuracy,
                    "val_loss": last.val_loss}  # fmt: skip

        release = ledger.spend(
            budget, plan.planned.epsilon, plan.delta, compute=released_value,
            mechanism=MECHANISMS[plan.mode], details=details, replay_key=key, fresh=True,
            description=description or f"DP federated model ({plan.mode} DP) trained by "
            f"{plan.clients} clients over {plan.rounds} rounds",
        )  # fmt: skip
    except BudgetExceededError as error:
        _discard(staged)
        raise BudgetExceededError(
            "the federated training finished but its release could not be recorded, so the "
            f"trained model was discarded: {error.message}",
            **error.fields,
        ) from None
    except BaseException:
        _discard(staged)
        raise
    for path, target in zip(staged, targets, strict=True):
        path.replace(target)
    return release


def _epsilon(plan: FederatedPlan, accountant: str) -> float:
    from dataclasses import replace

    return replace(plan, accountant=accountant).epsilon_after(plan.rounds).epsilon


def _discard(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
