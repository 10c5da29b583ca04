"""jupyter-privacy: privacy engineering in JupyterLab (DP queries, DP-SGD, a budget ledger, gates).

The ledger is imported eagerly (it is light); queries (OpenDP, ~1 s to import), accounting
(dp-accounting) and training (TensorFlow, only when used) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from jupyter_privacy.core.errors import PrivacyError
from jupyter_privacy.core.ledger import Budget, Ledger, Release, open_ledger

__version__ = "0.1.0"

#: Public names loaded on first access, and the module each lives in.
_LAZY = {
    "PrivateTable": "jupyter_privacy.core.queries",
    "QueryRelease": "jupyter_privacy.core.queries",
    "QueryPreview": "jupyter_privacy.core.queries",
    "load_example": "jupyter_privacy.core.queries",
    "DpSgdSetting": "jupyter_privacy.core.accounting",
    "dp_sgd_epsilon": "jupyter_privacy.core.accounting",
    "compare_accountants": "jupyter_privacy.core.accounting",
    "noise_for_target_epsilon": "jupyter_privacy.core.accounting",
    "max_epochs_for_target": "jupyter_privacy.core.accounting",
    "privacy_statement": "jupyter_privacy.core.accounting",
    "train_dp_sgd": "jupyter_privacy.core.training",
    "TrainingProgress": "jupyter_privacy.core.training",
    "EpochRecord": "jupyter_privacy.core.training",
}

__all__ = ["Budget", "Ledger", "PrivacyError", "Release", "__version__", "open_ledger", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jupyter_privacy' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext jupyter_privacy`: register the magics and the widgets' `%dp_tradeoff`.

    This package root is where the Jupyter glue layers meet; they never import each other.
    """
    from jupyter_privacy.magics import load_ipython_extension as load_magics
    from jupyter_privacy.widgets.magic import register as register_widget_magics

    load_magics(ipython)
    register_widget_magics(ipython)
