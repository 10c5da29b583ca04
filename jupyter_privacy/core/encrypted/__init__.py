"""Encrypted scoring with homomorphic encryption (CKKS through TenSEAL, the `he` extra).

The client (`EncryptedClient`) owns the secret key: it encrypts feature rows and decrypts scores.
The scorer (`EncryptedScorer`) holds a plaintext model and only the client's *public* context; it
cannot be built with a secret key, so it can compute on ciphertexts but never read them.
Parameters come from the model's multiplicative depth at a stated security level (128-bit by the
HomomorphicEncryption.org standard); sets below it are refused. TenSEAL is imported on first use.
"""

from jupyter_privacy.core.encrypted.batch import (
    EncryptedBatch,
    EncryptedScores,
    MalformedRequestError,
)
from jupyter_privacy.core.encrypted.client import EncryptedClient, WrongContextError
from jupyter_privacy.core.encrypted.context import SecretKeyError, context_id, read_context
from jupyter_privacy.core.encrypted.gates import he_error_gate, he_latency_gate
from jupyter_privacy.core.encrypted.measure import (
    AccuracyCheck,
    PackingCost,
    PeakMemory,
    measure_scoring,
    plaintext_seconds,
)
from jupyter_privacy.core.encrypted.model import DenseLayer, EncryptedModel
from jupyter_privacy.core.encrypted.parameters import (
    MAX_COEFF_MODULUS_BITS,
    CkksParameters,
    InsecureParametersError,
    choose_parameters,
)
from jupyter_privacy.core.encrypted.report import EncryptedInferenceReport, card_section_from
from jupyter_privacy.core.encrypted.scorer import EncryptedScorer

__all__ = [
    "MAX_COEFF_MODULUS_BITS",
    "AccuracyCheck",
    "CkksParameters",
    "DenseLayer",
    "EncryptedBatch",
    "EncryptedClient",
    "EncryptedInferenceReport",
    "EncryptedModel",
    "EncryptedScorer",
    "EncryptedScores",
    "InsecureParametersError",
    "MalformedRequestError",
    "PackingCost",
    "PeakMemory",
    "SecretKeyError",
    "WrongContextError",
    "card_section_from",
    "choose_parameters",
    "context_id",
    "he_error_gate",
    "he_latency_gate",
    "measure_scoring",
    "plaintext_seconds",
    "read_context",
]
