"""TenSEAL contexts: loading the library lazily, naming a public context, reading what it allows.

A context's id is the SHA-256 of its public serialization (no secret key): client and server derive
it independently, so a score computed under another key set is refused by id before decryption.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from jupyter_privacy.core.encrypted.parameters import (
    CkksParameters,
    InsecureParametersError,
    security_limit,
)
from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError, require_extra


class SecretKeyError(PrivacyError):
    """A secret key was offered where only public material may go (the scorer, the service)."""

    code = "secret_key_refused"


def load_tenseal() -> Any:
    """TenSEAL, or MissingExtraError naming jupyter-privacy[he]."""
    return require_extra("tenseal", "he")


def context_id(public_context: bytes) -> str:
    return hashlib.sha256(public_context).hexdigest()


@dataclass(frozen=True)
class ContextFacts:
    """What a (public) context allows, read from SEAL's own view of it."""

    poly_modulus_degree: int
    total_bits: int
    levels: int  # rescalings a fresh ciphertext can take
    scale_bits: float
    has_secret_key: bool
    has_galois_keys: bool
    has_relin_keys: bool

    def check_security(self, security_bits: int) -> None:
        limit = security_limit(security_bits, self.poly_modulus_degree)
        if self.total_bits > limit:
            raise InsecureParametersError(
                f"the context (N = {self.poly_modulus_degree}, log q = {self.total_bits}) is below "
                f"{security_bits}-bit security (at most {limit} bits at that degree)"
            )

    def check_depth(self, depth: int) -> None:
        if self.levels < depth:
            raise InvalidParameterError(
                f"the context allows {self.levels} multiplication level(s) but the model needs "
                f"{depth}; make the client's context with choose_parameters({depth})"
            )


def read_context(public_context: bytes) -> tuple[Any, ContextFacts]:
    """Deserialize a context; unreadable bytes are an InvalidParameterError, never a crash."""
    ts = load_tenseal()
    if not isinstance(public_context, bytes | bytearray):
        raise InvalidParameterError(
            "pass the context as bytes: ctx.serialize(save_secret_key=False) — a live TenSEAL "
            f"context object may carry its secret key (got {type(public_context).__name__})"
        )
    if not public_context:
        raise InvalidParameterError("the context is empty")
    try:
        context = ts.context_from(bytes(public_context))
        data = context.seal_context().data
        key_level = data.key_context_data()
        facts = ContextFacts(
            poly_modulus_degree=int(key_level.parms().poly_modulus_degree()),
            total_bits=int(key_level.total_coeff_modulus_bit_count()),
            levels=int(data.first_context_data().chain_index()),
            scale_bits=_log2(context),
            has_secret_key=bool(context.has_secret_key() or context.is_private()),
            has_galois_keys=bool(context.has_galois_keys()),
            has_relin_keys=bool(context.has_relin_keys()),
        )
    except (ValueError, RuntimeError, TypeError) as error:
        raise InvalidParameterError(
            f"the bytes are not a readable TenSEAL context ({type(error).__name__})"
        ) from None
    return context, facts


def _log2(context: Any) -> float:
    try:
        return math.log2(float(context.global_scale))
    except ValueError:  # no global scale set
        return 0.0


def make_context(parameters: CkksParameters, *, rotations: bool) -> Any:
    """A fresh CKKS context with its secret key (client side only)."""
    ts = load_tenseal()
    parameters.check()
    context = ts.context(
        ts.SCHEME_TYPE.CKKS,
        parameters.poly_modulus_degree,
        coeff_mod_bit_sizes=list(parameters.coeff_mod_bit_sizes),
    )
    context.global_scale = 2.0**parameters.scale_bits
    if rotations:
        context.generate_galois_keys()
    return context
