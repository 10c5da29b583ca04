"""The encrypted-scoring HTTP service (tornado): public contexts and ciphertexts in, encrypted
scores out. It never sees a feature value and holds no secret key.

Routes (every one needs `Authorization: token <token>`; JSON errors `{"error", "message"}`):
- `GET  /v1/model`    the model's public description and the CKKS parameters a client should use;
- `POST /v1/contexts` body: a public TenSEAL context; a context with a secret key, below 128-bit
  security or with too few levels for the model gets 400; answers `{"context_id"}` (201);
- `POST /v1/score`    body: an encrypted batch (core/encrypted/batch.py); answers the encrypted
  scores (application/octet-stream) with the scorer's compute time in `X-Score-Seconds`.
A body over the size limit gets 413 before it is read; anything unreadable gets 400 and the service
keeps serving. Scoring runs on one worker thread, so the event loop stays responsive.
"""

from __future__ import annotations

import hmac
import json
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NoReturn

import tornado.web
from tornado.ioloop import IOLoop

from jupyter_privacy.core.encrypted import (
    EncryptedBatch,
    EncryptedModel,
    EncryptedScorer,
    choose_parameters,
)
from jupyter_privacy.core.encrypted.measure import peak_rss_bytes
from jupyter_privacy.core.encrypted.parameters import MIN_SECURITY_BITS
from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError

DEFAULT_MAX_BODY_BYTES = 64 * 2**20  # a 1,000-row × 30-feature column-packed batch is ~7 MiB
DEFAULT_MAX_CONTEXTS = 8
OCTET_STREAM = "application/octet-stream"


@dataclass
class ServiceState:
    model: EncryptedModel
    token: str
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_contexts: int = DEFAULT_MAX_CONTEXTS
    security_bits: int = MIN_SECURITY_BITS
    scorers: OrderedDict[str, EncryptedScorer] = field(default_factory=OrderedDict)
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="he-score")
    )

    def model_info(self) -> dict[str, Any]:
        row = choose_parameters(self.model.depth, min_slots=max(self.model.widths),
                                security_bits=self.security_bits)  # fmt: skip
        column = choose_parameters(self.model.depth, security_bits=self.security_bits)
        return {
            "name": self.model.name, "description": self.model.describe(),
            "features": self.model.n_features, "depth": self.model.depth,
            "threshold": self.model.threshold, "security_bits": self.security_bits,
            "parameters": {"column": column.to_dict(), "row": row.to_dict()},
            "max_body_bytes": self.max_body_bytes,
        }  # fmt: skip

    def remember(self, scorer: EncryptedScorer) -> None:
        self.scorers[scorer.context_id] = scorer
        self.scorers.move_to_end(scorer.context_id)
        while len(self.scorers) > self.max_contexts:  # the least recently used goes first
            self.scorers.popitem(last=False)


class BaseHandler(tornado.web.RequestHandler):
    """Token authentication for every route; errors as one JSON object, never a traceback."""

    state: ServiceState

    def initialize(self, state: ServiceState) -> None:
        self.state = state

    def prepare(self) -> None:
        header = self.request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not given:
            self._fail(401, "unauthorized", "send the service token: Authorization: token <token>")
        if not hmac.compare_digest(given.strip().encode(), self.state.token.encode()):
            self._fail(403, "forbidden", "the token is not this service's")

    def _fail(self, status: int, code: str, message: str) -> NoReturn:
        raise tornado.web.HTTPError(status, reason=code, log_message=message)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None))[1]
        if isinstance(error, tornado.web.HTTPError) and error.log_message:
            payload = {"error": error.reason or "error", "message": error.log_message}
        else:  # never echo an unexpected exception's text: it could quote request bytes
            payload = {"error": "internal", "message": "the service could not handle the request"}
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, tornado.web.HTTPError):
            return  # expected refusals: the status line in the access log is enough
        super().log_exception(typ, value, tb)

    def write_json(self, data: dict[str, Any], status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))

    async def run_refusing(self, function: Any, *args: Any) -> Any:
        """Run blocking HE work on the worker thread; a PrivacyError becomes a 400."""
        try:
            return await IOLoop.current().run_in_executor(self.state.executor, function, *args)
        except PrivacyError as error:
            self._fail(400, error.code, error.message)


