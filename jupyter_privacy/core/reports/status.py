"""Plain-text status tables of budgets and releases, shared by the CLI, magics and the pilot."""

from __future__ import annotations

from collections.abc import Iterable

from jupyter_privacy.core.ledger.models import Budget, Release
from jupyter_privacy.core.safe_text import escape_controls as safe


def budget_rows(budgets: Iterable[Budget]) -> list[list[str]]:
    return [
        [
            b.name,
            f"{b.epsilon_spent:.4g} / {b.epsilon_total:.4g}",
            f"{b.epsilon_remaining:.4g}",
            f"{b.delta_spent:.2g} / {b.delta_total:.2g}",
            str(b.release_count),
            b.composition,
            safe(f"{b.privacy_unit} (≤{b.max_contributions})"),
        ]
        for b in budgets
    ]


BUDGET_HEADERS = ["budget", "ε spent / total", "ε left", "δ spent / total", "releases",
                  "composition", "privacy unit"]  # fmt: skip


def budget_table(budgets: Iterable[Budget]) -> str:
    from tabulate import tabulate  # ~0.1 s: only for text output

    rows = budget_rows(budgets)
    if not rows:
        return "no budgets yet: create one with  jupyter privacy budget create NAME --epsilon E"
    return tabulate(rows, headers=BUDGET_HEADERS, tablefmt="simple")


def release_table(releases: Iterable[Release]) -> str:
    from tabulate import tabulate

    rows = [
        [r.id, r.created_at[:19].replace("T", " "), f"{r.epsilon:.4g}", f"{r.delta:.2g}",
         safe(r.mechanism or "-"), safe(r.description or "-"), safe(r.origin)]
        for r in releases
    ]  # fmt: skip
    if not rows:
        return "no releases yet"
    headers = ["id", "time (UTC)", "ε", "δ", "mechanism", "description", "origin"]
    return tabulate(rows, headers=headers, tablefmt="simple")
