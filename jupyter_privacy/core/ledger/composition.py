"""How releases add up inside a budget. A registry selects the rule by name (`basic`, `zcdp`).

Amounts are kept as exact decimals of the floats users pass, so 1,000 spends of ε = 0.001 fill an
ε = 1.0 budget exactly instead of being refused on float round-off.
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass
from typing import Protocol

from jupyter_privacy.core.errors import BudgetExceededError, InvalidParameterError

_CONTEXT = decimal.Context(prec=80)
ZERO = decimal.Decimal(0)


def dec(value: float | str | decimal.Decimal) -> decimal.Decimal:
    """Exact decimal of a float as the user wrote it (repr round-trips)."""
    if isinstance(value, decimal.Decimal):
        return value
    return decimal.Decimal(repr(value) if isinstance(value, float) else value)


def add(a: decimal.Decimal, b: decimal.Decimal) -> decimal.Decimal:
    return _CONTEXT.add(a, b)


@dataclass(frozen=True)
class Usage:
    epsilon: decimal.Decimal
    delta: decimal.Decimal
    rho: decimal.Decimal


@dataclass(frozen=True)
class Spend:
    epsilon: float
    delta: float
    rho: float | None


class CompositionRule(Protocol):
    name: str

    def check(self, budget: str, totals: tuple[float, float], used: Usage, spend: Spend) -> None:
        """Raise BudgetExceededError when `spend` does not fit; never touches storage."""

    def spent(self, totals: tuple[float, float], used: Usage) -> tuple[float, float]:
        """The (ε, δ) consumed so far, as reported to users."""


def _exceeded(budget: str, remaining: tuple[float, float], spend: Spend) -> BudgetExceededError:
    rem_eps, rem_delta = remaining
    return BudgetExceededError(
        f"budget '{budget}' has ε {rem_eps:.6g} and δ {rem_delta:.3g} left; this release asks for "
        f"ε {spend.epsilon:.6g} and δ {spend.delta:.3g}. Nothing was spent. Lower the epsilon, or "
        f"raise the budget explicitly: jupyter privacy budget raise {budget} --epsilon <new total>",
        budget=budget,
        requested_epsilon=spend.epsilon,
        requested_delta=spend.delta,
        remaining_epsilon=rem_eps,
        remaining_delta=rem_delta,
    )


class BasicComposition:
    """Sequential composition: ε and δ of the releases add up."""

    name = "basic"

    def check(self, budget: str, totals: tuple[float, float], used: Usage, spend: Spend) -> None:
        eps_total, delta_total = dec(totals[0]), dec(totals[1])
        new_eps = add(used.epsilon, dec(spend.epsilon))
        new_delta = add(used.delta, dec(spend.delta))
        if new_eps > eps_total or new_delta > delta_total:
            remaining = (
                max(float(eps_total - used.epsilon), 0.0),
                max(float(delta_total - used.delta), 0.0),
            )
            raise _exceeded(budget, remaining, spend)

    def spent(self, totals: tuple[float, float], used: Usage) -> tuple[float, float]:
        return float(used.epsilon), float(used.delta)


def zcdp_epsilon(rho: float, delta: float) -> float:
    """(ε, δ) implied by ρ-zCDP (Bun & Steinke 2016, Prop. 1.3): ε = ρ + 2√(ρ ln(1/δ))."""
    if rho <= 0:
        return 0.0
    return rho + 2.0 * math.sqrt(rho * math.log(1.0 / delta))


def zcdp_rho_for(epsilon: float, delta: float) -> float:
    """Largest ρ whose zCDP→(ε, δ) conversion stays within ε (inverse of `zcdp_epsilon`)."""
    log_term = math.log(1.0 / delta)
    root = -math.sqrt(log_term) + math.sqrt(log_term + epsilon)
    return root * root


class ZCDPComposition:
    """Zero-concentrated DP: ρ of the releases adds up; the budget's (ε, δ) fixes the total ρ.

    A pure ε-DP release costs ρ = ε²/2 when it states no ρ of its own.
    """

    name = "zcdp"

    def _rho(self, spend: Spend) -> float:
        if spend.rho is not None:
            return spend.rho
        if spend.delta > 0:
            raise InvalidParameterError(
                "a zcdp budget needs the release's rho (ρ); an (ε, δ) release with δ > 0 cannot "
                "be converted to zCDP. Pass rho=…, or spend from a 'basic' budget"
            )
        return spend.epsilon * spend.epsilon / 2.0

    def check(self, budget: str, totals: tuple[float, float], used: Usage, spend: Spend) -> None:
        rho_total = dec(zcdp_rho_for(*totals))
        if add(used.rho, dec(self._rho(spend))) > rho_total:
            eps_spent, _ = self.spent(totals, used)
            raise _exceeded(budget, (max(totals[0] - eps_spent, 0.0), 0.0), spend)

    def charged_rho(self, spend: Spend) -> float:
        return self._rho(spend)

    def spent(self, totals: tuple[float, float], used: Usage) -> tuple[float, float]:
        rho = float(used.rho)
        return (min(zcdp_epsilon(rho, totals[1]), totals[0]), totals[1] if rho > 0 else 0.0)


COMPOSITION_RULES: dict[str, CompositionRule] = {
    rule.name: rule for rule in (BasicComposition(), ZCDPComposition())
}


def composition_rule(name: str) -> CompositionRule:
    try:
        return COMPOSITION_RULES[name]
    except KeyError:
        known = ", ".join(sorted(COMPOSITION_RULES))
        raise InvalidParameterError(
            f"unknown composition rule {name!r}; use one of: {known}", parameter="composition"
        ) from None
