"""Remote data science with owner approval: `submit`, `approve`, `run`, `results`, … on the ledger.

The public front door of `jupyter_privacy.core.requests` (see docs/requests.md).
"""

from jupyter_privacy.core import requests as _core
from jupyter_privacy.core.requests import *  # noqa: F403

__all__ = list(_core.__all__)
