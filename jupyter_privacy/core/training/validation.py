"""Validation metrics inside the privacy statement.

Validation rows are private too (in the pilot they are 10% of the same table), so an exact
validation accuracy would be a release outside the (ε, δ) statement. Two honest options:

- ``dp`` (the default): after each epoch, the number of correct predictions on the validation set
  is released through OpenDP (clamp to {0, 1}, sum, discrete Laplace; OpenDP's privacy map checks
  ε) and recorded in the ledger, in the same budget, *before* it is shown. The accuracy is that
  noisy count divided by the number of validation rows, which is treated as public (as n is for
  the accountant). Each epoch spends `validation_epsilon / epochs` (pure ε-DP, δ 0); the model's
  release states the share. Only accuracy is released: the validation loss is not.
- ``public``: the caller declares the validation data public (`validation_public=True`); exact
  accuracy and loss are shown, and the release, model card and statement say the data were declared
  public and are not covered by the guarantee.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from jupyter_privacy.core.accounting.setting import PRIVACY_UNIT
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, Release
from jupyter_privacy.core.validation import check_epsilon

VALIDATION_MODES = ("dp", "public", "none")
DEFAULT_VALIDATION_EPSILON = 0.25
MECHANISM = "OpenDP discrete Laplace on the count of correct validation predictions"
_NUDGE = 1.0 + 2.0**-40  # a hair more noise than 1/ε so OpenDP's map stays within ε


def validation_mode(validation_data: Any, validation_public: bool) -> str:
    if validation_data is None:
        return "none"
    return "public" if validation_public else "dp"


def check_validation_epsilon(mode: str, value: Any) -> float:
    """The ε spent on DP validation over the whole run (0 unless the mode is ``dp``)."""
    if mode != "dp":
        return 0.0
    return check_epsilon(value, "validation_epsilon")


def count_measurement(epsilon: float) -> Any:
    """OpenDP: vector of 0/1 → clamp → sum → discrete Laplace, checked to be ε-DP (one row added
    or removed changes the sum by at most 1)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.symmetric_distance()
    summed = space >> dp.t.then_clamp((0, 1)) >> dp.t.then_sum()  # type: ignore[no-untyped-call]
    measurement = summed >> dp.m.then_laplace(_NUDGE / epsilon)
    if measurement.map(1) > epsilon:
        raise InvalidParameterError(f"OpenDP could not fit the validation count in ε {epsilon:g}")
    return measurement


@dataclass(frozen=True)
class ValidationSet:
    """Validation arrays and how their metrics are released."""

    x: Any
    y: Any
    mode: str
    epsilon_total: float
    epochs: int

    @property
    def rows(self) -> int:
        return len(self.x)

    @property
    def epsilon_per_epoch(self) -> float:
        return self.epsilon_total / self.epochs if self.mode == "dp" else 0.0

    def describe(self, release_ids: list[int] | None = None) -> dict[str, Any]:
        """For the release's details and the statement: what was released and at what cost."""
        if self.mode == "public":
            return {"mode": "public", "rows": self.rows,
                    "note": "validation data declared public by the analyst "
                            "(validation_public=True): exact accuracy and loss, not covered by "
                            "the (ε, δ) guarantee"}  # fmt: skip
        return {
            "mode": "dp", "rows": self.rows, "epsilon_total": self.epsilon_total,
            "epsilon_per_epoch": self.epsilon_per_epoch, "delta": 0.0, "mechanism": MECHANISM,
            "note": "accuracy = noisy count of correct predictions / validation rows (the row "
                    "count is treated as public); loss not released; each epoch's count is its "
                    "own ledger release in the same budget",
            "release_ids": list(release_ids or []),
        }  # fmt: skip


def correct_vector(model: Any, x: Any, y: Any, correct: Any) -> Any:
    """1 for each validation row the model classifies correctly, else 0 (not released)."""
    outputs = model.predict(x, batch_size=1024, verbose=0)
    return np.asarray(correct(np.asarray(y), outputs)).astype(np.int64)


def public_metrics(
    model: Any, x: Any, y: Any, loss: Any, correct: Any
) -> tuple[float, float | None]:
    """Exact loss and accuracy on data declared public."""
    outputs = model.predict(x, batch_size=1024, verbose=0)
    value = float(np.mean(np.asarray(loss(np.asarray(y), outputs))))
    accuracy = (
        None if correct is None else float(np.mean(np.asarray(correct(np.asarray(y), outputs))))
    )
    return value, accuracy


def release_dp_accuracy(
    ledger: Ledger, budget: str, validation: ValidationSet, *, model: Any, correct: Any,
    epoch: int, training_key: str, description: str,
) -> tuple[float, Release]:  # fmt: skip
    """Spend this epoch's share and release the DP accuracy (recorded before it is returned)."""
    epsilon = validation.epsilon_per_epoch
    measurement = count_measurement(epsilon)

    def compute() -> dict[str, Any]:
        count = int(
            measurement(correct_vector(model, validation.x, validation.y, correct).tolist())
        )
        accuracy = min(1.0, max(0.0, count / validation.rows))
        return {"epoch": epoch, "noisy_correct": count, "validation_rows": validation.rows,
                "val_accuracy": accuracy}  # fmt: skip

    release = ledger.spend(
        budget, epsilon, 0.0, compute=compute, mechanism=MECHANISM,
        description=f"DP validation accuracy after epoch {epoch}/{validation.epochs}"
                    + (f" of {description}" if description else " of a DP-SGD training"),
        details={
            "kind": "dp-sgd-validation", "accountant": "pure ε-DP (OpenDP privacy map)",
            "conversion": "none: pure ε-DP, δ = 0", "sampling": "none (the whole validation set)",
            "privacy_unit": PRIVACY_UNIT, "epoch": epoch, "validation_rows": validation.rows,
            "noise_scale": _NUDGE / epsilon, "training_replay_key": training_key,
        },
        fresh=True,
    )  # fmt: skip
    value = release.value or {}
    accuracy = float(value["val_accuracy"])
    if not math.isfinite(accuracy):
        raise InvalidParameterError("the DP validation count was not a number")
    return accuracy, release
