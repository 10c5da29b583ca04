"""Where each step's gate verdicts are kept: `<out>/gates/<step>.json`, read back by the runner."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from jupyter_privacy.core.reports.verdict import GateResult


def record_gates(results: Iterable[GateResult], out_dir: str | Path, step: str) -> Path:
    """Store a step's verdicts (replacing that step's earlier ones) and return the file."""
    folder = Path(out_dir) / "gates"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{step}.json"
    payload = [{**r.to_dict(), "step": step} for r in results]
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def load_gates(out_dir: str | Path) -> list[tuple[str, GateResult]]:
    """Every recorded verdict as (step, result), in step order."""
    results: list[tuple[str, GateResult]] = []
    for path in sorted((Path(out_dir) / "gates").glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            step = item.pop("step", path.stem)
            results.append((step, GateResult(**item)))
    return results
