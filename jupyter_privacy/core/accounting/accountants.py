"""ε for a DP-SGD run under several accountants, each result carrying every assumption it rests on.

Accountants (a registry selects by name, as in Opacus):

- ``rdp``: Rényi DP (dp-accounting), converted to (ε, δ) with the current, tighter bound
  (Canonne, Kamath & Steinke 2020, Prop. 12 / Asoodeh et al. 2020) — TF Privacy ≥ 0.8.9, Opacus ≥ 1.0.
- ``rdp-classic``: the same RDP curve converted with the classic bound ε = min_α RDP(α) +
  log(1/δ)/(α−1) (Mironov 2017, Prop. 3) over TF Privacy's historical orders: the number older
  TF Privacy and Opacus tutorials printed. It is valid but looser; shown so users see why.
- ``pld``: privacy-loss distributions (dp-accounting), numerically near-exact; usually smallest.

The RDP of one step depends only on (q, σ, orders), so it is cached: sweeping epochs, solving for
epochs and writing statements reuse it, and only a new σ pays for the series expansion.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from jupyter_privacy.core.accounting.setting import (
    PRIVACY_UNIT,
    SAMPLING_NOTES,
    DpSgdSetting,
    dp_event,
)
from jupyter_privacy.core.errors import InvalidParameterError

Curve = npt.NDArray[np.float64]

#: RDP orders of TF Privacy's compute_dp_sgd_privacy and its tutorials (the "classic" list).
CLASSIC_RDP_ORDERS: tuple[float, ...] = (
    *(1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 4.5),
    *(float(a) for a in range(5, 64)),
    *(128.0, 256.0, 512.0),
)

CONVERSIONS = {
    "rdp": "RDP→(ε,δ) by Canonne-Kamath-Steinke 2020 Prop. 12 (dp-accounting, current)",
    "rdp-classic": "RDP→(ε,δ) by Mironov 2017 Prop. 3, ε = RDP(α) + log(1/δ)/(α−1) (classic)",
    "pld": "privacy-loss distribution, exact up to discretisation (dp-accounting PLD)",
}


@dataclass(frozen=True)
class EpsilonResult:
    """One ε with the assumptions needed to read it correctly."""

    epsilon: float
    delta: float
    accountant: str
    conversion: str
    sampling: str
    sampling_note: str
    privacy_unit: str
    compositions: int  # mechanisms composed: optimizer steps (poisson) or passes (shuffle)
    noise_multiplier: float
    sampling_probability: float
    microbatching: bool
    optimal_order: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        return (
            f"ε = {self.epsilon:.4g} at δ = {self.delta:g} ({self.accountant}; {self.sampling} "
            f"sampling; privacy unit: {self.privacy_unit})"
        )


@functools.lru_cache(maxsize=4096)
def _rdp_one_step(sampling: str, q: float, sigma: float, orders: tuple[float, ...]) -> Curve:
    """RDP curve of one DP-SGD step (Poisson) or one full pass (shuffle) at the given orders."""
    import dp_accounting

    accountant = dp_accounting.rdp.RdpAccountant(list(orders))
    gaussian = dp_accounting.GaussianDpEvent(sigma)
    event = dp_accounting.PoissonSampledDpEvent(q, gaussian) if sampling == "poisson" else gaussian
    accountant.compose(event)
    curve: Curve = accountant.rdp
    curve.setflags(write=False)
    return curve


@functools.lru_cache(maxsize=1)
def default_rdp_orders() -> tuple[float, ...]:
    from dp_accounting.rdp.rdp_privacy_accountant import DEFAULT_RDP_ORDERS

    return tuple(float(a) for a in DEFAULT_RDP_ORDERS)


def rdp_curve(setting: DpSgdSetting, orders: tuple[float, ...] | None = None) -> Curve:
    """RDP of the whole run at `orders` (default: dp-accounting's)."""
    orders = orders or default_rdp_orders()
    count = setting.total_steps if setting.sampling == "poisson" else setting.passes
    one = _rdp_one_step(
        setting.sampling,
        setting.sampling_probability,
        setting.effective_noise_multiplier,
        orders,
    )
    return one * count


def _result(setting: DpSgdSetting, name: str, eps: float, order: float | None) -> EpsilonResult:
    return EpsilonResult(
        epsilon=float(eps),
        delta=setting.delta,
        accountant=name,
        conversion=CONVERSIONS[name],
        sampling=setting.sampling,
        sampling_note=SAMPLING_NOTES[setting.sampling],
        privacy_unit=PRIVACY_UNIT,
        compositions=setting.total_steps if setting.sampling == "poisson" else setting.passes,
        noise_multiplier=setting.noise_multiplier,
        sampling_probability=setting.sampling_probability,
        microbatching=setting.microbatching,
        optimal_order=None if order is None else float(order),
    )


#: Orders above this are only tried when the optimum sits at the top of the smaller ones: their RDP
#: costs most of the time (a series with α terms), and they only matter for very large ε.
_LAZY_ORDER_THRESHOLD = 64.0
#: Coarse pass: every 4th order; the fine pass fills in the orders around the coarse optimum.
_COARSE_STRIDE = 4


def _minimise(
    setting: DpSgdSetting,
    orders: tuple[float, ...],
    convert: Callable[[Curve, Curve, float], tuple[float, float]],
) -> tuple[float, float]:
    """ε and its order, computing RDP at few orders: a coarse pass, then the neighbours of its
    optimum, then the large orders only if the optimum is on the boundary.

    Any order gives a valid (ε, δ) bound, so skipping orders is always sound; because ε(α) is
    unimodal in α the refined minimum equals dp-accounting's over all orders (tests check this).
    """
    small = sorted(a for a in orders if a <= _LAZY_ORDER_THRESHOLD)
    coarse = small[::_COARSE_STRIDE] + ([small[-1]] if (len(small) - 1) % _COARSE_STRIDE else [])
    eps, order = _best(setting, tuple(coarse), convert)
    index = coarse.index(order)
    low = small.index(coarse[max(index - 1, 0)])
    high = small.index(coarse[min(index + 1, len(coarse) - 1)])
    eps, order = min((eps, order), _best(setting, tuple(small[low : high + 1]), convert))
    if len(small) == len(orders) or order < small[-1]:
        return eps, order
    return _best(setting, tuple(orders), convert)


def _best(
    setting: DpSgdSetting,
    orders: tuple[float, ...],
    convert: Callable[[Curve, Curve, float], tuple[float, float]],
) -> tuple[float, float]:
    return convert(np.array(orders), rdp_curve(setting, orders), setting.delta)


def current_epsilon(orders: Curve, rdp: Curve, delta: float) -> tuple[float, float]:
    """dp-accounting's conversion (Canonne-Kamath-Steinke 2020, Prop. 12)."""
    from dp_accounting.rdp.rdp_privacy_accountant import compute_epsilon

    eps, order = compute_epsilon(orders, rdp, delta)
    return float(eps), float(order)


def classic_epsilon(orders: Curve, rdp: Curve, delta: float) -> tuple[float, float]:
    """Mironov 2017 Prop. 3: ε = min over α of RDP(α) + log(1/δ)/(α − 1)."""
    with np.errstate(invalid="ignore"):
        candidates = rdp + math.log(1.0 / delta) / (orders - 1.0)
    index = int(np.nanargmin(candidates))
    return float(candidates[index]), float(orders[index])


def _rdp(setting: DpSgdSetting) -> EpsilonResult:
    eps, order = _minimise(setting, default_rdp_orders(), current_epsilon)
    return _result(setting, "rdp", eps, order)


def _rdp_classic(setting: DpSgdSetting) -> EpsilonResult:
    eps, order = _minimise(setting, CLASSIC_RDP_ORDERS, classic_epsilon)
    return _result(setting, "rdp-classic", eps, order)


def _pld(setting: DpSgdSetting) -> EpsilonResult:
    import dp_accounting

    accountant = dp_accounting.pld.PLDAccountant()
    accountant.compose(dp_event(setting))
    return _result(setting, "pld", accountant.get_epsilon(setting.delta), None)


ACCOUNTANTS: dict[str, Callable[[DpSgdSetting], EpsilonResult]] = {
    "rdp": _rdp,
    "rdp-classic": _rdp_classic,
    "pld": _pld,
}
DEFAULT_ACCOUNTANT = "rdp"


def check_accountant(name: Any) -> str:
    if name not in ACCOUNTANTS:
        raise InvalidParameterError(
            f"unknown accountant {name!r}; use one of: {', '.join(ACCOUNTANTS)}",
            parameter="accountant",
        )
    return str(name)


def dp_sgd_epsilon(setting: DpSgdSetting, accountant: str = DEFAULT_ACCOUNTANT) -> EpsilonResult:
    """ε of the run under one accountant."""
    return ACCOUNTANTS[check_accountant(accountant)](setting)


def compare_accountants(
    setting: DpSgdSetting,
    accountants: tuple[str, ...] = tuple(ACCOUNTANTS),
    samplings: tuple[str, ...] = ("poisson", "shuffle"),
) -> list[EpsilonResult]:
    """ε side by side: every accountant under every sampling assumption."""
    return [
        dp_sgd_epsilon(setting.with_changes(sampling=sampling), name)
        for sampling in samplings
        for name in accountants
    ]
