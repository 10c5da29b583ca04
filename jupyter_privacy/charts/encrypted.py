"""Encrypted-scoring cost: time per 1,000 rows by phase and ciphertext size, row-wise vs column-packed.

Built from an `EncryptedInferenceReport` (core/encrypted/report.py). The title carries the accuracy
check (max |decrypted − plaintext|, label agreement); a log time axis keeps row-wise scoring (tens
of seconds per 1,000 rows) and column packing (well under one) readable side by side.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from jupyter_privacy.core.encrypted.report import EncryptedInferenceReport

COST_COLUMNS = ["packing", "phase", "seconds_per_1000", "extrapolated", "measured_rows"]
SIZE_COLUMNS = ["packing", "direction", "mib_per_1000", "extrapolated"]
PHASES = {"encrypt_seconds": "encrypt (client)", "score_seconds": "score round trip",
          "decrypt_seconds": "decrypt (client)"}  # fmt: skip


def encrypted_cost_data(report: EncryptedInferenceReport) -> pd.DataFrame:
    """One row per packing and phase: seconds per 1,000 rows, and a plaintext baseline row."""
    rows = []
    for cost in report.costs:
        per_1000 = cost.per_1000()
        for key, phase in PHASES.items():
            rows.append({"packing": cost.packing, "phase": phase,
                         "seconds_per_1000": float(per_1000[key]),
                         "extrapolated": bool(per_1000["extrapolated"]),
                         "measured_rows": cost.rows})  # fmt: skip
    rows.append({"packing": "plaintext", "phase": "score (numpy)",
                 "seconds_per_1000": report.plaintext_seconds_per_1000, "extrapolated": False,
                 "measured_rows": report.accuracy.rows})  # fmt: skip
    return pd.DataFrame(rows, columns=COST_COLUMNS)


def encrypted_size_data(report: EncryptedInferenceReport) -> pd.DataFrame:
    """Ciphertext MiB per 1,000 rows sent (encrypted rows) and received (encrypted scores)."""
    rows = []
    for cost in report.costs:
        per_1000 = cost.per_1000()
        for key, direction in (("upload_bytes", "sent: encrypted rows"),
                               ("download_bytes", "received: encrypted scores")):  # fmt: skip
            rows.append({"packing": cost.packing, "direction": direction,
                         "mib_per_1000": per_1000[key] / 2**20,
                         "extrapolated": bool(per_1000["extrapolated"])})  # fmt: skip
    return pd.DataFrame(rows, columns=SIZE_COLUMNS)


def encrypted_cost_chart(report: EncryptedInferenceReport) -> alt.HConcatChart:
    """Two panels: seconds per 1,000 rows (stacked by phase, log axis) and MiB per 1,000 rows."""
    a = report.accuracy
    time_panel = (
        alt.Chart(encrypted_cost_data(report))
        .mark_bar()
        .encode(
            y=alt.Y("packing:N", title=None, sort=["column", "row", "plaintext"]),
            x=alt.X("sum(seconds_per_1000):Q", title="seconds per 1,000 rows (log)",
                    scale=alt.Scale(type="log")),
            color=alt.Color("phase:N", legend=alt.Legend(orient="bottom", title=None)),
            tooltip=["packing:N", "phase:N", alt.Tooltip("seconds_per_1000:Q", format=".3g"),
                     "extrapolated:N", "measured_rows:Q"],
        )
        .properties(width=320, height=110, title="time")
    )  # fmt: skip
    size_panel = (
        alt.Chart(encrypted_size_data(report))
        .mark_bar()
        .encode(
            y=alt.Y("packing:N", title=None, sort=["column", "row"]),
            x=alt.X("sum(mib_per_1000):Q", title="MiB of ciphertext per 1,000 rows"),
            color=alt.Color("direction:N", legend=alt.Legend(orient="bottom", title=None),
                            scale=alt.Scale(range=["#72b7b2", "#b279a2"])),
            tooltip=["packing:N", "direction:N", alt.Tooltip("mib_per_1000:Q", format=".3g"),
                     "extrapolated:N"],
        )
        .properties(width=240, height=110, title="size")
    )  # fmt: skip
    return (
        alt.hconcat(time_panel, size_panel)
        .resolve_scale(color="independent")
        .properties(
            title=alt.TitleParams(
                "Encrypted scoring (CKKS) against plaintext",
                subtitle=f"max |decrypted − plaintext| {a.max_abs_error:.2g}, label agreement "
                f"{a.label_agreement:.2%} on {a.rows} held-out rows; "
                f"N = {report.parameters.poly_modulus_degree}, "
                f"{report.parameters.security_bits}-bit security",
            )
        )
    )
