"""Errors of market policies: a blocked field or feature is a user-facing refusal, not a crash."""

from __future__ import annotations

from jupyter_privacy.core.errors import PrivacyError


class PolicyBlockedError(PrivacyError):
    """The policy refuses a field at collection or a feature at inference in this market; the
    decision was recorded in the ledger. Fields: market, subject, items (checklist item ids)."""

    code = "policy_blocked"
