"""Client and scorer in one process, with real TenSEAL: round trips, the scorer's missing secret key,
wrong contexts and malformed ciphertexts."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from jupyter_privacy.core.encrypted import (
    AccuracyCheck,
    CkksParameters,
    EncryptedBatch,
    EncryptedClient,
    EncryptedModel,
    EncryptedScorer,
    InsecureParametersError,
    MalformedRequestError,
    SecretKeyError,
    WrongContextError,
)
from jupyter_privacy.core.encrypted.model import DenseLayer
from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError

ts = pytest.importorskip("tenseal")
pytestmark = pytest.mark.he

RNG = np.random.default_rng(11)
X = RNG.uniform(-1, 1, size=(1000, 30))
LINEAR = EncryptedModel.linear(RNG.normal(size=30), 0.3)
MLP = EncryptedModel.mlp([(RNG.normal(size=(30, 3)) * 0.3, RNG.normal(size=3) * 0.1,
                           [0.5, 0.25, 0.125]), (RNG.normal(size=(3, 1)), [0.2], None)])  # fmt: skip


@pytest.fixture(scope="module")
def column_client() -> EncryptedClient:
    return EncryptedClient.for_model(LINEAR)


@pytest.fixture(scope="module")
def row_client() -> EncryptedClient:
    return EncryptedClient.for_model(LINEAR, packing="row")


def _round_trip(client: EncryptedClient, model: EncryptedModel, x: np.ndarray, packing: str):
    scorer = EncryptedScorer(model, client.public_context())
    decrypted = client.decrypt(scorer.score(client.encrypt(x, packing=packing)))
    return AccuracyCheck.compare(model.plaintext_scores(x), decrypted, model.threshold)


def test_column_packed_linear_scores_match_plaintext(column_client: EncryptedClient) -> None:
    check = _round_trip(column_client, LINEAR, X, "column")
    assert check.rows == 1000 and check.max_abs_error < 1e-4 and check.label_agreement == 1.0


def test_row_packed_linear_scores_match_plaintext(row_client: EncryptedClient) -> None:
    check = _round_trip(row_client, LINEAR, X[:5], "row")
    assert check.max_abs_error < 1e-4 and check.label_agreement == 1.0


@pytest.mark.slow
@pytest.mark.parametrize(("packing", "rows"), [("column", 300), ("row", 2)])
def test_mlp_with_a_square_activation_matches_plaintext(packing: str, rows: int) -> None:
    client = EncryptedClient.for_model(MLP, packing=packing)
    assert client.parameters.levels == MLP.depth == 4
    assert _round_trip(client, MLP, X[:rows], packing).max_abs_error < 1e-3


def test_rows_beyond_one_ciphertext_are_chunked_in_order() -> None:
    model = EncryptedModel.linear([1.0, -2.0, 0.5], 0.0)
    client = EncryptedClient.for_model(model)
    x = RNG.uniform(-1, 1, size=(client.parameters.slots + 7, 3))
    batch = client.encrypt(x)
    assert batch.chunks == (client.parameters.slots, 7) and len(batch.ciphertexts) == 6
    decrypted = client.decrypt(EncryptedScorer(model, client.public_context()).score(batch))
    np.testing.assert_allclose(decrypted, model.plaintext_scores(x), atol=1e-4)


@pytest.mark.parametrize(("degree", "levels"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3)])
def test_depth_formula_is_what_tenseal_consumes(degree: int, levels: int) -> None:
    """A degree-d activation needs exactly ⌊log2 d⌋ + 1 levels in TenSEAL's polyval."""
    assert (
        DenseLayer(np.ones((1, 1)), np.zeros(1), (0.1,) * (degree + 1)).activation_depth == levels
    )

    def evaluates(available: int) -> bool:
        context = ts.context(ts.SCHEME_TYPE.CKKS, 16384,
                             coeff_mod_bit_sizes=[60, *[40] * available, 60])  # fmt: skip
        context.global_scale = 2.0**40
        try:
            ts.ckks_vector(context, [0.5]).polyval([0.1] * (degree + 1))
        except ValueError:
            return False
        return True

    assert evaluates(levels) and not evaluates(levels - 1)


# -- the scorer never holds a secret key ---------------------------------------------------------


def test_scorer_refuses_a_context_with_its_secret_key(column_client: EncryptedClient) -> None:
    private = column_client._context.serialize(save_secret_key=True)
    assert ts.context_from(private).has_secret_key()  # the bytes really carry the key
    with pytest.raises(SecretKeyError, match="holds a secret key") as caught:
        EncryptedScorer(LINEAR, private)
    assert "make a new one" in caught.value.message
    with pytest.raises(InvalidParameterError, match="as bytes"):
        EncryptedScorer(LINEAR, column_client._context)  # a live context object: refused too


