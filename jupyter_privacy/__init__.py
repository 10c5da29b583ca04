"""jupyter-privacy: privacy engineering in JupyterLab (DP queries, DP-SGD, a budget ledger, gates)."""

from jupyter_privacy.core.errors import PrivacyError
from jupyter_privacy.core.ledger import Budget, Ledger, Release, open_ledger

__version__ = "0.1.0"
__all__ = ["Budget", "Ledger", "PrivacyError", "Release", "__version__", "open_ledger"]
