"""The persistent privacy-budget ledger (see ledger.py)."""

from jupyter_privacy.core.ledger.events import Event
from jupyter_privacy.core.ledger.ledger import Ledger, open_ledger
from jupyter_privacy.core.ledger.models import Budget, Problem, Release, VerificationReport

__all__ = ["Budget", "Event", "Ledger", "Problem", "Release", "VerificationReport", "open_ledger"]
