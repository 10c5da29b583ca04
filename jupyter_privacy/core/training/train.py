"""Train a Keras model with DP-SGD (TensorFlow Privacy) against a ledger budget.

Order of events, so a failure anywhere spends nothing it has not shown and releases nothing else:
1. validate, solve σ for a target ε if asked, compute the planned ε (before any TensorFlow work);
2. refuse if the planned (ε, δ), DP validation included, does not fit the budget's allowance;
3. copy the model and refuse layers that mix examples or learn state from the data (layers.py);
4. train the copy for exactly the planned number of steps, sampled as planned (sampling.py,
   engine.py); after each epoch release the DP validation accuracy through the ledger, then show it
   (the exact training loss and accuracy are shown only with show_private_metrics=True, labelled
   as not private, and never stored);
5. record the model's release (ε, δ, accountant, sampling, q, steps run) with ledger.spend;
6. only then move the stored weights and history into place (their SHA-256 is in the release's
   details, so inside the ledger's hash chain) and hand back the trained model.
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_privacy.core.accounting import EpsilonResult, dp_sgd_epsilon
from jupyter_privacy.core.data_errors import private_data
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, Release, open_ledger
from jupyter_privacy.core.training.fingerprint import check_class_labels, data_fingerprint
from jupyter_privacy.core.training.models import (
    FAST_CLIPPING,
    correct_predictions,
    load_tf,
    make_loss,
    prepare_model,
)
from jupyter_privacy.core.training.plan import TrainingPlan, check_fits_budget, plan_training
from jupyter_privacy.core.training.progress import EpochListener, EpochRecord, TrainingProgress
from jupyter_privacy.core.training.record import record_training, training_statement
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
from jupyter_privacy.core.training.sampling import BatchPlanner
from jupyter_privacy.core.training.validation import (
    DEFAULT_VALIDATION_EPSILON,
    ValidationSet,
    public_metrics,
    release_dp_accuracy,
    validation_mode,
    validation_set,
    validation_summary,
)

__all__ = ["TrainingPlan", "TrainingResult", "check_fits_budget", "plan_training", "train_dp_sgd"]
_BAD_DATA_HINT = ("check that y holds class indices below the model's number of outputs and that "
                  "x holds no NaN; nothing was spent")  # fmt: skip


@dataclass
class TrainingResult:
    model: Any
    path: str
    path_reason: str
    plan: TrainingPlan
    epsilon: EpsilonResult
    release: Release
    records: list[EpochRecord] = field(default_factory=list)
    validation_releases: list[Release] = field(default_factory=list)
    private_metrics_shown: bool = False  # show_private_metrics=True: records hold exact figures

    @property
    def total_epsilon(self) -> float:
        """ε this training charged: the model's plus its DP validation releases'."""
        return self.epsilon.epsilon + sum(r.epsilon for r in self.validation_releases)

    @property
    def statement(self) -> str:
        return training_statement(self.plan, self.release.details)

    def __repr__(self) -> str:
        """One line (a notebook shows a list of results by their repr), not the model and records."""
        return f"<TrainingResult: {self.summary()}>"

    def summary(self) -> str:
        last = self.records[-1].val_accuracy if self.records else None
        accuracy, validation = validation_summary(
            last, self.plan.validation, self.plan.validation_epsilon, self.plan.epochs
        )
        private = ("; training loss and accuracy shown to you (exact, not private: do not "
                   "publish)" if self.private_metrics_shown else "")  # fmt: skip
        return (
            f"DP-SGD ({self.path}, {self.plan.sampling} sampling, {self.plan.steps} steps) for "
            f"{self.plan.epochs} epochs{accuracy}; {self.epsilon.describe()}{validation}; recorded "
            f"as release {self.release.id} in budget '{self.release.budget}'{private}"
        )


def train_dp_sgd(
    model: Any,
    x: Any,
    y: Any,
    *,
    budget: str,
    ledger: Ledger | str | None = None,
    validation_data: tuple[Any, Any] | None = None,
    validation_public: bool = False,
    validation_epsilon: float = DEFAULT_VALIDATION_EPSILON,
    epochs: int = 5,
    batch_size: int = 64,
    clip_norm: float = 1.0,
    noise_multiplier: float | None = None,
    target_epsilon: float | None = None,
    learning_rate: float = 0.1,
    delta: float | None = None,
    loss: str = "sparse_categorical_crossentropy",
    from_logits: bool = True,
    sampling: str = "poisson",
    accountant: str = "rdp",
    max_physical_batch: int | None = None,
    fast_clipping: bool = True,
    use_xla: bool = False,
    progress: TrainingProgress | None = None,
    on_epoch: EpochListener | None = None,
    progress_bar: bool = True,
    show_private_metrics: bool = False,
    description: str = "",
    fresh: bool = False,
    model_store: str | None = None,
) -> TrainingResult:
    """Train a copy of `model` with DP-SGD and record its (ε, δ) in `budget` when training ends.

    `sampling="poisson"` (default) draws every batch by Poisson subsampling (q = batch_size / n)
    and charges the amplified ε; ``"shuffle"`` cuts shuffled batches and charges the larger shuffle
    bound. Either way training runs exactly the steps the accountant composes. Validation accuracy
    is released with differential privacy (`validation_epsilon` over the run, charged to the same
    budget and included in `target_epsilon`) unless `validation_public=True` declares the validation
    data public. The exact training loss and accuracy (on the private data, not DP) are neither
    shown nor stored; `show_private_metrics=True` shows them to you for debugging, labelled as not
    private (the release says so), and still never stores them. Layers that mix examples or learn
    state from the data (BatchNormalization) are refused before anything runs. δ defaults to the largest power of ten ≤ 1/(10·n). Re-running
    the same training returns the stored model, release and per-epoch records and spends nothing
    (see replay.py); ``fresh=True`` trains and spends again.
    """
    call = dict(locals())
    plan = _plan(call, _dataset_size(x, y))
    validation = validation_set(
        validation_data, mode=plan.validation, epsilon_total=plan.validation_epsilon,
        releases=plan.epochs, loss=loss,
    )  # fmt: skip
    owns_ledger = not isinstance(ledger, Ledger)
    opened = ledger if isinstance(ledger, Ledger) else open_ledger(ledger)
    try:
        tf, _ = load_tf()  # MissingExtraError naming jupyter-privacy[tf] before any work
        fingerprint = data_fingerprint(x, y, key=opened.data_key())
        key = _replay_key(model, fingerprint, budget, plan, call, ledger=opened)
        store = model_store_dir(model_store, opened.url)
        if not fresh:
            replayed = _replay(tf, opened, budget, key, store, model, plan, call)
            if replayed is not None:
                return replayed
        check_fits_budget(opened, budget, plan)
        prepared = prepare_model(
            model, learning_rate=plan.learning_rate, loss=loss, from_logits=from_logits,
            prefer_fast_clipping=fast_clipping,
        )  # fmt: skip
        if loss == "sparse_categorical_crossentropy":  # before TF can log a bad label
            check_class_labels(y, int(prepared.model.output_shape[-1]))
        if prepared.path != FAST_CLIPPING and fast_clipping:
            warnings.warn(prepared.reason, stacklevel=2)
        from jupyter_privacy.core.training.engine import DpSgdEngine

        engine = DpSgdEngine(
            prepared, x, y, loss=loss, from_logits=from_logits, clip_norm=plan.clip_norm,
            noise_multiplier=plan.noise_multiplier, expected_batch_size=plan.batch_size,
            physical_batch=plan.physical_batch, use_xla=use_xla,
        )  # fmt: skip
        planner = BatchPlanner(plan.setting, epochs=plan.epochs, physical_batch=plan.physical_batch)
        tracker = _tracker(progress, on_epoch)
        first_record = len(tracker.records)
        with private_data(
            "training on the data", hint=_BAD_DATA_HINT, only=(tf.errors.InvalidArgumentError,)
        ):  # its text lists labels
            validation_releases = _run_epochs(
                tf, engine, planner, plan, validation, tracker, progress_bar,
                ledger=opened, budget=budget, key=key, description=description, loss=loss,
                from_logits=from_logits, private_metrics=bool(show_private_metrics),
            )  # fmt: skip
        records = tracker.records[first_record:]
        targets = (weights_path(store, key), history_path(store, key))
        staged: list[Path] = []
        try:  # digests of the staged bytes, which the renames below move unchanged
            staged.append(save_weights(prepared.model, targets[0]))
            staged.append(save_history(records, targets[1]))
            digests = {
                WEIGHTS_DIGEST: file_sha256(staged[0]),
                HISTORY_DIGEST: file_sha256(staged[1]),
            }
            release = record_training(
                opened, budget, plan, prepared, records, fingerprint=fingerprint,
                description=description, replay_key=key, digests=digests,
                steps_run=engine.optimizer_steps, planner=planner,
                validation=validation.describe([r.id for r in validation_releases])
                if validation else None, private_metrics=bool(show_private_metrics),
            )  # fmt: skip
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
        model=prepared.model, path=prepared.path, path_reason=prepared.reason, plan=plan,
        epsilon=plan.planned, release=release, records=list(records),
        validation_releases=validation_releases, private_metrics_shown=bool(show_private_metrics),
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
    plan = _plan(args, _dataset_size(x, y))
    opened = ledger if isinstance(ledger, Ledger) else open_ledger(ledger)
    try:
        key = _replay_key(model, data_fingerprint(x, y, key=opened.data_key()), budget, plan,
                          args, ledger=opened)  # fmt: skip
        return stored_training(
            opened, budget, key, model_store_dir(args["model_store"], opened.url)
        )
    finally:
        if opened is not ledger:
            opened.close()


def _plan(args: dict[str, Any], dataset_size: int) -> TrainingPlan:
    """The plan from `train_dp_sgd`'s arguments (shared with `find_training_replay`)."""
    names = ("batch_size", "epochs", "clip_norm", "noise_multiplier", "target_epsilon",
             "learning_rate", "delta", "sampling", "accountant", "validation_epsilon",
             "max_physical_batch")  # fmt: skip
    mode = validation_mode(args["validation_data"], bool(args["validation_public"]))
    return plan_training(dataset_size=dataset_size, validation=mode,
                         **{name: args[name] for name in names})  # fmt: skip


