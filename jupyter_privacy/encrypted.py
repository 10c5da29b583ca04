"""Encrypted scoring, the public front door: `from jupyter_privacy.encrypted import EncryptedClient`.

The data owner makes an `EncryptedClient` (it keeps the secret key), encrypts rows and sends them —
with its public context only — to an `EncryptedScorer`, in process or behind the HTTP service
(`jupyter privacy he serve`, reached with `ScoringServiceClient`, started from Python with
`start_service`). TenSEAL (the `he` extra) and tornado load only when used.
"""

from __future__ import annotations

from jupyter_privacy.core import encrypted as _core
from jupyter_privacy.core.encrypted import *  # noqa: F403 - the core API, re-exported as is
from jupyter_privacy.encrypted_server.client import ScoringServiceClient, ServiceError
from jupyter_privacy.encrypted_server.process import RunningService, start_service

__all__ = [
    *_core.__all__,
    "RunningService",
    "ScoringServiceClient",
    "ServiceError",
    "start_service",
]
