"""DP-SGD widgets: `TrainingMonitor` (ε and accuracy per epoch, live) and `NoiseSweep` (ε vs accuracy).

A sweep trains on the private data once per noise multiplier σ, so every run it trains is a DP
release: each goes through `train_dp_sgd`, which records its (ε, δ) in the budget. A run that repeats
a recorded training (same model, data and settings) replays it and spends nothing, so the sweep
refuses to start only when the runs that would train need more ε or δ together (basic composition:
they add up) than is left.
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from jupyter_privacy.charts.training import epoch_data, sweep_chart, sweep_data, training_chart
from jupyter_privacy.core.errors import BudgetExceededError, InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, open_ledger
from jupyter_privacy.core.training import (
    EpochRecord,
    TrainingProgress,
    TrainingResult,
    find_training_replay,
    plan_training,
    train_dp_sgd,
)
from jupyter_privacy.core.training.validation import validation_mode
from jupyter_privacy.core.validation import check_epsilon
from jupyter_privacy.widgets.live import live_chart

_PLAN_OPTIONS = ("batch_size", "epochs", "clip_norm", "learning_rate", "delta", "sampling",
                 "accountant", "validation_epsilon", "max_physical_batch")  # fmt: skip


class TrainingMonitor(widgets.VBox):
    """Pass `progress=monitor.progress` to `train_dp_sgd`; the chart redraws after every epoch.
    For `train_federated`, `TrainingMonitor(unit="round")`: its records count rounds."""

    def __init__(self, progress: TrainingProgress | None = None, unit: str = "epoch") -> None:
        self.progress = progress if progress is not None else TrainingProgress()
        self.unit = unit
        self.status = widgets.HTML(f"waiting for the first {html.escape(unit)}…")
        self.status.add_class("jp-PrivacyTraining-status")
        self.chart = live_chart(training_chart(self.progress, unit))
        self.progress.on_epoch(self._on_epoch)
        super().__init__([self.status, self.chart])
        self.add_class("jp-PrivacyTraining")

    @property
    def data(self) -> pd.DataFrame:
        """The chart's data: one row per epoch and metric."""
        return epoch_data(self.progress)

    def _on_epoch(self, record: EpochRecord) -> None:
        accuracy = (f", validation accuracy {record.val_accuracy:.3f}"
                    if record.val_accuracy is not None else "")  # fmt: skip
        replayed = " (replayed from the ledger, nothing spent)" if record.replayed else ""
        self.status.value = html.escape(
            f"{self.unit} {record.epoch}/{record.epochs}{replayed}: ε {record.epsilon:.3g} so far "
            f"({record.accountant}, {record.sampling} sampling, δ {record.delta:g}){accuracy}"
        )
        self.chart.chart = training_chart(self.progress, self.unit)


