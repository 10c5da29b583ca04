"""The words shared by `jupyter privacy epsilon|noise|epochs` and `%dp_epsilon`: argument definitions,
the computation each runs, and the text/JSON it shows. One implementation, two thin front ends.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from jupyter_privacy.core.accounting.setting import (
    ACCOUNTANT_NAMES,
    PRIVACY_UNIT,
    SAMPLINGS,
    DpSgdSetting,
    default_delta,
    large_delta_warning,
)
from jupyter_privacy.core.errors import InvalidParameterError

#: The accountants' names only: declaring the arguments must not load dp-accounting and scipy
#: (~1 s); the functions below import them on first use.
ACCOUNTANTS = ACCOUNTANT_NAMES


def _number(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None

    parse.__name__ = kind.__name__
    return parse


def add_run_arguments(parser: argparse.ArgumentParser, *, epochs_required: bool = True) -> None:
    """Dataset size, batch size, epochs/steps, δ and the sampling/microbatching assumptions."""
    parser.add_argument("--dataset-size", type=_number(int), required=True, metavar="N")
    parser.add_argument("--batch-size", type=_number(int), required=True, metavar="B")
    length = parser.add_mutually_exclusive_group(required=epochs_required)
    length.add_argument("--epochs", type=_number(float), metavar="E", help="passes over the data")
    length.add_argument("--steps", type=_number(int), metavar="S", help="optimizer steps instead")
    parser.add_argument(
        "--delta", type=_number(float), default=None, metavar="D",
        help="δ (default: the largest power of ten ≤ 1/(10·N)); must be below 1/N",
    )  # fmt: skip
    parser.add_argument(
        "--microbatching", action="store_true",
        help="microbatches of more than one example were used (doubles the sensitivity)",
    )  # fmt: skip


def add_epsilon_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser)
    parser.add_argument("--noise-multiplier", type=_number(float), required=True, metavar="σ")
    parser.add_argument(
        "--accountant", choices=[*ACCOUNTANTS, "all"], default="all",
        help="rdp (current conversion), rdp-classic (tutorial-era conversion), pld, or all",
    )  # fmt: skip
    parser.add_argument(
        "--sampling", choices=[*SAMPLINGS, "both"], default="both",
        help="poisson (amplified; needs Poisson batches) or shuffle (Keras fit); default both",
    )  # fmt: skip
    parser.add_argument("--statement", action="store_true", help="print the privacy statement")


def add_target_arguments(parser: argparse.ArgumentParser, *, epochs_required: bool) -> None:
    parser.add_argument("--target-epsilon", type=_number(float), required=True, metavar="ε")
    add_run_arguments(parser, epochs_required=epochs_required)
    parser.add_argument("--accountant", choices=list(ACCOUNTANTS), default="rdp")
    parser.add_argument("--sampling", choices=list(SAMPLINGS), default="poisson")


def _setting(
    args: argparse.Namespace, noise_multiplier: float, *, epochs: float | None = None,
    strict_delta: bool = True,
) -> DpSgdSetting:  # fmt: skip
    delta = args.delta if args.delta is not None else default_delta(args.dataset_size)
    steps = None if epochs is not None else args.steps
    return DpSgdSetting(
        dataset_size=args.dataset_size, batch_size=args.batch_size,
        noise_multiplier=noise_multiplier, delta=delta, epochs=epochs or args.epochs, steps=steps,
        sampling=args.sampling if args.sampling in SAMPLINGS else "poisson",
        microbatching=args.microbatching, strict_delta=strict_delta,
    )  # fmt: skip


def epsilon_report(args: argparse.Namespace) -> dict[str, Any]:
    """A calculator: δ ≥ 1/n is computed and warned about (spending refuses it)."""
    setting = _setting(args, args.noise_multiplier, strict_delta=False)
    accountants = tuple(ACCOUNTANTS) if args.accountant == "all" else (args.accountant,)
    samplings = tuple(SAMPLINGS) if args.sampling == "both" else (args.sampling,)
    check_work(setting, accountants, samplings)
    results = compare_accountants(setting, accountants, samplings)
    report: dict[str, Any] = {
        "setting": setting.with_changes(sampling=samplings[0]).to_dict(),
        "privacy_unit": PRIVACY_UNIT,
        "results": [r.to_dict() for r in results],
    }
    report["setting"].pop("sampling")
    warning = large_delta_warning(setting.delta, setting.dataset_size)
    if warning:
        report["warnings"] = [warning + "; training and the ledger refuse it"]
    if args.statement:
        report["statement"] = privacy_statement(setting, accountants)
    return report


def noise_report(args: argparse.Namespace) -> dict[str, Any]:
    delta = args.delta if args.delta is not None else default_delta(args.dataset_size)
    calibration = noise_for_target_epsilon(
        args.target_epsilon, dataset_size=args.dataset_size, batch_size=args.batch_size,
        delta=delta, epochs=args.epochs, steps=args.steps, sampling=args.sampling,
        microbatching=args.microbatching, accountant=args.accountant,
    )  # fmt: skip
    return calibration.to_dict()


def epochs_report(args: argparse.Namespace) -> dict[str, Any]:
    setting = _setting(args, args.noise_multiplier, epochs=1.0)
    epochs, result = max_epochs_for_target(args.target_epsilon, setting, accountant=args.accountant)
    return {
        "target_epsilon": args.target_epsilon,
        "max_epochs": epochs,
        "achieved": result.to_dict(),
    }


def format_epsilon_report(report: dict[str, Any]) -> str:
    s = report["setting"]
    length = f"{s['epochs']:g} epochs" if s["epochs"] is not None else f"{s['steps']} steps"
    lines = [
        f"DP-SGD: n={s['dataset_size']}, batch={s['batch_size']}, σ={s['noise_multiplier']:g}, "
        f"{length}, δ={s['delta']:g}; privacy unit: {report['privacy_unit']}",
        f"{'accountant':<13}{'sampling':<10}{'ε':>10}   conversion",
    ]
    for r in report["results"]:
        lines.append(
            f"{r['accountant']:<13}{r['sampling']:<10}{r['epsilon']:>10.4g}   {r['conversion']}"
        )
    if any(r["epsilon"] == 0 for r in report["results"]):
        lines.append(ZERO_EPSILON_NOTE)
    lines.append("poisson: " + _note(report, "poisson"))
    lines.append("shuffle: " + _note(report, "shuffle"))
    lines += [f"warning: {warning}" for warning in report.get("warnings", [])]
    if "statement" in report:
        lines += ["", report["statement"].rstrip()]
    return "\n".join(line for line in lines if not line.endswith(": "))


def _note(report: dict[str, Any], sampling: str) -> str:
    notes = [r["sampling_note"] for r in report["results"] if r["sampling"] == sampling]
    return notes[0] if notes else ""


def format_noise_report(report: dict[str, Any]) -> str:
    a = report["achieved"]
    if a["epsilon"] > 0:
        reached = (f"gives ε = {a['epsilon']:.6g} ≤ target {report['target_epsilon']:.6g} at "
                   f"δ = {a['delta']:.6g}")  # fmt: skip
    else:  # the accountant's bound is all in δ: "ε = 0" alone would read as perfect privacy
        reached = (
            f"meets target ε {report['target_epsilon']:.6g} only because δ = {a['delta']:.6g} "
            "covers the whole privacy loss: the accountant bounds it as (0, δ)-DP, a guarantee only "
            "as strong as δ; for a meaningful ε target, lower δ"
        )
    return (
        f"noise multiplier σ = {report['noise_multiplier']:.6g} {reached} ({a['accountant']}, "
        f"{a['sampling']} sampling, {a['compositions']} compositions; privacy unit: {a['privacy_unit']})"
    )


def format_epochs_report(report: dict[str, Any]) -> str:
    a = report["achieved"]
    return (
        f"at most {report['max_epochs']} epochs: ε = {a['epsilon']:.6g} ≤ target "
        f"{report['target_epsilon']:.6g} at δ = {a['delta']:.6g} ({a['accountant']}, {a['sampling']} "
        f"sampling, σ = {a['noise_multiplier']:g}; privacy unit: {a['privacy_unit']})"
    )


# -- bounded work, and the accountants loaded on first use ------------------------------------------

#: Beyond these the work is refused, not attempted: RDP handles any count, but PLD's support (its
#: memory and time) grows with ε (about 1 GB at ε 250; `--epochs 1e12` asked for 221 TiB).
MAX_STEPS = 10**12
PLD_MAX_EPSILON = 200.0
ZERO_EPSILON_NOTE = (
    "ε 0: the accountant bounds the privacy loss as (0, δ)-DP, a guarantee only as strong as δ"
)


def check_work(setting: DpSgdSetting, accountants: tuple[str, ...],
               samplings: tuple[str, ...]) -> None:  # fmt: skip
    """Refuse settings whose accounting would not finish in bounded memory and time."""
    from jupyter_privacy.core.accounting.accountants import dp_sgd_epsilon

    if setting.total_steps > MAX_STEPS:
        raise InvalidParameterError(
            f"{setting.total_steps:.3g} optimizer steps is beyond what the accountants are meant "
            f"for (at most {MAX_STEPS:.0e}); check --epochs/--steps and --dataset-size",
            parameter="epochs",
        )
    if "pld" not in accountants:
        return
    for sampling in samplings:
        bound = dp_sgd_epsilon(setting.with_changes(sampling=sampling), "rdp").epsilon
        if bound > PLD_MAX_EPSILON:
            raise InvalidParameterError(
                f"ε is about {bound:.3g} under RDP ({sampling} sampling): no meaningful privacy, "
                f"and too large for PLD accounting, whose work grows with ε (limit "
                f"{PLD_MAX_EPSILON:g}). Use --accountant rdp, or fewer epochs / more noise",
                parameter="accountant",
            )


if TYPE_CHECKING:
    from jupyter_privacy.core.accounting.accountants import EpsilonResult
    from jupyter_privacy.core.accounting.calibrate import NoiseCalibration


def compare_accountants(*args: Any, **kwargs: Any) -> list[EpsilonResult]:
    from jupyter_privacy.core.accounting import accountants

    return accountants.compare_accountants(*args, **kwargs)


def privacy_statement(*args: Any, **kwargs: Any) -> str:
    from jupyter_privacy.core.accounting import statement

    return statement.privacy_statement(*args, **kwargs)


def noise_for_target_epsilon(*args: Any, **kwargs: Any) -> NoiseCalibration:
    from jupyter_privacy.core.accounting import calibrate

    return calibrate.noise_for_target_epsilon(*args, **kwargs)


def max_epochs_for_target(*args: Any, **kwargs: Any) -> tuple[int, EpsilonResult]:
    from jupyter_privacy.core.accounting import calibrate

    return calibrate.max_epochs_for_target(*args, **kwargs)
