"""CKKS parameters chosen from a model's multiplicative depth, at a stated security level.

Security comes from the size of the ring (the polynomial modulus degree N) against the total bits of
the coefficient modulus q: a larger q buys more multiplications and weakens the lattice. The ceiling
for each N is the HomomorphicEncryption.org Security Standard v1.1 (Albrecht et al., November 2018),
Table 1, ternary secret (what SEAL samples), classical attacks — the same numbers Microsoft SEAL
enforces (`native/src/seal/util/hestdparms.h`, `SEAL_HE_STD_PARMS_{128,192,256}_TC`). We check
them ourselves so a set below the level is refused with a clear message before SEAL sees it, and so
the level is stated with every report.

Each multiplication by a (plain) weight consumes one rescaling prime of `scale_bits`; the first and
last primes (`special_bits`) hold the integer part of results and the key-switching modulus. A
model of depth d needs d middle primes: q = 2·special + d·scale bits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError

STANDARD = (
    "HomomorphicEncryption.org Security Standard v1.1 (2018), Table 1: ternary secret, classical "
    "attacks; the limits Microsoft SEAL enforces (util/hestdparms.h)"
)

#: security bits → polynomial modulus degree → largest total coefficient-modulus bits.
MAX_COEFF_MODULUS_BITS: dict[int, dict[int, int]] = {
    128: {1024: 27, 2048: 54, 4096: 109, 8192: 218, 16384: 438, 32768: 881},
    192: {1024: 19, 2048: 37, 4096: 75, 8192: 152, 16384: 305, 32768: 611},
    256: {1024: 14, 2048: 29, 4096: 58, 8192: 118, 16384: 237, 32768: 476},
}
MIN_SECURITY_BITS = 128
POLY_MODULUS_DEGREES = tuple(sorted(MAX_COEFF_MODULUS_BITS[MIN_SECURITY_BITS]))
#: SEAL's bounds on one prime of the coefficient modulus.
PRIME_BITS = (17, 60)


class InsecureParametersError(InvalidParameterError):
    """HE parameters below the stated security level (or a level below 128 bits) were asked for."""

    code = "insecure_he_parameters"


@dataclass(frozen=True)
class CkksParameters:
    poly_modulus_degree: int
    coeff_mod_bit_sizes: tuple[int, ...]
    scale_bits: int
    security_bits: int = MIN_SECURITY_BITS

    @property
    def levels(self) -> int:
        """Multiplications (rescalings) a fresh ciphertext can take: the middle primes."""
        return len(self.coeff_mod_bit_sizes) - 2

    @property
    def slots(self) -> int:
        """Values one CKKS ciphertext holds (N/2)."""
        return self.poly_modulus_degree // 2

    @property
    def total_bits(self) -> int:
        return sum(self.coeff_mod_bit_sizes)

    @property
    def max_total_bits(self) -> int:
        return security_limit(self.security_bits, self.poly_modulus_degree)

    def check(self) -> CkksParameters:
        """Refuse a set SEAL would refuse, or one below its stated security level."""
        check_security_bits(self.security_bits)
        sizes = self.coeff_mod_bit_sizes
        if len(sizes) < 3:
            raise InvalidParameterError(
                f"coefficient modulus {list(sizes)} has no rescaling prime: give at least three "
                "primes (special, one per multiplication, special)"
            )
        if any(not PRIME_BITS[0] <= bits <= PRIME_BITS[1] for bits in sizes):
            raise InvalidParameterError(
                f"every prime of the coefficient modulus must have {PRIME_BITS[0]}–{PRIME_BITS[1]} "
                f"bits, got {list(sizes)}"
            )
        if not PRIME_BITS[0] <= self.scale_bits <= min(sizes[1:-1]):
            raise InvalidParameterError(
                f"scale 2^{self.scale_bits} must be at most the smallest rescaling prime "
                f"(2^{min(sizes[1:-1])}) and at least 2^{PRIME_BITS[0]}"
            )
        if self.total_bits > self.max_total_bits:
            raise InsecureParametersError(
                f"poly modulus degree {self.poly_modulus_degree} with a {self.total_bits}-bit "
                f"coefficient modulus {list(sizes)} is below {self.security_bits}-bit security "
                f"(at most {self.max_total_bits} bits at that degree; {STANDARD}); use a larger "
                "degree, fewer or smaller primes, or choose_parameters(depth)",
                poly_modulus_degree=self.poly_modulus_degree, total_bits=self.total_bits,
                max_total_bits=self.max_total_bits, security_bits=self.security_bits,
            )  # fmt: skip
        return self

    def security_statement(self) -> str:
        return (
            f"{self.security_bits}-bit classical security: N = {self.poly_modulus_degree}, "
            f"log q = {self.total_bits} ≤ {self.max_total_bits} ({STANDARD})"
        )

    def describe(self) -> str:
        return (
            f"CKKS N={self.poly_modulus_degree}, coefficient modulus {list(self.coeff_mod_bit_sizes)} "
            f"bits, scale 2^{self.scale_bits}, {self.levels} multiplication level(s), "
            f"{self.slots} slots; {self.security_statement()}"
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["coeff_mod_bit_sizes"] = list(self.coeff_mod_bit_sizes)
        data.update(levels=self.levels, slots=self.slots, total_bits=self.total_bits,
                    max_total_bits=self.max_total_bits, standard=STANDARD)  # fmt: skip
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CkksParameters:
        try:
            return cls(
                int(data["poly_modulus_degree"]),
                tuple(int(b) for b in data["coeff_mod_bit_sizes"]),
                int(data["scale_bits"]),
                int(data.get("security_bits", MIN_SECURITY_BITS)),
            ).check()
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, InvalidParameterError):
                raise
            raise InvalidParameterError(
                "HE parameters need poly_modulus_degree, coeff_mod_bit_sizes and scale_bits"
            ) from None


def check_security_bits(security_bits: Any) -> int:
    if isinstance(security_bits, bool) or not isinstance(security_bits, int):
        raise InvalidParameterError(f"security_bits must be 128, 192 or 256, got {security_bits!r}")
    if security_bits < MIN_SECURITY_BITS:
        raise InsecureParametersError(
            f"{security_bits}-bit security is below the {MIN_SECURITY_BITS}-bit minimum this kit "
            f"accepts ({STANDARD}); use 128, 192 or 256"
        )
    if security_bits not in MAX_COEFF_MODULUS_BITS:
        raise InvalidParameterError(
            f"no standard table for {security_bits}-bit security; use 128, 192 or 256"
        )
    return int(security_bits)


def security_limit(security_bits: int, poly_modulus_degree: int) -> int:
    """The largest total coefficient-modulus bits at this degree and level."""
    table = MAX_COEFF_MODULUS_BITS[check_security_bits(security_bits)]
    if poly_modulus_degree not in table:
        raise InvalidParameterError(
            f"poly modulus degree {poly_modulus_degree} is not a standard size; use one of "
            f"{', '.join(map(str, table))}"
        )
    return int(table[poly_modulus_degree])


def choose_parameters(
    depth: int,
    *,
    min_slots: int = 1,
    security_bits: int = MIN_SECURITY_BITS,
    scale_bits: int = 40,
    special_bits: int = 60,
) -> CkksParameters:
    """The smallest ring that fits `depth` multiplications and `min_slots` values per ciphertext at
    the security level. The default scale (2^40, special primes of 60 bits) gives scores accurate
    to about 1e-6 for inputs and scores below 2^19 in magnitude; a smaller scale buys a smaller,
    faster ring at the cost of precision."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise InvalidParameterError(f"depth must be a whole number ≥ 1, got {depth!r}")
    if special_bits < scale_bits:
        raise InvalidParameterError(
            f"special_bits ({special_bits}) must be at least scale_bits ({scale_bits}): the first "
            "prime holds a result's integer part above the scale"
        )
    sizes = (special_bits, *([scale_bits] * depth), special_bits)
    table = MAX_COEFF_MODULUS_BITS[check_security_bits(security_bits)]
    for degree in POLY_MODULUS_DEGREES:
        if sum(sizes) <= table[degree] and degree // 2 >= min_slots:
            return CkksParameters(degree, sizes, scale_bits, security_bits).check()
    raise InsecureParametersError(
        f"depth {depth} needs a {sum(sizes)}-bit coefficient modulus, more than any standard ring "
        f"allows at {security_bits}-bit security (at most {table[POLY_MODULUS_DEGREES[-1]]} bits "
        f"at N = {POLY_MODULUS_DEGREES[-1]}); use a shallower model (lower-degree activations, "
        "fewer layers) or a smaller scale_bits",
        depth=depth, total_bits=sum(sizes), security_bits=security_bits,
    )  # fmt: skip
