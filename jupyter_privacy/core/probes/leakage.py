"""What an attribute-inference or model-inversion probe hands back, its statistics and its gate.

Each attack is measured on training members and on non-members, each time against a baseline that
never sees the model. Its *advantage* over the baseline on members is what the model reveals about
them; on non-members, what its outputs reveal about anyone (an inference-time exposure that DP
does not bound, since the attacker queries the model on the person's own record). The gated figure
for attribute inference and feature reconstruction is the difference, members minus non-members:
the part that being in the training data causes (Yeom et al. 2018's attribute advantage, here
corrected by the baseline), which DP does bound. For class representatives (MIFace) it is the
members' similarity itself: what the model reveals about a class.

Accuracies carry exact Clopper–Pearson intervals; differences a seeded percentile bootstrap,
paired within a population (attack and baseline answer for the same people), independent across
the two populations. The strongest attack sets the headline. Only aggregates are kept: no
per-person value, class mean or reconstruction.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.files import read_json_file
from jupyter_privacy.core.probes.metrics import FloatArray, clopper_pearson
from jupyter_privacy.core.probes.report import REPORT_FORMAT as MEMBERSHIP_FORMAT
from jupyter_privacy.core.probes.report import ProbeReport, save_report
from jupyter_privacy.core.reports.verdict import AUDIT_EXCEPTION, GateResult

REPORT_FORMAT = "jupyter-privacy/leakage-report@1"
METRICS = {  # gate metric → what the report measures
    "attribute_inference_advantage": "attribute inference",
    "inversion_similarity": "model inversion",
}
POPULATIONS = ("members", "non_members")
EXCESS = "members minus non-members"
_BOOTSTRAP_ROUNDS = 1000
_EXPOSED = 0.02  # a non-member advantage whose interval clears this gets a note


def check_confidence(confidence: float) -> float:
    if not 0.5 <= confidence < 1:
        raise InvalidParameterError(f"confidence must be in [0.5, 1), got {confidence}")
    return float(confidence)


def _interval(values: FloatArray, confidence: float) -> list[float]:
    tail = (1 - confidence) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return [round(float(low), 6), round(float(high), 6)]


def _advantage(attack: Any, baseline: Any) -> Any:
    return attack.mean(axis=-1) - baseline.mean(axis=-1)


def _similarity(attack: Any, baseline: Any) -> Any:
    """1 − error / baseline error: 0 = no closer than a guess without the model, 1 = exact."""
    return 1 - attack.mean(axis=-1) / np.maximum(baseline.mean(axis=-1), 1e-12)


def _accuracy_figures(attack: Any, baseline: Any, alpha: float) -> dict[str, Any]:
    n = len(attack)
    return {
        "n": n,
        "accuracy": round(float(attack.mean()), 6),
        "accuracy_interval": [round(v, 6) for v in clopper_pearson(int(attack.sum()), n, alpha)],
        "baseline_accuracy": round(float(baseline.mean()), 6),
        "baseline_interval": [round(v, 6) for v in clopper_pearson(int(baseline.sum()), n, alpha)],
        "advantage": round(float(_advantage(attack, baseline)), 6),
    }


def _error_figures(attack: Any, baseline: Any, alpha: float) -> dict[str, Any]:
    return {
        "n": len(attack),
        "error": round(float(attack.mean()), 6),
        "baseline_error": round(float(baseline.mean()), 6),
        "similarity": round(float(_similarity(attack, baseline)), 6),
    }


def compare_populations(
    measure: str,
    members: tuple[Any, Any],
    non_members: tuple[Any, Any],
    *,
    confidence: float,
    seed: int,
) -> dict[str, Any]:
    """Attack vs baseline per population, and the gated excess (members minus non-members).

    `measure` is "accuracy" (per-person hit booleans; figure: advantage) or "error" (per-person
    absolute errors; figure: similarity). Each pair is (attack, baseline) for the same people.
    """
    statistic: Callable[[Any, Any], Any]
    dtype: Any
    if measure == "accuracy":
        statistic, figures, key, dtype = _advantage, _accuracy_figures, "advantage", bool
    else:
        statistic, figures, key, dtype = _similarity, _error_figures, "similarity", np.float64
    result: dict[str, Any] = {}
    resampled = []
    for offset, (name, (attack, baseline)) in enumerate(
        zip(POPULATIONS, (members, non_members), strict=True)
    ):
        attack, baseline = np.asarray(attack, dtype=dtype), np.asarray(baseline, dtype=dtype)
        rows = np.random.default_rng(seed + offset).integers(
            0, len(attack), size=(_BOOTSTRAP_ROUNDS, len(attack))
        )
        draws = statistic(attack[rows], baseline[rows])
        resampled.append(draws)
        result[name] = figures(attack, baseline, 1 - confidence)
        result[name][f"{key}_interval"] = _interval(draws, confidence)
    value = result["members"][key] - result["non_members"][key]
    result["gated"] = {"value": round(value, 6), "interval": _interval(resampled[0] - resampled[1],
                       confidence), "reads": EXCESS}  # fmt: skip
    return result


@dataclass(frozen=True)
class LeakageReport:
    metric: str  # a key of METRICS: the gate this report feeds
    target: str  # what the attacker reconstructs: an attribute, a feature, class representatives
    value: float  # the gated figure of the strongest attack (its "gated" entry)
    interval: tuple[float, float] | None
    attack: str  # the strongest attack
    attacks: tuple[dict[str, Any], ...]  # name, method, baseline, members, non_members, gated
    n_members: int
    n_non_members: int
    n_auxiliary: int
    confidence: float
    seed: int
    library: str
    claim: dict[str, Any] | None = None  # the model's stated (ε, δ), shown beside the figures
    notes: tuple[str, ...] = ()
    format: str = REPORT_FORMAT

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise InvalidParameterError(f"unknown leakage metric {self.metric!r}; use "
                                        f"{' or '.join(METRICS)}")  # fmt: skip

    @property
    def kind(self) -> str:
        return METRICS[self.metric]

    @property
    def key(self) -> str:
        """The per-population figure the headline reads ('advantage' or 'similarity')."""
        return "advantage" if self.metric == "attribute_inference_advantage" else "similarity"

    def strongest(self) -> dict[str, Any]:
        return next(a for a in self.attacks if a["name"] == self.attack)

    @property
    def reads(self) -> str:
        """What the gated figure is: members minus non-members, or the members' own figure."""
        return str(self.strongest()["gated"]["reads"])

    def member_value(self) -> float:
        return float(self.strongest()["members"][self.key])

    def non_member_value(self) -> float:
        return float(self.strongest()["non_members"][self.key])

    def exposure(self) -> float:
        """The largest non-member figure of any attack: what the outputs reveal about anyone."""
        return max(float(a["non_members"][self.key]) for a in self.attacks)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["interval"] = list(self.interval) if self.interval else None
        data["attacks"] = list(self.attacks)
        data["notes"] = list(self.notes)
        return data

    def save(self, path: str | Path) -> Path:
        return save_report(path, self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeakageReport:
        if data.get("format") != REPORT_FORMAT:
            raise InvalidParameterError(
                f"not a leakage report (format {data.get('format')!r}, expected {REPORT_FORMAT!r}); "
                "make one with  jupyter privacy probe --attack attribute|inversion … --out FILE"
            )
        try:
            interval = data["interval"]
            return cls(
                metric=data["metric"], target=data["target"], value=data["value"],
                interval=tuple(interval) if interval else None, attack=data["attack"],
                attacks=tuple(data["attacks"]), n_members=data["n_members"],
                n_non_members=data["n_non_members"], n_auxiliary=data["n_auxiliary"],
                confidence=data["confidence"], seed=data["seed"], library=data["library"],
                claim=data.get("claim"), notes=tuple(data.get("notes", ())),
            )  # fmt: skip
        except (KeyError, TypeError) as error:
            raise InvalidParameterError(f"leakage report is incomplete: {error}") from None

    @classmethod
    def load(cls, path: str | Path) -> LeakageReport:
        return cls.from_dict(read_json_file(path, "leakage report"))

    def headline(self) -> str:
        """One sentence: the gated figure, its interval, and the two populations' figures."""
        interval = f" [{self.interval[0]:+.3f}, {self.interval[1]:+.3f}]" if self.interval else ""
        figure = self.key
        if self.reads == EXCESS:
            parts = (f"members {self.member_value():+.3f} (n {self.n_members}), non-members "
                     f"{self.non_member_value():+.3f} (n {self.n_non_members})")  # fmt: skip
            gated = f"{self.metric.replace('_', ' ')} {self.value:+.3f}{interval} ({EXCESS}"
            return f"{gated}: {figure} {parts}; {self.attack})"
        return (f"{self.metric.replace('_', ' ')} {self.value:+.3f}{interval} on {self.n_members} "
                f"members ({self.attack}); {self.non_member_value():+.3f} on non-members")  # fmt: skip

    def summary(self) -> str:
        lines = [
            f"{self.kind} probe on '{self.target}' ({self.library}): {self.n_members} members, "
            f"{self.n_non_members} non-members, {self.n_auxiliary} rows known to the attacker, "
            f"seed {self.seed}"
        ]
        for attack in self.attacks:
            lines.append(f"  {attack['name']} ({attack['method']}) vs {attack['baseline']}:")
            for population in POPULATIONS:
                label = population.replace("_", "-") + ":"
                lines.append(f"    {label:<13}{_population_line(attack[population])}")
            gated = attack["gated"]
            if gated["reads"] == EXCESS:
                low, high = gated["interval"]
                lines.append(f"    {EXCESS}: {gated['value']:+.3f} [{low:+.3f}, {high:+.3f}]")
        lines.append(f"  headline: {self.headline()}")
        if self.claim:
            lines.append(f"  the model's claim: ε {self.claim['epsilon']:g}, δ "
                         f"{self.claim.get('delta', 0):g}")  # fmt: skip
        lines.extend(f"  note: {note}" for note in self.notes)
        lines.append(f"  note: {AUDIT_EXCEPTION}")
        return "\n".join(lines)


def _population_line(result: dict[str, Any]) -> str:
    if "advantage" in result:
        a, b = result["accuracy_interval"], result["baseline_interval"]
        d = result["advantage_interval"]
        return (f"accuracy {result['accuracy']:.3f} [{a[0]:.3f}, {a[1]:.3f}] vs baseline "
                f"{result['baseline_accuracy']:.3f} [{b[0]:.3f}, {b[1]:.3f}]: advantage "
                f"{result['advantage']:+.3f} [{d[0]:+.3f}, {d[1]:+.3f}] (n {result['n']})")  # fmt: skip
    if "error" in result:
        s = result["similarity_interval"]
        return (f"error {result['error']:.4f} of the range vs baseline {result['baseline_error']:.4f}"
                f": similarity {result['similarity']:+.3f} [{s[0]:+.3f}, {s[1]:+.3f}] "
                f"(n {result['n']})")  # fmt: skip
    return (f"similarity {result['similarity']:+.3f} to the class means (per class "
            f"{result['similarity_min']:+.3f} to {result['similarity_max']:+.3f}); "
            f"{result['identified']:.0%} of {result['classes']} classes identified "
            f"(chance {1 / result['classes']:.0%})")  # fmt: skip


def headline_of(attacks: list[dict[str, Any]]) -> tuple[str, float, tuple[float, float] | None]:
    """The strongest attack by its gated figure: its name, figure and interval."""
    best = max(attacks, key=lambda a: a["gated"]["value"])
    interval = best["gated"]["interval"]
    return best["name"], float(best["gated"]["value"]), tuple(interval) if interval else None


def exposure_note(attacks: list[dict[str, Any]], key: str) -> tuple[str, ...]:
    """A note when the outputs reveal the figure for non-members too (DP does not bound that)."""
    lows = [a["non_members"][f"{key}_interval"][0] for a in attacks]
    if max(lows) <= _EXPOSED:
        return ()
    return (f"the model's outputs reveal this for people outside the training data too (non-"
            f"members' {key} interval starts at {max(lows):+.3f}): an attacker who sees the "
            "model's answer on a person's own record learns it, whether or not they were trained "
            "on; DP does not bound this, training without the attribute does",)  # fmt: skip


def leakage_gate(report: LeakageReport, maximum: float) -> GateResult:
    if not 0 <= maximum <= 1 or math.isnan(maximum):
        raise InvalidParameterError(f"{report.metric} limit must be in [0, 1], got {maximum}")
    passed = report.value <= maximum
    verb = "within" if passed else "above"
    return GateResult(
        f"{report.metric}[{report.target}]", passed, round(report.value, 4), maximum,
        f"{report.headline()}: {verb} the limit {maximum:g}",
    )  # fmt: skip


def unmeasured_gate(metric: str, maximum: float) -> GateResult:
    """A threat-model criterion no report measured: it fails rather than passing unseen."""
    attack = "attribute" if metric == "attribute_inference_advantage" else "inversion"
    return GateResult(
        metric, False, None, maximum,
        f"the threat model limits {metric.replace('_', ' ')} to {maximum:g} but no {METRICS[metric]} "
        f"report was given: run  jupyter privacy probe --attack {attack} … --out FILE  and pass "
        "it with --probe-report",
    )  # fmt: skip


def load_report(path: str | Path) -> Any:
    """A saved probe report of either family (membership, or attribute inference / inversion)."""
    data = read_json_file(path, "probe report")
    if isinstance(data, dict) and data.get("format") == REPORT_FORMAT:
        return LeakageReport.from_dict(data)
    if isinstance(data, dict) and data.get("format") == MEMBERSHIP_FORMAT:
        return ProbeReport.from_dict(data)
    found = data.get("format") if isinstance(data, dict) else type(data).__name__
    raise InvalidParameterError(
        f"{path} is not a probe report (format {found!r}); make one with  jupyter privacy probe … "
        "--out FILE"
    )
