"""The encrypted-inference report: what the model card's "encrypted inference" section shows.

Every figure is about the *encryption*, not about people: the error is the CKKS approximation
(decrypted score minus the same model's plaintext score), label agreement is the share of held-out
rows whose decision the encryption did not flip, and the costs are times, bytes and memory. The
number of rows scored is a parameter the analyst chose, not a count read from the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jupyter_privacy.core.encrypted.measure import AccuracyCheck, PackingCost
from jupyter_privacy.core.encrypted.model import EncryptedModel, save_json
from jupyter_privacy.core.encrypted.parameters import CkksParameters
from jupyter_privacy.core.files import read_json_file

REPORT_FORMAT = "jupyter-privacy/he-report@1"
LIBRARY = "TenSEAL (Microsoft SEAL CKKS)"


@dataclass
class EncryptedInferenceReport:
    model: dict[str, Any]
    parameters: CkksParameters
    accuracy: AccuracyCheck
    costs: list[PackingCost]
    plaintext_seconds_per_1000: float
    peak_memory: dict[str, int | None] = field(default_factory=dict)
    transport: str = "in process"
    library: str = LIBRARY
    measured_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )

    @classmethod
    def build(
        cls, model: EncryptedModel, parameters: CkksParameters, accuracy: AccuracyCheck,
        costs: list[PackingCost], plaintext_seconds_per_1000: float, **extra: Any,
    ) -> EncryptedInferenceReport:  # fmt: skip
        return cls({"name": model.name, "description": model.describe(), "depth": model.depth,
                    "features": model.n_features, **model.notes}, parameters, accuracy,
                   list(costs), plaintext_seconds_per_1000, **extra)  # fmt: skip

    def cost(self, packing: str) -> PackingCost | None:
        return next((c for c in self.costs if c.packing == packing), None)

    def slowdown(self, cost: PackingCost) -> float:
        """Encrypted scoring (the scorer alone) per 1,000 rows against plaintext scoring."""
        per_1000 = cost.per_1000()
        scoring = per_1000["server_seconds"] or per_1000["score_seconds"]
        return float(scoring / max(self.plaintext_seconds_per_1000, 1e-9))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT, "measured_at": self.measured_at, "library": self.library,
            "transport": self.transport, "model": self.model,
            "parameters": self.parameters.to_dict(),
            "security": self.parameters.security_statement(),
            "accuracy": asdict(self.accuracy),
            "costs": [c.to_dict() for c in self.costs],
            "plaintext_seconds_per_1000": self.plaintext_seconds_per_1000,
            "peak_memory": self.peak_memory,
        }  # fmt: skip

    def save(self, path: str | Path) -> Path:
        return save_json(path, self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EncryptedInferenceReport:
        fields = set(PackingCost.__dataclass_fields__)
        return cls(
            model=data["model"],
            parameters=CkksParameters.from_dict(data["parameters"]),
            accuracy=AccuracyCheck(**data["accuracy"]),
            costs=[PackingCost(**{k: v for k, v in c.items() if k in fields})
                   for c in data["costs"]],
            plaintext_seconds_per_1000=float(data["plaintext_seconds_per_1000"]),
            peak_memory=dict(data.get("peak_memory") or {}), transport=data.get("transport", ""),
            library=data.get("library", LIBRARY), measured_at=data.get("measured_at", ""),
        )  # fmt: skip

    @classmethod
    def load(cls, path: str | Path) -> EncryptedInferenceReport:
        return cls.from_dict(read_json_file(path, "encrypted-inference report"))

    # -- for people --------------------------------------------------------------------------------
    def summary(self) -> str:
        return "\n".join([self.model["description"], *section_lines(self.card_section()),
                          *(" | ".join(row) for row in cost_table(self.card_section())[1])])  # fmt: skip

    def card_section(self) -> dict[str, Any]:
        """What the model card publishes (privacy-card.json's `encrypted_inference`)."""
        return {
            "statement": (
                f"Scores can be computed on encrypted rows: {self.library}, "
                f"{self.parameters.security_statement()}. The scoring service holds the model "
                "and the client's public context only; the secret key never leaves the client."
            ),
            "parameters": {k: v for k, v in self.parameters.to_dict().items() if k != "standard"},
            "model": self.model, "accuracy": asdict(self.accuracy),
            "costs": [{"packing": c.packing, "measured_rows": c.rows, "per_row": c.per_row(),
                       "per_1000_rows": c.per_1000(), "scoring_vs_plaintext": self.slowdown(c)}
                      for c in self.costs],
            "peak_memory": self.peak_memory, "transport": self.transport,
            "measured_at": self.measured_at,
        }  # fmt: skip


def card_section_from(path: str | Path, release_id: int | None = None) -> dict[str, Any] | None:
    """The card section of a saved report; None when there is none (no encrypted scoring) or,
    given `release_id`, when the report is about another model than that ledger release."""
    if not Path(path).is_file():
        return None
    report = EncryptedInferenceReport.load(path)
    if release_id is not None and report.model.get("release_id") != release_id:
        return None
    return report.card_section()


COST_HEADERS = ["packing", "per row", "ciphertext per row", "per 1,000 rows", "of which scoring",
                "ciphertexts per 1,000 rows", "scoring vs plaintext", "how measured"]  # fmt: skip


def cost_table(section: dict[str, Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Headers and one row per packing: time and ciphertext bytes per row (amortized) and per
    1,000 rows, and how each was measured (the model card and the notebook show this table)."""
    rows = []
    for cost in section["costs"]:
        one, thousand = cost["per_row"], cost["per_1000_rows"]
        scoring = thousand["server_seconds"] or thousand["score_seconds"]
        note = f"measured on {thousand['measured_rows']} rows" + (
            ", scaled to 1,000" if thousand["extrapolated"] else ""
        )
        rows.append((
            cost["packing"], f"{one['total_seconds'] * 1e3:.3g} ms",
            f"{one['upload_bytes'] / 2**10:.4g} KiB", f"{thousand['total_seconds']:.3g} s",
            f"{scoring:.3g} s", f"{thousand['upload_bytes'] / 2**20:.4g} MiB",
            f"{cost['scoring_vs_plaintext']:,.0f}×", note,
        ))  # fmt: skip
    return COST_HEADERS, rows


def section_lines(section: dict[str, Any]) -> list[str]:
    """The statement, the accuracy and the memory of a card section, one sentence each."""
    a = section["accuracy"]
    lines = [
        section["statement"],
        f"Accuracy on {a['rows']} held-out rows: max |decrypted − plaintext score| "
        f"{a['max_abs_error']:.3g} (mean {a['mean_abs_error']:.3g}); the decision agreed on "
        f"{a['label_agreement']:.2%} of rows.",
    ]
    memory = section.get("peak_memory") or {}
    if memory.get("client_increase_bytes") is not None:
        server = memory.get("server_peak_bytes")
        lines.append(
            f"Peak memory: the client's RSS grew {memory['client_increase_bytes'] / 2**20:.0f} MiB "
            "while encrypting, scoring and decrypting"
            + (f"; the service process peaked at {server / 2**20:.0f} MiB RSS." if server else ".")
        )
    lines.append(f"Measured {section.get('measured_at', '')[:10]}, transport: "
                 f"{section.get('transport', '')}.")  # fmt: skip
    return lines
