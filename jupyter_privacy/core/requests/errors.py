"""Errors of the request workflow. Each says what to do next; none carries a data value."""

from __future__ import annotations

from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError


class UnknownRequestError(PrivacyError, LookupError):
    """No request with that id in this ledger."""

    code = "unknown_request"


class UnknownDatasetError(PrivacyError, LookupError):
    """No dataset of that name is registered in this ledger."""

    code = "unknown_dataset"


class RequestStateError(PrivacyError):
    """The request is not in a state that allows this step (e.g. running one that is not approved)."""

    code = "request_state"


class CodeDigestError(PrivacyError):
    """The code about to run is not the code that was approved (its SHA-256 differs)."""

    code = "code_digest"


class PlanViolationError(PrivacyError):
    """The code tried to release something its approved plan does not contain."""

    code = "plan_violation"


class PlanError(InvalidParameterError):
    """A release plan that cannot be read or checked."""

    code = "invalid_plan"
