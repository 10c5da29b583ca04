"""DP-SGD privacy accounting over Google's dp-accounting (no TensorFlow needed).

ε comes with its assumptions: accountant (RDP with current or classic conversion, PLD), sampling
(Poisson or shuffled), δ and privacy unit. See docs/accounting.md.

Names load on first use: dp-accounting brings scipy and numpy (~1 s), which commands that only
declare their arguments (the CLI's start-up) must not pay for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real names, for type checkers; at run time they load on first use
    from jupyter_privacy.core.accounting.accountants import (
        ACCOUNTANTS,
        CLASSIC_RDP_ORDERS,
        DEFAULT_ACCOUNTANT,
        EpsilonResult,
        compare_accountants,
        dp_sgd_epsilon,
    )
    from jupyter_privacy.core.accounting.calibrate import (
        NoiseCalibration,
        epsilon_curve,
        max_epochs_for_target,
        noise_for_target_epsilon,
    )
    from jupyter_privacy.core.accounting.compose import CompositionResult, compose_releases
    from jupyter_privacy.core.accounting.setting import (
        PRIVACY_UNIT,
        SAMPLINGS,
        DpSgdSetting,
        default_delta,
    )
    from jupyter_privacy.core.accounting.statement import privacy_statement

#: Public names and the submodule each lives in.
_LAZY = {
    "ACCOUNTANTS": "accountants", "CLASSIC_RDP_ORDERS": "accountants",
    "DEFAULT_ACCOUNTANT": "accountants", "EpsilonResult": "accountants",
    "compare_accountants": "accountants", "dp_sgd_epsilon": "accountants",
    "NoiseCalibration": "calibrate", "epsilon_curve": "calibrate",
    "max_epochs_for_target": "calibrate", "noise_for_target_epsilon": "calibrate",
    "CompositionResult": "compose", "compose_releases": "compose",
    "PRIVACY_UNIT": "setting", "SAMPLINGS": "setting", "DpSgdSetting": "setting",
    "default_delta": "setting", "privacy_statement": "statement",
}  # fmt: skip

__all__ = [
    "ACCOUNTANTS", "CLASSIC_RDP_ORDERS", "DEFAULT_ACCOUNTANT", "PRIVACY_UNIT", "SAMPLINGS",
    "CompositionResult", "DpSgdSetting", "EpsilonResult", "NoiseCalibration",
    "compare_accountants", "compose_releases", "default_delta", "dp_sgd_epsilon", "epsilon_curve",
    "max_epochs_for_target", "noise_for_target_epsilon", "privacy_statement",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
