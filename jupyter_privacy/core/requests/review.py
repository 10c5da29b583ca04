"""What the data owner reads before deciding: the code, what each planned release costs and how
accurate it will be, the budget left, review hints, and the findings of the review checks.

Nothing here reads private data or spends: query previews are OpenDP's calibration on the mock
(which has the private data's declarations, and previews never look at rows), training previews
are the kit's accountants. Review checks are a hook: the policy module (issue #19) registers its
own with `register_review_check`; a finding at level "block" stops an approval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_privacy.core.ledger import Budget, Ledger
from jupyter_privacy.core.requests.code import review_hints
from jupyter_privacy.core.requests.datasets import Dataset, get_dataset
from jupyter_privacy.core.requests.plan import DpSgdTraining, FederatedTraining, PlanItem, Query
from jupyter_privacy.core.requests.records import RequestRecord


def training_note(item: DpSgdTraining | FederatedTraining) -> str:
    """What the planned ε covers besides the model: the training's validation figures."""
    if item.validation_public:
        return ("the plan lets the code declare its validation rows public: their exact accuracy "
                "and loss are then released outside ε; approve only if those rows are public")  # fmt: skip
    return ("the planned ε also covers the validation accuracy the training releases with DP "
            "(its validation_epsilon, taken from the same ε, leaves the model less); exact "
            "validation figures are refused because the plan does not set validation_public")  # fmt: skip


@dataclass(frozen=True)
class Finding:
    level: str  # "info", "warn" or "block"
    text: str


ReviewCheck = Callable[[Dataset, RequestRecord, Budget], list[Finding]]
REVIEW_CHECKS: list[ReviewCheck] = []


def register_review_check(check: ReviewCheck) -> ReviewCheck:
    """Add a check run on every review and approval (usable as a decorator)."""
    if check not in REVIEW_CHECKS:
        REVIEW_CHECKS.append(check)
    return check


@register_review_check
def budget_check(dataset: Dataset, record: RequestRecord, budget: Budget) -> list[Finding]:
    findings = []
    if record.plan.epsilon > budget.epsilon_remaining * (1 + 1e-9):
        findings.append(Finding("block", f"the plan needs ε {record.plan.epsilon:g}; budget "
                                f"'{budget.name}' has ε {budget.epsilon_remaining:g} left"))  # fmt: skip
    if record.plan.delta > budget.delta_remaining * (1 + 1e-9) + 1e-15:
        findings.append(Finding("block", f"the plan needs δ {record.plan.delta:g}; budget "
                                f"'{budget.name}' has δ {budget.delta_remaining:g} left"))  # fmt: skip
    return findings


@register_review_check
def dataset_check(dataset: Dataset, record: RequestRecord, budget: Budget) -> list[Finding]:
    findings = []
    if dataset.event_id != record.dataset_event:
        findings.append(Finding("block", f"dataset '{dataset.name}' was registered again after "
                                "this request was written; the scientist must submit it again"))  # fmt: skip
    if dataset.high_risk:
        findings.append(Finding("warn", f"dataset '{dataset.name}' is marked high-risk by its "
                                "owner: follow your organisation's policy for who may approve"))  # fmt: skip
    return findings


def run_checks(ledger: Ledger, record: RequestRecord) -> list[Finding]:
    dataset = get_dataset(ledger, record.dataset)
    budget = ledger.budget(record.budget)
    return [finding for check in REVIEW_CHECKS for finding in check(dataset, record, budget)]


