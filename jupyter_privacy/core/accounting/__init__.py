"""DP-SGD privacy accounting over Google's dp-accounting (no TensorFlow needed).

ε comes with its assumptions: accountant (RDP with current or classic conversion, PLD), sampling
(Poisson or shuffled), δ and privacy unit. See docs/accounting.md.
"""

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

__all__ = [
    "ACCOUNTANTS",
    "CLASSIC_RDP_ORDERS",
    "DEFAULT_ACCOUNTANT",
    "PRIVACY_UNIT",
    "SAMPLINGS",
    "CompositionResult",
    "DpSgdSetting",
    "EpsilonResult",
    "NoiseCalibration",
    "compare_accountants",
    "compose_releases",
    "default_delta",
    "dp_sgd_epsilon",
    "epsilon_curve",
    "max_epochs_for_target",
    "noise_for_target_epsilon",
    "privacy_statement",
]
