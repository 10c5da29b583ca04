"""The data owner's side of encrypted scoring: it makes the keys, encrypts rows, decrypts scores.

The secret key is made here and stays here: the only thing this object hands out is the *public*
serialization of its context (`public_context()`), which lets a server compute on ciphertexts but
not read them. It refuses to be pickled, so the key cannot leave by accident either (a notebook
variable stored, a multiprocessing pool).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jupyter_privacy.core.encrypted.batch import (
    EncryptedBatch,
    EncryptedScores,
    MalformedRequestError,
    check_packing,
)
from jupyter_privacy.core.encrypted.context import context_id, load_tenseal, make_context
from jupyter_privacy.core.encrypted.model import EncryptedModel, FloatArray
from jupyter_privacy.core.encrypted.parameters import (
    MIN_SECURITY_BITS,
    CkksParameters,
    choose_parameters,
)
from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError


class WrongContextError(PrivacyError):
    """Ciphertexts made under another context (other keys) than the one asked to read them."""

    code = "wrong_he_context"


class EncryptedClient:
    """Holds a CKKS secret key; encrypts feature rows and decrypts the scores a server returns."""

    def __init__(self, parameters: CkksParameters, *, rotations: bool = False) -> None:
        """`rotations` makes Galois keys, which row-wise scoring needs (dot products rotate);
        column-packed scoring does not, and its public context is ~18× smaller without them."""
        self.parameters = parameters.check()
        self.rotations = rotations
        self._context = make_context(parameters, rotations=rotations)
        self._public = bytes(self._context.serialize(save_secret_key=False))
        self.context_id = context_id(self._public)

    @classmethod
    def for_model(
        cls, model: EncryptedModel | int, *, packing: str = "column",
        security_bits: int = MIN_SECURITY_BITS, scale_bits: int = 40, special_bits: int = 60,
    ) -> EncryptedClient:  # fmt: skip
        """Parameters chosen from the model's multiplicative depth (or a depth given directly)."""
        packing = check_packing(packing)
        depth = model.depth if isinstance(model, EncryptedModel) else model
        min_slots = max(model.widths) if isinstance(model, EncryptedModel) else 1
        parameters = choose_parameters(
            depth, min_slots=min_slots if packing == "row" else 1, security_bits=security_bits,
            scale_bits=scale_bits, special_bits=special_bits,
        )  # fmt: skip
        return cls(parameters, rotations=packing == "row")

    def __reduce__(self) -> Any:
        raise PrivacyError(
            "an EncryptedClient holds a secret key and cannot be pickled or copied out of its "
            "process; send public_context() to the server instead"
        )

    def __repr__(self) -> str:
        return f"EncryptedClient({self.parameters.describe()}; context {self.context_id[:12]}…)"

    def public_context(self) -> bytes:
        """The context without its secret key: public key, relinearization and (for row packing)
        Galois keys. What a server needs to score, and nothing to decrypt with."""
        return self._public

    def encrypt(self, x: Any, *, packing: str = "column") -> EncryptedBatch:
        ts = load_tenseal()
        packing = check_packing(packing)
        rows = np.asarray(x, dtype=np.float64)
        if rows.ndim != 2 or not len(rows) or not rows.shape[1]:
            raise InvalidParameterError(
                f"encrypt takes a 2-D array of rows, got shape {rows.shape}"
            )
        if not np.isfinite(rows).all():
            raise InvalidParameterError("features must be finite numbers (no NaN or infinity)")
        if packing == "row":
            if rows.shape[1] > self.parameters.slots:
                raise InvalidParameterError(
                    f"{rows.shape[1]} features do not fit one ciphertext ({self.parameters.slots} slots)"
                )
            if not self.rotations:
                raise InvalidParameterError(
                    "row packing needs Galois keys: make the client with rotations=True "
                    "(EncryptedClient.for_model(model, packing='row'))"
                )
            blobs = tuple(bytes(ts.ckks_vector(self._context, row.tolist()).serialize())
                          for row in rows)  # fmt: skip
            return EncryptedBatch(self.context_id, packing, len(rows), rows.shape[1], (), blobs)
        chunks, blobs_list = [], []
        for start in range(0, len(rows), self.parameters.slots):
            chunk = rows[start : start + self.parameters.slots]
            chunks.append(len(chunk))
            blobs_list += [bytes(ts.ckks_vector(self._context, chunk[:, j].tolist()).serialize())
                           for j in range(rows.shape[1])]  # fmt: skip
        return EncryptedBatch(self.context_id, packing, len(rows), rows.shape[1], tuple(chunks),
                              tuple(blobs_list))  # fmt: skip

    def decrypt(self, scores: EncryptedScores) -> FloatArray:
        """One float per row, in the order the rows were encrypted."""
        ts = load_tenseal()
        if scores.context_id != self.context_id:
            raise WrongContextError(
                f"these scores were computed under context {scores.context_id[:12]}…, not this "
                f"client's {self.context_id[:12]}…; they cannot be decrypted with this key"
            )
        expected = scores.chunks if scores.packing == "column" else (1,) * scores.rows
        values: list[float] = []
        for blob, rows in zip(scores.ciphertexts, expected, strict=True):
            try:
                vector = ts.ckks_vector_from(self._context, blob)
                decrypted = vector.decrypt()
            except (ValueError, RuntimeError, TypeError) as error:
                raise MalformedRequestError(
                    f"an encrypted score could not be read ({type(error).__name__})"
                ) from None
            if len(decrypted) < rows:
                raise MalformedRequestError(
                    f"an encrypted score holds {len(decrypted)} values, expected {rows}"
                )
            values += decrypted[:rows]
        return np.asarray(values, dtype=np.float64)
