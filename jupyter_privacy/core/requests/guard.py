"""The plan guard: while a request's code runs, every spend on its ledger is checked against the
approved plan *before* anything is computed or recorded, then attributed to the run.

It wraps one `Ledger` object's `spend` (the path `PrivateTable`, `train_dp_sgd` and
`train_federated` all take), so honest code that uses the data it was handed cannot release more,
or other, than the owner approved. It is not a sandbox: code that opens a ledger of its own goes
around it, which the runner's check of the recorded releases catches only for releases made under
the run's origin. Approval is the control against code written to cheat.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from jupyter_privacy.core.ledger import Ledger, Release
from jupyter_privacy.core.requests.plan import Plan, PlanTally, ReleaseFacts
from jupyter_privacy.core.validation import check_delta, check_epsilon


class PlanGuard:
    """Install with `PlanGuard(ledger, plan, budget=…, origin=…)`; `releases` lists what was made."""

    def __init__(self, ledger: Ledger, plan: Plan, *, budget: str, origin: str,
                 report: Path | None = None) -> None:  # fmt: skip
        self.plan, self.budget, self.origin, self.report = plan, budget, origin, report
        self.tally = PlanTally()
        self.releases: list[Release] = []
        self._lock = threading.Lock()
        original = ledger.spend

        def guarded_spend(
            budget: str, epsilon: float, delta: float = 0.0, **options: Any
        ) -> Release:
            facts = ReleaseFacts.of(
                budget=str(budget).strip(), epsilon=check_epsilon(epsilon), delta=check_delta(delta),
                description=str(options.get("description", "")), details=options.get("details"),
                replay_key=options.get("replay_key"),
            )  # fmt: skip
            with self._lock:  # one planned release per spend, even from threads
                index = self.plan.match(facts, self.tally, self.budget)
                self.tally.add(index, facts)
            try:
                release = original(budget, epsilon, delta, **{**options, "origin": self.origin})
            except BaseException:
                with self._lock:
                    self.tally.remove(index, facts)
                raise
            with self._lock:
                self.releases.append(release)
                self._write_report()
            return release

        ledger.spend = guarded_spend  # type: ignore[method-assign]

    def _write_report(self) -> None:
        """The ids made so far, for the runner (written after each release: a crash keeps them)."""
        if self.report is None:
            return
        fd, staged = tempfile.mkstemp(dir=self.report.parent, prefix=".releases-")
        with os.fdopen(fd, "w") as handle:
            json.dump([release.id for release in self.releases], handle)
        os.replace(staged, self.report)
