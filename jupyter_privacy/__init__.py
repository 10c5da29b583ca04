"""jupyter-privacy: privacy engineering in JupyterLab (DP queries, DP-SGD, a budget ledger, gates)."""

from jupyter_privacy.core.errors import PrivacyError
from jupyter_privacy.core.ledger import Budget, Ledger, Release, open_ledger

__version__ = "0.1.0"
__all__ = ["Budget", "Ledger", "PrivacyError", "Release", "__version__", "open_ledger"]


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext jupyter_privacy`: register the magics (imported lazily: core stays Jupyter-free)."""
    from jupyter_privacy.magics import load_ipython_extension as load

    load(ipython)
