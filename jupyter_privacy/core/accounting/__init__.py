"""DP-SGD privacy accounting over Google's dp-accounting (no TensorFlow needed).

ε comes with its assumptions: accountant (RDP with current or classic conversion, PLD), sampling
(Poisson or shuffled), δ and privacy unit. See docs/accounting.md.

Names load on first use: dp-accounting brings scipy and numpy (~1 s), which commands that only
declare their arguments (the CLI's start-up) must not pay for.
"""

from __future__ import annotations

import importlib
from typing import Any

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

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
