"""Gates over an encrypted-inference report: the CKKS error and the latency budget."""

from __future__ import annotations

from jupyter_privacy.core.encrypted.report import EncryptedInferenceReport
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.reports.verdict import GateResult


def he_error_gate(report: EncryptedInferenceReport, maximum: float) -> GateResult:
    """`he_max_abs_error`: the largest |decrypted − plaintext score| on the held-out rows."""
    a = report.accuracy
    observed = a.max_abs_error
    passed = observed <= maximum
    return GateResult(
        "he_max_abs_error", passed, observed, maximum,
        f"max |decrypted − plaintext score| {observed:.3g} over {a.rows} held-out rows "
        f"{'is within' if passed else 'EXCEEDS'} {maximum:g} (label agreement "
        f"{a.label_agreement:.2%}; {report.parameters.security_bits}-bit CKKS, "
        f"N = {report.parameters.poly_modulus_degree}, scale 2^{report.parameters.scale_bits})"
        + ("" if passed else "; raise scale_bits, or check the model's depth and input ranges"),
    )  # fmt: skip


def he_latency_gate(
    report: EncryptedInferenceReport, max_seconds_per_1000: float, packing: str = "column"
) -> GateResult:
    """`he_latency[packing]`: encrypt → score (with transport) → decrypt, per 1,000 rows."""
    cost = report.cost(packing)
    if cost is None:
        raise InvalidParameterError(f"the report has no {packing}-packed measurement")
    per_1000 = cost.per_1000()
    observed = per_1000["total_seconds"]
    passed = observed <= max_seconds_per_1000
    how = f"measured on {cost.rows} rows" + (", scaled" if per_1000["extrapolated"] else "")
    return GateResult(
        f"he_latency[{packing}]", passed, round(observed, 4), max_seconds_per_1000,
        f"{packing}-packed encrypted scoring takes {observed:.3g} s per 1,000 rows end to end "
        f"(encrypt {per_1000['encrypt_seconds']:.3g} s, scoring round trip "
        f"{per_1000['score_seconds']:.3g} s, decrypt {per_1000['decrypt_seconds']:.3g} s; {how}), "
        f"{'within' if passed else 'OVER'} the budget of {max_seconds_per_1000:g} s",
    )  # fmt: skip
