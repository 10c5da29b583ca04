"""Talk to the encrypted-scoring service: register a public context, send ciphertexts, get scores.

Standard library only (urllib). What leaves this process: the client's public context (no secret
key) and encrypted batches whose header holds counts and the context id — never a feature value.
A response computed under another context is refused before decryption.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from jupyter_privacy.core.encrypted import (
    EncryptedBatch,
    EncryptedClient,
    EncryptedScores,
    WrongContextError,
)
from jupyter_privacy.core.errors import PrivacyError


class ServiceError(PrivacyError):
    """The scoring service refused a request or cannot be reached; the message says why."""

    code = "he_service_error"


class ScoringServiceClient:
    """`score(batch)` like an in-process `EncryptedScorer`, so `measure_scoring` takes either."""

    def __init__(self, url: str, token: str, *, timeout: float = 300.0) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.last_server_seconds: float | None = None
        self.last_server_peak_bytes: int | None = None
        self._max_body: int | None = None

    def __repr__(self) -> str:  # the token stays out of reprs and logs
        return f"ScoringServiceClient({self.url!r})"

    def model_info(self) -> dict[str, Any]:
        info: dict[str, Any] = json.loads(self._request("GET", "/v1/model")[0])
        self._max_body = int(info.get("max_body_bytes") or 0) or None
        return info

    def register(self, client: EncryptedClient) -> str:
        """Send the client's public context; the service answers with the id it derived."""
        body, _ = self._request("POST", "/v1/contexts", client.public_context())
        answered = json.loads(body)["context_id"]
        if answered != client.context_id:
            raise WrongContextError(
                "the service derived another id for this context than the client did; it is "
                "not scoring under this client's keys"
            )
        return str(answered)

    def score(self, batch: EncryptedBatch) -> EncryptedScores:
        """Encrypted scores for the batch (split into requests that fit the service's limit)."""
        parts = self._split(batch)
        results, seconds = [], 0.0
        for part in parts:
            body, headers = self._request("POST", "/v1/score", part.to_bytes())
            try:
                scores = EncryptedScores.from_bytes(body)
            except PrivacyError as error:
                raise ServiceError(
                    f"the service's answer is not encrypted scores: {error}"
                ) from None
            if scores.context_id != batch.context_id or scores.rows != part.rows:
                raise WrongContextError(
                    "the service answered for another context or another number of rows; the "
                    "scores were not computed under this client's keys"
                )
            results.append(scores)
            seconds += float(headers.get("X-Score-Seconds") or 0.0)
            peak = headers.get("X-Peak-Rss-Bytes")
            self.last_server_peak_bytes = int(peak) if peak and peak.isdigit() else None
        self.last_server_seconds = seconds
        if len(results) == 1:
            return results[0]
        return EncryptedScores(
            batch.context_id, batch.packing, batch.rows,
            tuple(c for r in results for c in r.chunks),
            tuple(c for r in results for c in r.ciphertexts),
        )  # fmt: skip

    def _split(self, batch: EncryptedBatch) -> list[EncryptedBatch]:
        """Column chunks or rows grouped so each request stays under the body limit."""
        limit = self._max_body or self.model_info().get("max_body_bytes") or 0
        groups = list(batch.groups())
        if not limit or batch.nbytes + 4096 + 8 * len(batch.ciphertexts) <= limit:
            return [batch]
        per_group = max(len(b) + 8 for _, blobs in groups for b in blobs) * len(groups[0][1])
        size = max(1, (limit - 4096) // per_group)
        parts = []
        for start in range(0, len(groups), size):
            chosen = groups[start : start + size]
            rows = sum(r for r, _ in chosen)
            chunks = tuple(r for r, _ in chosen) if batch.packing == "column" else ()
            parts.append(EncryptedBatch(batch.context_id, batch.packing, rows, batch.features,
                                        chunks, tuple(b for _, blobs in chosen for b in blobs)))  # fmt: skip
        return parts

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[bytes, Any]:
        headers = {"Authorization": f"token {self._token}"}
        if body is not None:
            headers["Content-Type"] = "application/octet-stream"
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read(), response.headers
        except urllib.error.HTTPError as error:
            raise ServiceError(_refusal(error), status=error.code) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            reason = getattr(error, "reason", error)
            raise ServiceError(
                f"cannot reach the scoring service at {self.url} ({reason}); is it running "
                "(jupyter privacy he serve)?"
            ) from None


def _refusal(error: urllib.error.HTTPError) -> str:
    try:
        payload = json.loads(error.read() or b"{}")
        message = payload.get("message") or error.reason
    except (ValueError, AttributeError):
        message = error.reason
    return f"the scoring service refused the request ({error.code}): {message}"