def preview_item(item: PlanItem, dataset: Dataset, ledger: Ledger) -> str:
    """Accuracy (queries) or noise and ε statement (trainings) of one planned release."""
    if isinstance(item, Query):
        return str(dataset.mock_table(ledger).preview(item.query, item.epsilon, delta=item.delta))
    if isinstance(item, DpSgdTraining):
        if dataset.public_rows is None:
            return (f"DP-SGD: the noise for ε {item.epsilon:g} depends on the number of training "
                    "rows, which the owner has not declared public; the runner lets the training "
                    f"charge at most ε {item.epsilon:g}, δ {item.delta:g}. Note: {training_note(item)}")  # fmt: skip
        from jupyter_privacy.core.training.train import plan_training

        plan = plan_training(
            dataset_size=dataset.public_rows, batch_size=item.batch_size, epochs=item.epochs,
            clip_norm=item.clip_norm, noise_multiplier=None, target_epsilon=item.epsilon,
            learning_rate=0.1, delta=item.delta, sampling=item.sampling, accountant=item.accountant,
        )  # fmt: skip
        return (f"DP-SGD on {dataset.public_rows} rows: noise multiplier {plan.noise_multiplier:.4g}; "
                f"{plan.planned.describe()}. Note: {training_note(item)}")  # fmt: skip
    assert isinstance(item, FederatedTraining)
    from jupyter_privacy.core.federated.plan import plan_federated

    federated = plan_federated(
        clients=item.clients, clients_per_round=item.clients_per_round, rounds=item.rounds,
        clipping_norm=item.clipping_norm, target_epsilon=item.epsilon, delta=item.delta,
        mode=item.mode, accountant=item.accountant,
    )  # fmt: skip
    return federated.statement() + f"Note: {training_note(item)}"


@dataclass(frozen=True)
class Review:
    record: RequestRecord
    dataset: Dataset
    budget: Budget
    previews: tuple[str, ...]
    hints: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def blocked(self) -> bool:
        return any(f.level == "block" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "request": self.record.to_dict(), "dataset": self.dataset.to_dict(),
            "budget": {"name": self.budget.name, "epsilon_remaining": self.budget.epsilon_remaining,
                       "delta_remaining": self.budget.delta_remaining},
            "plan": [{"item": item.describe(), "preview": preview}
                     for item, preview in zip(self.record.plan.items, self.previews, strict=True)],
            "hints": list(self.hints),
            "findings": [{"level": f.level, "text": f.text} for f in self.findings],
            "blocked": self.blocked,
        }  # fmt: skip

    def text(self) -> str:
        r = self.record
        lines = [
            f"request {r.id}: {r.title}  [{r.status}]",
            f"  submitted by {r.scientist} at {r.submitted_at} for dataset '{r.dataset}' "
            f"(budget '{r.budget}': ε {self.budget.epsilon_remaining:g}, δ "
            f"{self.budget.delta_remaining:g} left)",
        ]
        if r.description:
            lines.append(f"  {r.description}")
        kind = f"function {r.code.entry_point}(data)" if r.code.entry_point else "notebook"
        lines += ["", f"code ({kind}, SHA-256 {r.code.sha256}):", _indent(r.source), "",
                  "planned releases:"]  # fmt: skip
        for number, (item, preview) in enumerate(zip(r.plan.items, self.previews, strict=True), 1):
            lines += [f"  {number}. {item.describe()}", _indent(preview, "     ")]
        lines.append(f"  total: ε ≤ {r.plan.epsilon:g}, δ ≤ {r.plan.delta:g} (basic composition)")
        lines += ["", "review hints (a reading aid, not a security check):"]
        lines += [f"  - {hint}" for hint in self.hints] or ["  - none"]
        if self.findings:
            lines += ["", "checks:"] + [f"  [{f.level}] {f.text}" for f in self.findings]
        lines += _decision_lines(r)
        return "\n".join(lines)


def _decision_lines(r: RequestRecord) -> list[str]:
    lines = [""]
    if r.decision is not None:
        verb = "approved" if r.decision.approved else "denied"
        lines.append(f"{verb} by {r.decision.actor} at {r.decision.at}: {r.decision.reason or '—'}")
    if r.run is not None:
        lines.append(f"run by {r.run.actor} at {r.run.started_at}: {r.run.outcome or 'running'}; "
                     f"releases {', '.join(map(str, r.run.releases)) or 'none'}")  # fmt: skip
    return lines if len(lines) > 1 else []


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.rstrip().splitlines())


def review_request(ledger: Ledger, record: RequestRecord) -> Review:
    dataset = get_dataset(ledger, record.dataset)
    previews = tuple(preview_item(item, dataset, ledger) for item in record.plan.items)
    return Review(record, dataset, ledger.budget(record.budget), previews,
                  tuple(review_hints(record.source)), tuple(run_checks(ledger, record)))  # fmt: skip
