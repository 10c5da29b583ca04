"""CKKS parameters: chosen from the depth at a stated security level, refused below it — and our
table agrees with what SEAL itself enforces."""

from __future__ import annotations

import pytest

from jupyter_privacy.core.encrypted.parameters import (
    MAX_COEFF_MODULUS_BITS,
    CkksParameters,
    InsecureParametersError,
    choose_parameters,
)
from jupyter_privacy.core.errors import InvalidParameterError


def test_tables_are_the_he_standard_ones() -> None:
    # HomomorphicEncryption.org standard v1.1, Table 1 (ternary secret, classical), as SEAL has them
    assert MAX_COEFF_MODULUS_BITS[128] == {1024: 27, 2048: 54, 4096: 109, 8192: 218, 16384: 438,
                                           32768: 881}  # fmt: skip
    assert MAX_COEFF_MODULUS_BITS[192][8192] == 152 and MAX_COEFF_MODULUS_BITS[256][8192] == 118


@pytest.mark.parametrize(
    ("depth", "degree", "primes"),
    [(1, 8192, [60, 40, 60]), (2, 8192, [60, 40, 40, 60]), (3, 16384, [60, 40, 40, 40, 60]),
     (7, 16384, [60, *[40] * 7, 60]), (8, 32768, [60, *[40] * 8, 60])],
)  # fmt: skip
def test_the_smallest_ring_that_fits_the_depth(depth: int, degree: int, primes: list[int]) -> None:
    chosen = choose_parameters(depth)
    assert (chosen.poly_modulus_degree, list(chosen.coeff_mod_bit_sizes)) == (degree, primes)
    assert chosen.levels == depth and chosen.total_bits <= chosen.max_total_bits
    assert "128-bit classical security" in chosen.describe()


def test_higher_security_and_more_slots_need_bigger_rings() -> None:
    assert choose_parameters(1, security_bits=192).poly_modulus_degree == 16384  # 160 > 152
    assert choose_parameters(1, min_slots=5000).poly_modulus_degree == 16384
    smaller = choose_parameters(1, scale_bits=25, special_bits=35)
    assert smaller.poly_modulus_degree == 4096 and smaller.total_bits == 95


def test_below_128_bits_is_refused_with_what_to_change() -> None:
    with pytest.raises(InsecureParametersError, match="below the 128-bit minimum"):
        choose_parameters(1, security_bits=80)
    with pytest.raises(InsecureParametersError) as caught:
        CkksParameters(4096, (60, 40, 60), 40).check()
    message = caught.value.message
    assert "below 128-bit security" in message and "at most 109 bits" in message
    assert "HomomorphicEncryption.org" in message and "choose_parameters" in message
    with pytest.raises(InsecureParametersError, match="more than any standard ring allows"):
        choose_parameters(25)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"depth": 0}, "depth must be"), ({"depth": True}, "depth must be"),
     ({"depth": 1, "security_bits": 100 + 28j}, "security_bits must be"),
     ({"depth": 1, "security_bits": 160}, "no standard table"),
     ({"depth": 1, "scale_bits": 50, "special_bits": 40}, "special_bits")],
)  # fmt: skip
def test_bad_arguments_are_clear(kwargs: dict, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        choose_parameters(**kwargs)


@pytest.mark.parametrize(
    ("parameters", "match"),
    [(CkksParameters(8192, (60, 60), 40), "no rescaling prime"),
     (CkksParameters(8192, (61, 40, 60), 40), "17–60 bits"),
     (CkksParameters(8192, (60, 30, 60), 40), "smallest rescaling prime"),
     (CkksParameters(6000, (60, 40, 60), 40), "not a standard size")],
)  # fmt: skip
def test_sets_seal_would_refuse_are_refused_first(parameters: CkksParameters, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        parameters.check()


def test_round_trip_through_a_dict() -> None:
    chosen = choose_parameters(2)
    assert CkksParameters.from_dict(chosen.to_dict()) == chosen
    with pytest.raises(InvalidParameterError, match="need poly_modulus_degree"):
        CkksParameters.from_dict({"scale_bits": 40})
    insecure = {**chosen.to_dict(), "poly_modulus_degree": 4096}
    with pytest.raises(InsecureParametersError):
        CkksParameters.from_dict(insecure)


@pytest.mark.he
@pytest.mark.parametrize(("degree", "primes"), [(4096, [36, 36, 37]), (8192, [54, 54, 55, 55])])
def test_our_limit_is_seals_limit(degree: int, primes: list[int]) -> None:
    """At the table's maximum SEAL builds the context; one bit more and SEAL refuses too."""
    import tenseal as ts

    assert sum(primes) == MAX_COEFF_MODULUS_BITS[128][degree]
    ts.context(ts.SCHEME_TYPE.CKKS, degree, coeff_mod_bit_sizes=primes)
    over = [*primes[:-1], primes[-1] + 1]
    with pytest.raises(InsecureParametersError):
        CkksParameters(degree, tuple(over), min(over[1:-1])).check()
    with pytest.raises(ValueError, match="not set correctly"):
        ts.context(ts.SCHEME_TYPE.CKKS, degree, coeff_mod_bit_sizes=over)