class BodyHandler(BaseHandler):
    """Streams the request body in, refusing it (413) once it passes the service's limit."""

    def prepare(self) -> None:
        super().prepare()
        self._chunks: list[bytes] = []
        self._size = 0
        declared = self.request.headers.get("Content-Length")
        if declared is not None and (
            not declared.isdigit() or int(declared) > self.state.max_body_bytes
        ):
            self._too_large()

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return  # refused already: tornado closes the connection after the 413
        self._size += len(chunk)
        if self._size > self.state.max_body_bytes:
            self._chunks = []
            # Answer now instead of raising (an exception here would only reset the connection):
            # finishing before the body is read makes tornado close the connection after it.
            self.write_json({"error": "body_too_large", "message": self._too_large_message()}, 413)
            return
        self._chunks.append(chunk)

    def _too_large_message(self) -> str:
        return (f"the request body is larger than this service's limit of "
                f"{self.state.max_body_bytes} bytes; send fewer rows per request")  # fmt: skip

    def _too_large(self) -> NoReturn:
        self._fail(413, "body_too_large", self._too_large_message())

    def body(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks = []
        if not data:
            self._fail(400, "empty_body", "the request has no body")
        return data


class ModelHandler(BaseHandler):
    def get(self) -> None:
        self.write_json(self.state.model_info())


@tornado.web.stream_request_body
class ContextsHandler(BodyHandler):
    async def post(self) -> None:
        if self._finished:  # refused while streaming (413)
            return
        state = self.state
        scorer = await self.run_refusing(
            lambda data: EncryptedScorer(state.model, data, security_bits=state.security_bits),
            self.body(),
        )
        state.remember(scorer)
        self.write_json({"context_id": scorer.context_id}, status=201)


@tornado.web.stream_request_body
class ScoreHandler(BodyHandler):
    async def post(self) -> None:
        if self._finished:  # refused while streaming (413)
            return
        data = self.body()
        try:
            batch = EncryptedBatch.from_bytes(data)
        except InvalidParameterError as error:
            self._fail(400, error.code, error.message)
        scorer = self.state.scorers.get(batch.context_id)
        if scorer is None:
            self._fail(404, "unknown_context",
                       "no public context with this id is registered here; POST it to "
                       "/v1/contexts first (the service keeps the most recent "
                       f"{self.state.max_contexts})")  # fmt: skip
        self.state.scorers.move_to_end(batch.context_id)
        scores, seconds = await self.run_refusing(_timed_score, scorer, batch)
        self.set_header("Content-Type", OCTET_STREAM)
        self.set_header("X-Score-Seconds", f"{seconds:.6f}")
        self.set_header("X-Peak-Rss-Bytes", str(peak_rss_bytes()))
        self.finish(scores.to_bytes())


def _timed_score(scorer: EncryptedScorer, batch: EncryptedBatch) -> tuple[Any, float]:
    scores = scorer.score(batch)
    return scores, float(scorer.last_server_seconds or 0.0)


def make_app(state: ServiceState) -> tornado.web.Application:
    routes = [(r"/v1/model", ModelHandler), (r"/v1/contexts", ContextsHandler),
              (r"/v1/score", ScoreHandler)]  # fmt: skip
    return tornado.web.Application(
        [(path, handler, {"state": state}) for path, handler in routes],
        default_handler_class=_NotFound, default_handler_args={"state": state},
    )  # fmt: skip


class _NotFound(BaseHandler):
    def prepare(self) -> None:
        super().prepare()
        self._fail(404, "not_found", "no such route; see GET /v1/model")