def _run_epochs(
    tf: Any, engine: Any, planner: BatchPlanner, plan: TrainingPlan,
    validation: ValidationSet | None, tracker: TrainingProgress, progress_bar: bool, *,
    ledger: Ledger, budget: str, key: str, description: str, loss: str, from_logits: bool,
    private_metrics: bool,
) -> list[Release]:  # fmt: skip
    """Every epoch: the planned steps, then the validation metrics (DP ones spent before shown).
    The epoch's exact training loss and accuracy reach the callback only if `private_metrics`."""
    callback = _callback(plan, tracker, progress_bar, private_metrics)
    callback.set_params({"epochs": plan.epochs, "verbose": 0})
    callback.on_train_begin()
    correct = correct_predictions(tf, loss, from_logits=from_logits)
    per_example = make_loss(tf, loss, from_logits=from_logits, per_example=True)
    released: list[Release] = []
    for epoch in range(1, plan.epochs + 1):
        callback.on_epoch_begin(epoch - 1)
        metrics = engine.run_epoch(planner.epoch(epoch))
        logs: dict[str, Any] = (
            {"loss": metrics.loss, "accuracy": metrics.accuracy} if private_metrics else {}
        )
        if validation is not None and validation.mode == "dp":
            logs["val_accuracy"], release = release_dp_accuracy(
                ledger, budget, validation, model=engine.model, correct=correct, step=epoch,
                training_key=key, description=description,
            )  # fmt: skip
            released.append(release)
            logs["validation_epsilon"] = sum(r.epsilon for r in released)
        elif validation is not None:
            logs["val_loss"], logs["val_accuracy"] = public_metrics(
                engine.model, validation.x, validation.y, per_example, correct
            )
        callback.on_epoch_end(epoch - 1, logs)
    return released


