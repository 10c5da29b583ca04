"""The server's side of encrypted scoring: a model in the clear, the client's rows as ciphertexts.

An `EncryptedScorer` is built from the *bytes* of a public context and refuses any that carry a
secret key, so no scorer can ever decrypt what it scores. It checks the context before use: CKKS at
the stated security level, enough multiplication levels for the model, Galois keys when rows are
packed one per ciphertext. Ciphertexts that do not parse, or do not belong to that context, raise
`MalformedRequestError` (the service's 400), never crash the process.
"""

from __future__ import annotations

import time
from typing import Any

from jupyter_privacy.core.encrypted.batch import (
    EncryptedBatch,
    EncryptedScores,
    MalformedRequestError,
)
from jupyter_privacy.core.encrypted.context import (
    SecretKeyError,
    context_id,
    load_tenseal,
    read_context,
)
from jupyter_privacy.core.encrypted.model import DenseLayer, EncryptedModel
from jupyter_privacy.core.encrypted.parameters import MIN_SECURITY_BITS
from jupyter_privacy.core.errors import InvalidParameterError

_TENSEAL_ERRORS = (ValueError, RuntimeError, TypeError)


class EncryptedScorer:
    """Scores encrypted rows with a plaintext model under one client's public context."""

    def __init__(
        self, model: EncryptedModel, public_context: bytes, *,
        security_bits: int = MIN_SECURITY_BITS,
    ) -> None:  # fmt: skip
        context, facts = read_context(public_context)
        if facts.has_secret_key:
            del context
            raise SecretKeyError(
                "this context holds a secret key, and a scorer must never be able to decrypt: "
                "send ctx.serialize(save_secret_key=False) (EncryptedClient.public_context()); "
                "treat the key that was sent as exposed and make a new one"
            )
        facts.check_security(security_bits)
        facts.check_depth(model.depth)
        self.model = model
        self.facts = facts
        self.security_bits = security_bits
        self.context_id = context_id(bytes(public_context))
        self.last_server_seconds: float | None = None  # compute time of the last score()
        self._context = context

    def context_bytes(self) -> bytes:
        """The context this scorer holds, serialized (with every key it has; it has no secret)."""
        return bytes(self._context.serialize(save_secret_key=False))

    def score(self, batch: EncryptedBatch) -> EncryptedScores:
        if batch.context_id != self.context_id:
            raise MalformedRequestError(
                f"the batch was encrypted under context {batch.context_id[:12]}…, not this "
                f"scorer's {self.context_id[:12]}…"
            )
        if batch.features != self.model.n_features:
            raise MalformedRequestError(
                f"the batch has {batch.features} features per row; the model takes "
                f"{self.model.n_features}"
            )
        if batch.packing == "row" and not self.facts.has_galois_keys:
            raise InvalidParameterError(
                "row packing needs Galois keys in the public context: make the client with "
                "rotations=True, or send column-packed batches"
            )
        evaluate = _score_columns if batch.packing == "column" else _score_row
        start = time.perf_counter()
        out = []
        for index, (rows, blobs) in enumerate(batch.groups()):
            vectors = [self._load(blob, index, rows if batch.packing == "column" else
                                  batch.features) for blob in blobs]  # fmt: skip
            try:
                out.append(bytes(evaluate(self.model.layers, vectors).serialize()))
            except _TENSEAL_ERRORS as error:
                raise MalformedRequestError(
                    f"ciphertext group {index} could not be scored ({error}); it was not made "
                    "for this context or is corrupt"
                ) from None
        chunks = batch.chunks if batch.packing == "column" else ()
        self.last_server_seconds = time.perf_counter() - start
        return EncryptedScores(self.context_id, batch.packing, batch.rows, chunks, tuple(out))

    def _load(self, blob: bytes, index: int, size: int) -> Any:
        ts = load_tenseal()
        try:
            vector = ts.ckks_vector_from(self._context, blob)
        except _TENSEAL_ERRORS:
            raise MalformedRequestError(
                f"ciphertext group {index} is not a CKKS vector of this context"
            ) from None
        if vector.size() != size:
            raise MalformedRequestError(
                f"ciphertext group {index} holds {vector.size()} values, expected {size}"
            )
        return vector


def _score_columns(layers: tuple[DenseLayer, ...], columns: list[Any]) -> Any:
    """Column packing: each input is a ciphertext of one feature over many rows, so a dense layer
    is weighted sums of ciphertexts (plain scalars times ciphertexts: no rotations). A layer with
    one output consumes its inputs in place, which saves a copy per feature."""
    inputs = columns
    for layer in layers:
        consume = layer.weights.shape[1] == 1
        outputs = []
        for k in range(layer.weights.shape[1]):
            terms = (
                (vector.mul_(w) if consume else vector * w)
                for vector, w in zip(inputs, map(float, layer.weights[:, k]), strict=True)
            )
            total = next(terms)
            for term in terms:
                total.add_(term)
            total.add_(float(layer.bias[k]))
            if layer.activation is not None:
                total = total.polyval(list(layer.activation))
            outputs.append(total)
        inputs = outputs
    return inputs[0]


def _score_row(layers: tuple[DenseLayer, ...], vectors: list[Any]) -> Any:
    """Row packing: one ciphertext holds a row; a dense layer is a vector-matrix product."""
    (vector,) = vectors
    for layer in layers:
        if layer.weights.shape[1] == 1:  # one output: a dot product, ~10× cheaper than mm
            vector = vector.dot(layer.weights[:, 0].tolist())
        else:
            vector = vector.mm(layer.weights.tolist())
        vector += layer.bias.tolist()
        if layer.activation is not None:
            vector = vector.polyval(list(layer.activation))
    return vector