def test_the_scorers_context_has_no_secret_key_and_cannot_decrypt(
    column_client: EncryptedClient,
) -> None:
    scorer = EncryptedScorer(LINEAR, column_client.public_context())
    held = ts.context_from(scorer.context_bytes())
    assert not held.has_secret_key() and not held.is_private()
    assert not scorer._context.has_secret_key() and not scorer.facts.has_secret_key
    scores = scorer.score(column_client.encrypt(X[:10]))
    with pytest.raises(ValueError, match="secret_key"):
        ts.ckks_vector_from(scorer._context, scores.ciphertexts[0]).decrypt()
    assert not hasattr(scorer, "decrypt")


def test_the_client_key_cannot_be_pickled(column_client: EncryptedClient) -> None:
    with pytest.raises(PrivacyError, match="cannot be pickled"):
        pickle.dumps(column_client)
    assert column_client.context_id[:12] in repr(column_client)


# -- contexts the scorer refuses -----------------------------------------------------------------


def test_a_context_with_too_few_levels_is_refused(column_client: EncryptedClient) -> None:
    with pytest.raises(InvalidParameterError, match=r"allows 1 multiplication level.*needs 4"):
        EncryptedScorer(MLP, column_client.public_context())


def test_a_context_below_the_requested_security_is_refused(column_client: EncryptedClient) -> None:
    # N = 8192 with 160 bits is 128-bit secure but not 192-bit (at most 152 bits)
    with pytest.raises(InsecureParametersError, match="below 192-bit security"):
        EncryptedScorer(LINEAR, column_client.public_context(), security_bits=192)


def test_unreadable_contexts_are_refused() -> None:
    for bad in (b"", b"not a context", b"\x00" * 200):
        with pytest.raises(InvalidParameterError, match="context"):
            EncryptedScorer(LINEAR, bad)


def test_insecure_parameters_never_reach_seal() -> None:
    with pytest.raises(InsecureParametersError):
        EncryptedClient(CkksParameters(4096, (60, 40, 60), 40))


# -- wrong keys, wrong contexts, malformed ciphertexts ------------------------------------------


def test_scores_for_another_context_are_refused(column_client: EncryptedClient) -> None:
    other = EncryptedClient.for_model(LINEAR)
    assert other.context_id != column_client.context_id
    scores = EncryptedScorer(LINEAR, other.public_context()).score(other.encrypt(X[:10]))
    with pytest.raises(WrongContextError, match="cannot be decrypted with this key"):
        column_client.decrypt(scores)
    with pytest.raises(MalformedRequestError, match="encrypted under context"):
        EncryptedScorer(LINEAR, column_client.public_context()).score(other.encrypt(X[:10]))


def test_malformed_and_foreign_ciphertexts_are_refused(column_client: EncryptedClient) -> None:
    scorer = EncryptedScorer(LINEAR, column_client.public_context())
    good = column_client.encrypt(X[:10])
    deeper = EncryptedClient.for_model(2)  # other parameters: its ciphertexts do not belong here
    foreign = deeper.encrypt(X[:10]).ciphertexts
    bfv = ts.context(ts.SCHEME_TYPE.BFV, 4096, plain_modulus=1032193)
    cases = {
        "garbage": (b"garbage",) * 30,
        "truncated": tuple(c[: len(c) // 2] for c in good.ciphertexts),
        "other parameters": foreign,
        "a BFV ciphertext": (bytes(ts.bfv_vector(bfv, [1, 2]).serialize()),) * 30,
        "wrong length": column_client.encrypt(X[:9]).ciphertexts,
    }
    for name, blobs in cases.items():
        batch = EncryptedBatch(good.context_id, "column", 10, 30, (10,), blobs)
        with pytest.raises(MalformedRequestError):
            scorer.score(batch)
        print(name, "refused")
    with pytest.raises(MalformedRequestError, match="model takes 30"):
        scorer.score(
            EncryptedBatch(good.context_id, "column", 10, 29, (10,), good.ciphertexts[:29])
        )
    assert scorer.score(good).rows == 10  # still scoring after every refusal


def test_flipped_bytes_never_crash_the_scorer(column_client: EncryptedClient) -> None:
    scorer = EncryptedScorer(LINEAR, column_client.public_context())
    good = column_client.encrypt(X[:4])
    rng = np.random.default_rng(5)
    refused = 0
    for _ in range(40):
        blobs = []
        for blob in good.ciphertexts:
            data = bytearray(blob)
            for position in rng.integers(0, len(data), size=3):
                data[position] = int(rng.integers(0, 256))
            blobs.append(bytes(data))
        try:
            scorer.score(EncryptedBatch(good.context_id, "column", 4, 30, (4,), tuple(blobs)))
        except MalformedRequestError:
            refused += 1
    assert refused > 0  # corrupt bytes are refused (or score to noise); the process lives on


def test_row_packing_needs_galois_keys(column_client: EncryptedClient) -> None:
    with pytest.raises(InvalidParameterError, match="rotations=True"):
        column_client.encrypt(X[:2], packing="row")
    with pytest.raises(InvalidParameterError, match="finite"):
        column_client.encrypt(np.full((2, 30), np.nan))
    with pytest.raises(InvalidParameterError, match="packing must be"):
        column_client.encrypt(X[:2], packing="diagonal")