class NoiseSweep(widgets.VBox):
    """Train at several noise multipliers σ and draw validation accuracy against ε.

    Every run trains on `x, y` and is recorded in `budget` as its own release: the sweep SPENDS the
    sum of the runs' ε. A run already recorded with the same settings replays and spends nothing
    (unless ``fresh=True``); `run()` checks the sum over the runs that would train against the
    budget before the first run.
    """

    def __init__(
        self, model: Any, x: Any, y: Any, *, budget: str, noise_multipliers: Sequence[float],
        validation_data: tuple[Any, Any], ledger: Ledger | str | None = None, **options: Any,
    ) -> None:  # fmt: skip
        sigmas = [check_epsilon(s, "noise multiplier") for s in noise_multipliers]
        if not sigmas:
            raise InvalidParameterError("give at least one noise multiplier, e.g. [0.8, 1.1, 2.0]")
        if len(set(sigmas)) != len(sigmas):
            raise InvalidParameterError("each noise multiplier once: the runs would repeat")
        if "noise_multiplier" in options or "target_epsilon" in options:
            raise InvalidParameterError("a sweep sets σ itself; give noise_multipliers=[…] only")
        self.model, self.x, self.y, self.budget = model, x, y, budget
        self.sigmas, self.validation_data, self.options = sigmas, validation_data, options
        self.ledger = ledger if isinstance(ledger, Ledger) else open_ledger(ledger)
        self.plans = [self._plan(s) for s in sigmas]
        self.planned_epsilon = sum(p.total_epsilon for p in self.plans)  # DP validation included
        self.planned_delta = sum(p.delta for p in self.plans)
        self.results: list[TrainingResult] = []
        self.warning = widgets.HTML(self._warning_text())
        self.warning.add_class("jp-PrivacySweep-warning")
        self.status = widgets.HTML("not started: call .run()")
        self.chart = live_chart(sweep_chart(self.data))
        super().__init__([self.warning, self.status, self.chart])
        self.add_class("jp-PrivacySweep")

    def _plan(self, sigma: float) -> Any:
        defaults = inspect.signature(train_dp_sgd).parameters
        chosen = {k: self.options.get(k, defaults[k].default) for k in _PLAN_OPTIONS}
        public = self.options.get("validation_public", defaults["validation_public"].default)
        return plan_training(dataset_size=len(self.x), noise_multiplier=sigma,
                             target_epsilon=None,
                             validation=validation_mode(self.validation_data, public), **chosen)  # fmt: skip

    def _warning_text(self) -> str:
        plan = self.plans[0].planned
        return (
            f"<b>This sweep spends privacy budget.</b> It trains {len(self.sigmas)} models on the "
            f"private data; each run is recorded in budget <b>{html.escape(self.budget)}</b>. "
            f"Planned total: ε {self.planned_epsilon:.3g}, δ {self.planned_delta:g} (basic "
            f"composition across runs; each run's ε by {html.escape(plan.accountant)}, "
            f"{html.escape(plan.sampling)} sampling). A run that repeats a recorded training "
            "replays it and spends nothing."
        )

    @property
    def data(self) -> pd.DataFrame:
        """The chart's data: one row per finished run (σ, ε, δ, validation accuracy)."""
        data = sweep_data(self.results)
        # A run replayed from a ledger written before histories were kept has no per-epoch
        # records; its release still holds the final (held-out) validation accuracy.
        recorded = [r.release.value.get("val_accuracy") if isinstance(r.release.value, dict)
                    else None for r in self.results]  # fmt: skip
        data["val_accuracy"] = data["val_accuracy"].fillna(pd.Series(recorded, dtype=float))
        return data

    def replaying(self) -> list[float]:
        """The σ of the runs still to do that would replay a recorded release (nothing spent).
        Asks the ledger without training or spending."""
        pending = self.sigmas[len(self.results) :]
        return [s for s in pending if find_training_replay(
            self.model, self.x, self.y, budget=self.budget, ledger=self.ledger,
            validation_data=self.validation_data, noise_multiplier=s, **self.options) is not None]  # fmt: skip

    def run(self) -> SweepResults:
        """Check the runs that would train fit the budget, then train (or replay) each in turn.
        Returns the results (a list) with a compact table as its repr."""
        pending = self.sigmas[len(self.results) :]
        replaying = self.replaying()
        spending = [p for s, p in zip(self.sigmas, self.plans, strict=True)
                    if s in pending and s not in replaying]  # fmt: skip
        epsilon = sum(p.total_epsilon for p in spending)
        delta = sum(p.delta for p in spending)
        state = self.ledger.budget(self.budget)
        if epsilon > state.epsilon_remaining or delta > state.delta_remaining:
            raise BudgetExceededError(
                f"the sweep would spend ε {epsilon:.4g} and δ {delta:g} over the {len(spending)} "
                f"of {len(pending)} runs that would train ({len(replaying)} replay recorded "
                f"releases and spend nothing), but budget '{self.budget}' has ε "
                f"{state.epsilon_remaining:.4g} and δ {state.delta_remaining:g} left. Nothing was "
                "trained. Use fewer or larger noise multipliers, or fewer epochs",
                budget=self.budget, requested_epsilon=epsilon, requested_delta=delta,
                remaining_epsilon=state.epsilon_remaining, remaining_delta=state.delta_remaining,
            )  # fmt: skip
        for index, sigma in enumerate(self.sigmas, start=1):
            if index <= len(self.results):
                continue  # already trained by an earlier call
            verb = "replaying" if sigma in replaying else "training"
            self.status.value = f"{verb} run {index}/{len(self.sigmas)} at σ {sigma:g}…"
            result = train_dp_sgd(
                self.model, self.x, self.y, budget=self.budget, ledger=self.ledger,
                validation_data=self.validation_data, noise_multiplier=sigma,
                progress_bar=False, **self.options,
                description=f"noise sweep run {index}/{len(self.sigmas)} at σ {sigma:g} "
                "(the sweep trains on private data: each run spends)",
            )  # fmt: skip
            self.results.append(result)
            self.chart.chart = sweep_chart(self.data)
        trained = [r for r in self.results if not r.release.replayed]
        spent = sum(r.total_epsilon for r in trained)
        self.status.value = html.escape(
            f"done: {len(self.results)} runs recorded in '{self.budget}': {len(trained)} trained "
            f"(ε {spent:.3g} spent), {len(self.results) - len(trained)} replayed (nothing spent)"
        )
        return SweepResults(self.results, self.data)


class SweepResults(list[TrainingResult]):
    """`NoiseSweep.run()`'s results: a list of TrainingResult whose repr is one line per run."""

    def __init__(self, results: Sequence[TrainingResult], data: pd.DataFrame) -> None:
        super().__init__(results)
        self.data = data  # the sweep's chart data at the time (σ, ε, δ, validation accuracy)

    def __repr__(self) -> str:
        lines = [f"{len(self)} noise-sweep runs (σ → ε, validation accuracy):"]
        for result, row in zip(self, self.data.itertuples(), strict=True):
            accuracy = "-" if pd.isna(row.val_accuracy) else f"{row.val_accuracy:.3f}"
            how = "replayed, nothing spent" if result.release.replayed else "trained, spent"
            lines.append(
                f"  σ {row.noise_multiplier:g}: ε {row.epsilon:.3g} at δ {row.delta:g}, "
                f"accuracy {accuracy} ({how}; release {result.release.id})"
            )
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))
