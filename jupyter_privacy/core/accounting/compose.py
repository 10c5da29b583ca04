"""Composition of several DP-SGD releases on the same data (e.g. retraining a model three times).

The ledger adds ε and δ (basic composition), which is always sound. Composing the runs' privacy
events under RDP or PLD gives a smaller total for the same δ; this shows both so a team can decide
whether to account jointly (e.g. declare the trainings as one planned release).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from jupyter_privacy.core.accounting.accountants import (
    CLASSIC_RDP_ORDERS,
    CONVERSIONS,
    DEFAULT_ACCOUNTANT,
    check_accountant,
    classic_epsilon,
    current_epsilon,
    default_rdp_orders,
    dp_sgd_epsilon,
    rdp_curve,
)
from jupyter_privacy.core.accounting.setting import DpSgdSetting, dp_event
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.validation import check_delta


@dataclass(frozen=True)
class CompositionResult:
    releases: int
    delta: float
    basic_epsilon: float
    basic_delta: float
    composed_epsilon: float
    accountant: str
    conversion: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compose_releases(
    settings: Sequence[DpSgdSetting], *, delta: float, accountant: str = DEFAULT_ACCOUNTANT
) -> CompositionResult:
    """Total ε at `delta` of all runs together, next to the ledger's basic sum of their own (ε, δ).

    Every setting must describe the same dataset (same n); each keeps its own sampling assumption.
    """
    if not settings:
        raise InvalidParameterError("give at least one DP-SGD setting to compose")
    accountant = check_accountant(accountant)
    if len({s.dataset_size for s in settings}) > 1:
        raise InvalidParameterError("composition needs runs over the same dataset (same n)")
    total_delta = check_delta(delta)
    settings[0].with_changes(delta=total_delta)  # validates the total δ against 1/n
    individual = [dp_sgd_epsilon(s, accountant) for s in settings]
    basic_eps = sum(r.epsilon for r in individual)
    basic_delta = sum(s.delta for s in settings)
    if accountant == "pld":
        import dp_accounting

        pld = dp_accounting.pld.PLDAccountant()
        for setting in settings:
            pld.compose(dp_event(setting))
        composed = float(pld.get_epsilon(total_delta))
    else:
        classic = accountant == "rdp-classic"
        orders = CLASSIC_RDP_ORDERS if classic else default_rdp_orders()
        curve = sum(rdp_curve(s, orders) for s in settings)
        convert = classic_epsilon if classic else current_epsilon
        composed = convert(np.array(orders), np.asarray(curve), total_delta)[0]
    return CompositionResult(
        releases=len(settings), delta=total_delta, basic_epsilon=basic_eps,
        basic_delta=basic_delta, composed_epsilon=composed, accountant=accountant,
        conversion=CONVERSIONS[accountant],
    )  # fmt: skip