def _replay(
    tf: Any, ledger: Ledger, budget: str, key: str, store: Path, model: Any, plan: TrainingPlan,
    call: dict[str, Any],
) -> TrainingResult | None:  # fmt: skip
    loss, from_logits = call["loss"], call["from_logits"]
    replayed = load_replayed_model(
        ledger, budget, key, store, model,
        lambda m: m.compile(loss=make_loss(tf, loss, from_logits=from_logits, per_example=False),
                            metrics=["accuracy"]),
    )  # fmt: skip
    if replayed is None:
        return None
    release, trained = replayed
    history = load_history(store, key, release.details.get(HISTORY_DIGEST))
    tracker = _tracker(call["progress"], call["on_epoch"])
    for record in history:  # live charts redraw the stored curve
        tracker.add(record)
    return TrainingResult(
        model=trained, path=release.details.get("training_path", ""),
        path_reason=f"replayed: stored release {release.id}, nothing spent",
        plan=plan, epsilon=plan.planned, release=release, records=history,
    )  # fmt: skip


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
    model: Any, fingerprint: str, budget: str, plan: TrainingPlan, call: dict[str, Any], *,
    ledger: Ledger,
) -> str:  # fmt: skip
    """Everything that determines the release: budget, architecture, settings and data."""
    validation_data = call["validation_data"]
    validation = (data_fingerprint(*validation_data, key=ledger.data_key())
                  if validation_data else None)  # fmt: skip
    settings = {**plan.hyper_parameters(), "loss": call["loss"], "from_logits": call["from_logits"],
                "fast_clipping": call["fast_clipping"], "validation": validation}  # fmt: skip
    return training_replay_key(budget, architecture=model.to_json(), settings=settings,
                               fingerprint=fingerprint)  # fmt: skip


def _callback(
    plan: TrainingPlan, tracker: TrainingProgress, progress_bar: bool, private_metrics: bool
) -> Any:
    from jupyter_privacy.core.training.keras_callback import DpSgdCallback

    def epsilon_after(epoch: int) -> tuple[float, float, str, str]:
        result = dp_sgd_epsilon(plan.setting.with_changes(epochs=float(epoch)), plan.accountant)
        return result.epsilon, result.delta, result.accountant, result.sampling

    return DpSgdCallback(epsilon_after, progress=tracker, progress_bar=progress_bar,
                         private_metrics=private_metrics)  # fmt: skip
