"""What a probe hands back: one JSON-able record, the input of gates, model cards and CI logs."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.files import read_json_file
from jupyter_privacy.core.reports.verdict import AUDIT_EXCEPTION

REPORT_FORMAT = "jupyter-privacy/probe-report@1"
STANDARD_FPRS = (0.001, 0.01)


def fpr_key(fpr: float) -> str:
    """'0.1%' for 0.001: keys humans read in JSON and in the gate's messages."""
    return f"{fpr * 100:g}%"


def finite_or_none(value: float) -> float | None:
    return None if math.isinf(value) or math.isnan(value) else value


def save_report(path: str | Path, data: dict[str, Any]) -> Path:
    """A report as indented UTF-8 JSON, its folder made if needed (membership, leakage)."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return file


@dataclass(frozen=True)
class TprAtFpr:
    fpr: float
    tpr: float
    achieved_fpr: float  # the FPR of the threshold used (≤ fpr)
    resolvable: bool  # enough non-members for this FPR to be measured at all (n ≥ 1/fpr)


@dataclass(frozen=True)
class ProbeReport:
    attack: str
    n_members: int
    n_non_members: int
    auc: float
    auc_interval: tuple[float, float]
    advantage: float
    tpr_at_fpr: tuple[TprAtFpr, ...]
    empirical_epsilon: dict[str, Any]
    ceiling: dict[str, Any] | None
    seed: int
    roc: dict[str, list[float]] = field(repr=False)
    notes: tuple[str, ...] = ()
    format: str = REPORT_FORMAT

    def tpr_at(self, fpr: float) -> TprAtFpr:
        """TPR at any FPR, read from the stored ROC (exact for FPR ≤ 10%)."""
        for entry in self.tpr_at_fpr:
            if math.isclose(entry.fpr, fpr):
                return entry
        fprs, tprs = self.roc["fpr"], self.roc["tpr"]
        best = max((i for i, f in enumerate(fprs) if f <= fpr + 1e-12), key=lambda i: tprs[i])
        return TprAtFpr(fpr, tprs[best], fprs[best], self.n_non_members * fpr >= 1)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tpr_at_fpr"] = {fpr_key(e.fpr): asdict(e) for e in self.tpr_at_fpr}
        data["auc_interval"] = list(self.auc_interval)
        data["notes"] = list(self.notes)
        return data

    def save(self, path: str | Path) -> Path:
        return save_report(path, self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProbeReport:
        if data.get("format") != REPORT_FORMAT:
            raise InvalidParameterError(
                f"not a probe report (format {data.get('format')!r}, expected {REPORT_FORMAT!r}); "
                "make one with  jupyter privacy probe … --out FILE"
            )
        try:
            entries = tuple(TprAtFpr(**e) for e in data["tpr_at_fpr"].values())
            return cls(
                attack=data["attack"], n_members=data["n_members"],
                n_non_members=data["n_non_members"], auc=data["auc"],
                auc_interval=tuple(data["auc_interval"]),
                advantage=data["advantage"], tpr_at_fpr=entries,
                empirical_epsilon=data["empirical_epsilon"], ceiling=data.get("ceiling"),
                seed=data["seed"], roc=data["roc"], notes=tuple(data.get("notes", ())),
            )  # fmt: skip
        except (KeyError, TypeError) as error:
            raise InvalidParameterError(f"probe report is incomplete: {error}") from None

    @classmethod
    def load(cls, path: str | Path) -> ProbeReport:
        return cls.from_dict(read_json_file(path, "probe report"))

    def summary(self) -> str:
        eps = self.empirical_epsilon
        lines = [
            f"membership-inference probe ({self.attack}): {self.n_members} members, "
            f"{self.n_non_members} non-members, seed {self.seed}",
            f"  AUC {self.auc:.3f} (95% bootstrap {self.auc_interval[0]:.3f}–"
            f"{self.auc_interval[1]:.3f}), attacker advantage {self.advantage:.3f}",
        ]
        for entry in self.tpr_at_fpr:
            flag = "" if entry.resolvable else "  (not resolvable: too few non-members)"
            lines.append(f"  TPR at FPR {fpr_key(entry.fpr)}: {entry.tpr:.4f}{flag}")
        lines.append(
            f"  empirical ε ≥ {eps['lower']:.4g} with {eps['confidence']:.0%} confidence "
            f"(point estimate {_fmt(eps['estimate'])}, δ {eps['delta']:g})"
        )
        if self.ceiling:
            c = self.ceiling
            lines.append(
                f"  claimed (ε {c['epsilon']:g}, δ {c['delta']:g}) allows at most: AUC "
                f"{c['auc']:.3f}, advantage {c['advantage']:.3f}, "
                + ", ".join(f"TPR {v:.4f} at FPR {k}" for k, v in c["tpr_at_fpr"].items())
            )
        lines.extend(f"  note: {note}" for note in self.notes)
        lines.append(f"  note: {AUDIT_EXCEPTION}")
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "∞ (no false positives)" if value is None else f"{value:.3f}"
