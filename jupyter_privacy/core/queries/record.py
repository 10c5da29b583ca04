"""What a query release records in the ledger beside its ε: the full privacy statement.

Every ε is stated with its library, accountant, guarantee, privacy unit, sampling assumption, α,
split over the statistics and the noise of each component, so an auditor can read a release
without the notebook that made it.
"""

from __future__ import annotations

import functools
import importlib.metadata
from typing import Any

from jupyter_privacy.core.queries.mechanisms import Calibrated
from jupyter_privacy.core.queries.release import QueryPreview


@functools.cache
def opendp_version() -> str:
    return importlib.metadata.version("opendp")


def ledger_details(
    preview: QueryPreview,
    calibrated: Calibrated,
    fingerprint: str,
    contributions: int,
    bounds: dict[str, tuple[float, float]],
) -> dict[str, Any]:
    approximate = calibrated.threshold is not None
    return {
        "library": f"opendp {opendp_version()}",
        "accountant": "basic composition (ε adds up across statistics and releases)",
        "guarantee": "(ε, δ)-DP: Laplace noise + thresholded private key selection"
        if approximate else "pure ε-DP (δ = 0)",
        "privacy_unit": preview.privacy_unit, "max_contributions": contributions,
        "sampling": "none (the whole table)", "alpha": preview.alpha,
        "epsilon_split": preview.epsilon_split, "threshold": calibrated.threshold,
        "noise": [
            {"statistic": s.name, "epsilon": s.epsilon, "mechanism": c.distribution,
             "component": c.label, "scale": c.scale}
            for s in preview.statistics for c in s.components
        ],
        "data_fingerprint": fingerprint, "bounds": bounds,
    }  # fmt: skip
