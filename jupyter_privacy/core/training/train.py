"""Train a Keras model with DP-SGD (TensorFlow Privacy) against a ledger budget.

Order of events, so a failure anywhere spends nothing and releases nothing:
1. validate, solve σ for a target ε if asked, compute the planned ε (before any TensorFlow work);
2. refuse if the planned (ε, δ) does not fit the budget's remaining allowance;
3. train a *copy* of the model, recording loss / validation accuracy / ε per epoch;
4. record the release (ε, δ, accountant, hyper-parameters, data fingerprint) with ledger.spend;
5. only then move the stored weights and history into place (their SHA-256 is in the release's
   details, so inside the ledger's hash chain) and hand back the trained model.
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jupyter_privacy.core.accounting import (
    DpSgdSetting,
    EpsilonResult,
    compare_accountants,
    default_delta,
    dp_sgd_epsilon,
    noise_for_target_epsilon,
    privacy_statement,
)
from jupyter_privacy.core.accounting.accountants import check_accountant
from jupyter_privacy.core.accounting.setting import check_sampling
from jupyter_privacy.core.data_errors import private_data
from jupyter_privacy.core.errors import BudgetExceededError, InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, Release, open_ledger
from jupyter_privacy.core.training.fingerprint import check_class_labels, data_fingerprint
from jupyter_privacy.core.training.models import build_dp_model, load_tf, make_loss
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
    stored_training,
    training_replay_key,
    weights_path,
)
from jupyter_privacy.core.validation import check_epsilon, check_positive_int

PIPELINE = "shuffled fixed-size batches (Keras fit, shuffle=True)"
_BAD_DATA_HINT = ("check that y holds class indices below the model's number of outputs and that "
                  "x holds no NaN; nothing was spent")  # fmt: skip


@dataclass(frozen=True)
class TrainingPlan:
    """Everything decided before training starts; recorded with the release."""

    dataset_size: int
    batch_size: int
    epochs: int
    clip_norm: float
    noise_multiplier: float
    learning_rate: float
    delta: float
    sampling: str
    accountant: str
    target_epsilon: float | None
    planned: EpsilonResult

    @property
    def setting(self) -> DpSgdSetting:
        return DpSgdSetting(
            self.dataset_size, self.batch_size, self.noise_multiplier, self.delta,
            epochs=float(self.epochs), sampling=self.sampling,
        )  # fmt: skip

    def hyper_parameters(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("planned")
        return data


@dataclass
class TrainingResult:
    model: Any
    path: str
    path_reason: str
    plan: TrainingPlan
    epsilon: EpsilonResult
    release: Release
    records: list[EpochRecord] = field(default_factory=list)

    @property
    def statement(self) -> str:
        return privacy_statement(self.plan.setting)

    def summary(self) -> str:
        last = self.records[-1] if self.records else None
        accuracy = (
            f", validation accuracy {last.val_accuracy:.3f}" if last and last.val_accuracy else ""
        )
        return (
            f"DP-SGD ({self.path}) for {self.plan.epochs} epochs{accuracy}; "
            f"{self.epsilon.describe()}; recorded as release {self.release.id} "
            f"in budget '{self.release.budget}'"
        )


def plan_training(
    *, dataset_size: int, batch_size: int, epochs: int, clip_norm: float,
    noise_multiplier: float | None, target_epsilon: float | None, learning_rate: float,
    delta: float | None, sampling: str, accountant: str,
) -> TrainingPlan:  # fmt: skip
    """Check the hyper-parameters and compute the planned ε (no TensorFlow needed)."""
    epochs = check_positive_int(epochs, "epochs")
    clip_norm = check_epsilon(clip_norm, "clip_norm")
    learning_rate = check_epsilon(learning_rate, "learning_rate")
    sampling, accountant = check_sampling(sampling), check_accountant(accountant)
    if (noise_multiplier is None) == (target_epsilon is None):
        raise InvalidParameterError(
            "give exactly one of noise_multiplier (σ) or target_epsilon (σ is then solved for it)"
        )
    delta = default_delta(dataset_size) if delta is None else delta
    if target_epsilon is not None:
        target_epsilon = check_epsilon(target_epsilon, "target_epsilon")
        noise_multiplier = noise_for_target_epsilon(
            target_epsilon, dataset_size=dataset_size, batch_size=batch_size, delta=delta,
            epochs=epochs, sampling=sampling, accountant=accountant,
        ).noise_multiplier  # fmt: skip
    assert noise_multiplier is not None
    setting = DpSgdSetting(
        dataset_size, batch_size, noise_multiplier, delta, epochs=float(epochs), sampling=sampling
    )
    return TrainingPlan(
        dataset_size=setting.dataset_size, batch_size=setting.batch_size, epochs=epochs,
        clip_norm=clip_norm, noise_multiplier=setting.noise_multiplier,
        learning_rate=learning_rate, delta=setting.delta, sampling=sampling,
        accountant=accountant, target_epsilon=target_epsilon,
        planned=dp_sgd_epsilon(setting, accountant),
    )  # fmt: skip


def check_fits_budget(ledger: Ledger, budget: str, plan: TrainingPlan) -> None:
    """Refuse before training when the planned (ε, δ) exceeds what the budget has left."""
    state = ledger.budget(budget)
    if state.composition != "basic":
        raise InvalidParameterError(
            f"budget '{state.name}' uses {state.composition} composition; DP-SGD releases are "
            "(ε, δ) with δ > 0 and need a 'basic' budget"
        )
    eps, delta = plan.planned.epsilon, plan.delta
    if eps > state.epsilon_remaining or delta > state.delta_remaining:
        raise BudgetExceededError(
            f"training would spend ε {eps:.4g} and δ {delta:g} ({plan.accountant}, "
            f"{plan.sampling} sampling) but budget '{state.name}' has ε "
            f"{state.epsilon_remaining:.4g} and δ {state.delta_remaining:g} left. Training was "
            "not started. Raise the noise multiplier, train fewer epochs, pass target_epsilon=…, "
            f"or raise the budget: jupyter privacy budget raise {state.name} --epsilon <total>",
            budget=state.name, requested_epsilon=eps, requested_delta=delta,
            remaining_epsilon=state.epsilon_remaining, remaining_delta=state.delta_remaining,
        )  # fmt: skip


def train_dp_sgd(
    model: Any,
    x: Any,
    y: Any,
    *,
    budget: str,
    ledger: Ledger | str | None = None,
    validation_data: tuple[Any, Any] | None = None,
    epochs: int = 5,
    batch_size: int = 64,
    clip_norm: float = 1.0,
    noise_multiplier: float | None = None,
    target_epsilon: float | None = None,
    learning_rate: float = 0.1,
    delta: float | None = None,
    loss: str = "sparse_categorical_crossentropy",
    from_logits: bool = True,
    sampling: str = "shuffle",
    accountant: str = "rdp",
    fast_clipping: bool = True,
    use_xla: bool = False,
    progress: TrainingProgress | None = None,
    on_epoch: EpochListener | None = None,
    progress_bar: bool = True,
    description: str = "",
    fresh: bool = False,
    model_store: str | None = None,
) -> TrainingResult:
    """Train a copy of `model` with DP-SGD and record its (ε, δ) in `budget` when training ends.

    `sampling` is the assumption the ε is charged under: ``shuffle`` (default) matches what Keras
    does; ``poisson`` gives the smaller, commonly quoted ε but the pipeline does not Poisson-sample.
    δ defaults to the largest power of ten ≤ 1/(10·n). Re-running the same training returns the
    stored model, release and per-epoch records (also fed to `progress`/`on_epoch`) and spends
    nothing (see replay.py); ``fresh=True`` trains and spends again.
    """
    plan = plan_training(
        dataset_size=_dataset_size(x, y), batch_size=batch_size, epochs=epochs,
        clip_norm=clip_norm, noise_multiplier=noise_multiplier, target_epsilon=target_epsilon,
        learning_rate=learning_rate, delta=delta, sampling=sampling, accountant=accountant,
    )  # fmt: skip
    if plan.sampling == "poisson":
        warnings.warn(
            f"ε is charged assuming Poisson sampling, but training uses {PIPELINE}; the sound "
            "bound for this pipeline is the (larger) shuffle ε, recorded alongside",
            stacklevel=2,
        )
    owns_ledger = not isinstance(ledger, Ledger)
    opened = ledger if isinstance(ledger, Ledger) else open_ledger(ledger)
    try:
        tf, _ = load_tf()  # MissingExtraError naming jupyter-privacy[tf] before any work
        fingerprint = data_fingerprint(x, y, key=opened.data_key())
        key = _replay_key(model, fingerprint, budget, plan, loss=loss, from_logits=from_logits,
                          fast_clipping=fast_clipping, validation_data=validation_data,
                          ledger=opened)  # fmt: skip
        store = model_store_dir(model_store, opened.url)
        if not fresh:
            replayed = load_replayed_model(
                opened, budget, key, store, model,
                lambda m: m.compile(loss=make_loss(tf, loss, from_logits=from_logits,
                                                   per_example=False), metrics=["accuracy"]),
            )  # fmt: skip
            if replayed is not None:
                release, trained = replayed
                history = load_history(store, key, release.details.get(HISTORY_DIGEST))
                tracker = _tracker(progress, on_epoch)
                for record in history:  # live charts redraw the stored curve
                    tracker.add(record)
                return TrainingResult(
                    model=trained, path=release.details.get("training_path", ""),
                    path_reason=f"replayed: stored release {release.id}, nothing spent",
                    plan=plan, epsilon=plan.planned, release=release, records=history,
                )  # fmt: skip
        check_fits_budget(opened, budget, plan)
        dp = build_dp_model(
            model, clip_norm=plan.clip_norm, noise_multiplier=plan.noise_multiplier,
            learning_rate=plan.learning_rate, loss=loss, from_logits=from_logits,
            prefer_fast_clipping=fast_clipping, use_xla=use_xla,
        )  # fmt: skip
        if loss == "sparse_categorical_crossentropy":  # before TF can log a bad label
            check_class_labels(y, int(dp.model.output_shape[-1]))
        if dp.path != "fast_gradient_clipping" and fast_clipping:
            warnings.warn(dp.reason, stacklevel=2)
        tracker = _tracker(progress, on_epoch)
        first_record = len(tracker.records)
        callback = _callback(plan, tracker, progress_bar)
        with private_data(
            "training on the data", hint=_BAD_DATA_HINT, only=(tf.errors.InvalidArgumentError,)
        ):  # its text lists labels
            dp.model.fit(
                x, y, batch_size=plan.batch_size, epochs=plan.epochs, shuffle=True,
                validation_data=validation_data, callbacks=[callback], verbose=0,
            )  # fmt: skip
        records = tracker.records[first_record:]
        targets = (weights_path(store, key), history_path(store, key))
        staged: list[Path] = []
        try:  # digests of the staged bytes, which the renames below move unchanged
            staged.append(save_weights(dp.model, targets[0]))
            staged.append(save_history(records, targets[1]))
            digests = {
                WEIGHTS_DIGEST: file_sha256(staged[0]),
                HISTORY_DIGEST: file_sha256(staged[1]),
            }
            release = _record(opened, budget, plan, dp.path, records, fingerprint, description,
                              key, digests)  # fmt: skip
        except BaseException:
            for path in staged:
                path.unlink(missing_ok=True)
            raise
        for path, target in zip(staged, targets, strict=True):
            path.replace(target)
    finally:
        if owns_ledger:
            opened.close()
    return TrainingResult(
        model=dp.model, path=dp.path, path_reason=dp.reason, plan=plan, epsilon=plan.planned,
        release=release, records=list(records),
    )  # fmt: skip


def find_training_replay(
    model: Any, x: Any, y: Any, *, budget: str, ledger: Ledger | str | None = None, **options: Any
) -> Release | None:
    """The stored release that `train_dp_sgd` with these same arguments would replay, or None when
    it would train and spend (always None with ``fresh=True``). Trains nothing and spends nothing;
    like a replay, refuses when the release is recorded but its weights file is gone."""
    call = inspect.signature(train_dp_sgd).bind(model, x, y, budget=budget, ledger=ledger,
                                                **options)  # fmt: skip
    call.apply_defaults()
    args = call.arguments
    if args["fresh"]:
        return None
    plan_args = set(inspect.signature(plan_training).parameters) - {"dataset_size"}
    plan = plan_training(dataset_size=_dataset_size(x, y), **{k: args[k] for k in plan_args})
    opened = ledger if isinstance(ledger, Ledger) else open_ledger(ledger)
    try:
        key = _replay_key(model, data_fingerprint(x, y, key=opened.data_key()), budget, plan,
                          loss=args["loss"], from_logits=args["from_logits"],
                          fast_clipping=args["fast_clipping"],
                          validation_data=args["validation_data"], ledger=opened)  # fmt: skip
        return stored_training(
            opened, budget, key, model_store_dir(args["model_store"], opened.url)
        )
    finally:
        if opened is not ledger:
            opened.close()


def _tracker(progress: TrainingProgress | None, on_epoch: EpochListener | None) -> TrainingProgress:
    tracker = progress or TrainingProgress()
    if on_epoch is not None:
        tracker.on_epoch(on_epoch)
    return tracker


def _dataset_size(x: Any, y: Any) -> int:
    if not hasattr(x, "__len__") or not hasattr(y, "__len__"):
        raise InvalidParameterError(
            "x and y must be arrays (numpy or lists) so the dataset size n is known for accounting"
        )
    if len(y) != len(x):
        raise InvalidParameterError(
            f"x has {len(x)} rows but y has {len(y)}; give one label per row"
        )
    return len(x)


def _replay_key(
    model: Any, fingerprint: str, budget: str, plan: TrainingPlan, *, loss: str,
    from_logits: bool, fast_clipping: bool, validation_data: tuple[Any, Any] | None,
    ledger: Ledger,
) -> str:  # fmt: skip
    """Everything that determines the release: budget, architecture, settings and data."""
    validation = (data_fingerprint(*validation_data, key=ledger.data_key())
                  if validation_data else None)  # fmt: skip
    settings = {**plan.hyper_parameters(), "loss": loss, "from_logits": from_logits,
                "fast_clipping": fast_clipping, "validation": validation}  # fmt: skip
    return training_replay_key(budget, architecture=model.to_json(), settings=settings,
                               fingerprint=fingerprint)  # fmt: skip


def _callback(plan: TrainingPlan, tracker: TrainingProgress, progress_bar: bool) -> Any:
    from jupyter_privacy.core.training.keras_callback import DpSgdCallback

    def epsilon_after(epoch: int) -> tuple[float, float, str, str]:
        result = dp_sgd_epsilon(plan.setting.with_changes(epochs=float(epoch)), plan.accountant)
        return result.epsilon, result.delta, result.accountant, result.sampling

    return DpSgdCallback(epsilon_after, progress=tracker, progress_bar=progress_bar)


def _record(
    ledger: Ledger, budget: str, plan: TrainingPlan, path: str, records: list[EpochRecord],
    fingerprint: str, description: str, replay_key: str, digests: dict[str, str],
) -> Release:  # fmt: skip
    """The release is the trained model; its recorded value is the held-out metrics only (training
    loss is computed on private data without noise, so it is not part of the release)."""
    last = records[-1] if records else None
    value = {
        "epochs_completed": len(records),
        "val_accuracy": last.val_accuracy if last else None,
        "val_loss": last.val_loss if last else None,
    }
    alternatives = {
        f"{r.accountant}/{r.sampling}": r.epsilon for r in compare_accountants(plan.setting)
    }
    details = {
        "kind": "dp-sgd",
        "accountant": plan.accountant,
        "conversion": plan.planned.conversion,
        "sampling": plan.sampling,
        "sampling_note": plan.planned.sampling_note,
        "pipeline": PIPELINE,
        "privacy_unit": plan.planned.privacy_unit,
        "hyper_parameters": plan.hyper_parameters(),
        "compositions": plan.planned.compositions,
        "optimizer_steps": plan.epochs * -(-plan.dataset_size // plan.batch_size),
        "training_path": path,
        "data_fingerprint": fingerprint,
        "epsilon_by_accountant": alternatives,
        "per_epoch_epsilon": [r.epsilon for r in records],
        **digests,
    }
    try:
        return ledger.spend(
            budget, plan.planned.epsilon, plan.delta, value=value,
            mechanism=f"DP-SGD (TensorFlow Privacy, {path.replace('_', ' ')})",
            description=description or f"DP-SGD model trained on {plan.dataset_size} examples",
            details=details, replay_key=replay_key, fresh=True,
        )  # fmt: skip
    except BudgetExceededError as error:
        raise BudgetExceededError(
            f"training finished but its release could not be recorded, so the trained model was "
            f"discarded: {error.message}",
            **error.fields,
        ) from None
