"""`jupyter privacy probe | card | check`: privacy tests and release artifacts (`checklist` and
`threat-model` are in compliance.py). Thin: parsing and printing here, everything else in
core/probes and core/reports. Exit 1 when a gate fails (2 stays for usage errors)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from jupyter_privacy.cli import inference_probe
from jupyter_privacy.cli.output import (
    add_common,
    check_out,
    delta_arg,
    epsilon_arg,
    open_from_args,
    print_json,
)

if TYPE_CHECKING:  # the probes bring scipy (~1 s): imported by the commands that use them
    from jupyter_privacy.core.probes.gate import ProbeLimit
    from jupyter_privacy.core.reports.verdict import GateResult

EXIT_GATE_FAILED = 1


def register(sub: Any) -> None:
    _register_probe(sub)
    _register_card(sub)
    _register_check(sub)


def _add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-tpr-at-fpr", metavar="T@F", action="append", default=[],
                        help="gate: TPR at FPR F must be ≤ T, e.g. 0.01@0.001 or 1%%@0.1%%")  # fmt: skip
    parser.add_argument("--max-auc", type=float, help="gate: attack AUC must be ≤ this")
    parser.add_argument("--threat-model", metavar="FILE", help="take gate thresholds from it")


def _limits(args: argparse.Namespace) -> list[ProbeLimit]:
    from jupyter_privacy.core.probes.gate import ProbeLimit, parse_tpr_at_fpr

    limits = [parse_tpr_at_fpr(text) for text in args.max_tpr_at_fpr]
    if args.max_auc is not None:
        limits.append(ProbeLimit("auc", args.max_auc))
    return limits


def _threat_model(args: argparse.Namespace) -> Any:
    if not getattr(args, "threat_model", None):
        return None
    from jupyter_privacy.core.reports.threat_model import load_threat_model

    return load_threat_model(args.threat_model)


def _probe_reports(args: argparse.Namespace) -> list[Any]:
    from jupyter_privacy.core.probes import load_report

    return [load_report(p) for p in args.probe_report]


def _print_gates(results: list[GateResult], as_json: bool, extra: dict[str, Any]) -> int:
    failed = [r for r in results if not r.passed]
    if as_json:
        print_json({**extra, "passed": not failed, "gates": [r.to_dict() for r in results]})
    else:
        for result in results:
            print(result.line())
        if results:
            print(
                f"{len(failed)} of {len(results)} gate(s) failed" if failed else "all gates passed"
            )
    return EXIT_GATE_FAILED if failed else 0


# -- probe -----------------------------------------------------------------------------------------
def _register_probe(sub: Any) -> None:
    probe = sub.add_parser("probe", help="privacy probe: membership inference from saved losses, "
                           "attribute inference or model inversion against a saved model")  # fmt: skip
    probe.add_argument("--attack", choices=["membership", "attribute", "inversion"],
                       default="membership", help="what to probe (default: membership)")  # fmt: skip
    probe.add_argument("--members", metavar="FILE", required=True,
                       help="training members' values (.npy, .json, .csv/.txt); with --attack "
                       "attribute|inversion their rows (CSV or Parquet, with the label)")  # fmt: skip
    probe.add_argument("--non-members", metavar="FILE", required=True,
                       help="held-out values (or rows)")  # fmt: skip
    probe.add_argument("--kind", choices=["loss", "probability", "score"],
                       help="what the files hold (default: loss, or the JSON files' 'kind')")  # fmt: skip
    probe.add_argument("--members-reference", metavar="FILE",
                       help="members' losses under reference models, (models, examples) .npy: "
                       "runs the calibrated LiRA-offline attack")  # fmt: skip
    probe.add_argument("--non-members-reference", metavar="FILE")
    probe.add_argument(
        "--epsilon", type=epsilon_arg, help="the model's claimed ε (adds the ceiling)"
    )
    probe.add_argument("--delta", type=delta_arg, default=0.0, help="the claimed δ (default 0)")
    probe.add_argument("--confidence", type=float, default=0.95)
    probe.add_argument("--seed", type=int, default=0)
    probe.add_argument(
        "--out", metavar="FILE", help="save the report as JSON (for check and cards)"
    )
    _add_limits(probe)
    inference_probe.add_arguments(probe)
    add_common(probe)
    probe.set_defaults(handler=_probe)


def _probe(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.errors import InvalidParameterError
    from jupyter_privacy.core.probes import calibrated_attack, load_pair, loss_attack, probe_gate
    from jupyter_privacy.core.probes.inputs import load_reference_losses

    if args.out:  # before any work is done
        check_out(args.out, folder=False)
    if args.attack != "membership":
        return _inference_probe(args)
    members, non_members, kind = load_pair(args.members, args.non_members, args.kind)
    options = dict(
        epsilon=args.epsilon, delta=args.delta, confidence=args.confidence, seed=args.seed
    )
    references = (args.members_reference, args.non_members_reference)
    if any(references) and not all(references):
        raise InvalidParameterError("give both --members-reference and --non-members-reference")
    if all(references):
        if kind != "loss":
            raise InvalidParameterError("the calibrated attack needs losses: save losses, not "
                                        f"{kind} values")  # fmt: skip
        report = calibrated_attack(members, non_members, load_reference_losses(references[0]),
                                   load_reference_losses(references[1]), **options)  # fmt: skip
    else:
        report = loss_attack(members, non_members, kind=kind, **options)
    limits = _limits(args)
    threat_model = _threat_model(args)
    if threat_model is not None:
        limits += threat_model.probe_limits()
    if args.out:
        report.save(args.out)
    results = probe_gate(report, limits)
    if not args.json:
        print(report.summary())
        if args.out:
            print(f"saved the report to {args.out}")
    return _print_gates(results, args.json, {"report": report.to_dict()})


def _inference_probe(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.probes import leakage_gate

    report = inference_probe.run(args)
    limits = inference_probe.limits(args, _threat_model(args))
    results = [leakage_gate(report, limits[report.metric])] if report.metric in limits else []
    if args.out:
        report.save(args.out)
    if not args.json:
        print(report.summary())
        if args.out:
            print(f"saved the report to {args.out}")
    return _print_gates(results, args.json, {"report": report.to_dict()})


# -- card ----------------------------------------------------------------------------------------------
def _register_card(sub: Any) -> None:
    parser = sub.add_parser("card", help="model card with the ε budget")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    build = verbs.add_parser("build", help="write model-card.{json,md,html}, privacy-card.json, "
                             "privacy-budget.json")  # fmt: skip
    build.add_argument("--meta", metavar="FILE", required=True, help="card metadata YAML")
    build.add_argument("--budget", help="ledger budget holding the model's releases")
    build.add_argument("--release", type=int, help="the release that is the model (default: all)")
    build.add_argument("--epsilon", type=epsilon_arg, help="state ε instead of reading the ledger")
    build.add_argument("--delta", type=delta_arg, default=0.0)
    build.add_argument(
        "--accountant", default="", help="with --epsilon: e.g. 'RDP (dp-accounting)'"
    )
    build.add_argument("--conversion", default="")
    build.add_argument("--sampling", default="", help="e.g. 'Poisson, q = 0.004'")
    build.add_argument("--unit", default="", help="privacy unit, e.g. 'one person'")
    build.add_argument("--probe-report", metavar="FILE", action="append", default=[])
    build.add_argument("--threat-model", metavar="FILE")
    build.add_argument("--checklist", metavar="FILE", help="checklist status JSON")
    build.add_argument("--out", metavar="DIR", required=True)
    add_common(build)
    build.set_defaults(handler=_card_build)


def _card_build(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.errors import InvalidParameterError
    from jupyter_privacy.core.reports.compliance import load_checklist_status
    from jupyter_privacy.core.reports.model_card import build_card, load_meta
    from jupyter_privacy.core.reports.privacy_budget import stated_guarantee

    check_out(args.out, folder=True)
    meta = load_meta(args.meta)
    if args.epsilon is None and not args.budget:
        raise InvalidParameterError("give --budget NAME (read ε from the ledger) or --epsilon E "
                                    "--accountant TEXT (state it)")  # fmt: skip
    guarantee = None
    if args.epsilon is not None:
        if not args.accountant:
            raise InvalidParameterError("--epsilon needs --accountant: an ε without its "
                                        "accountant cannot be read correctly")  # fmt: skip
        guarantee = stated_guarantee(args.epsilon, args.delta, accountant=args.accountant,
                                     conversion=args.conversion, sampling=args.sampling,
                                     privacy_unit=args.unit)  # fmt: skip
    options = dict(
        guarantee=guarantee, release_id=args.release,
        probes=_probe_reports(args),
        threat_model=_threat_model(args),
        checklist_status=load_checklist_status(args.checklist) if args.checklist else None,
    )  # fmt: skip
    if args.budget:
        with open_from_args(args, read_only=True) as ledger:
            card = build_card(meta, ledger=ledger, budget=args.budget, **options)
    else:
        card = build_card(meta, **options)
    paths = card.write(args.out)
    if args.json:
        print_json({"files": {k: str(v) for k, v in paths.items()},
                    "gates": [g.to_dict() for g in card.gates]})  # fmt: skip
    else:
        print(f"model card for {meta['name']}: {card.statement()}")
        for path in paths.values():
            print(f"  wrote {path}")
        for gate in card.gates:
            print(f"  {gate.line()}")
    return 0


# -- check ---------------------------------------------------------------------------------------------
def _register_check(sub: Any) -> None:
    check = sub.add_parser("check", help="run the privacy gates; exit 1 with a reason per failure")
    check.add_argument("--max-epsilon", type=epsilon_arg, help="gate: ε spent per budget ≤ E")
    check.add_argument(
        "--budget", action="append", default=[], help="budgets to check (default all)"
    )
    check.add_argument("--probe-report", metavar="FILE", action="append", default=[])
    check.add_argument(
        "--checklist", metavar="FILE", help="checklist status JSON: binding items answered"
    )
    check.add_argument("--metric", action="append", default=[], metavar="NAME=VALUE",
                       help="a measured utility metric for the threat model's utility criteria")  # fmt: skip
    _add_limits(check)
    check.add_argument("--max-advantage", type=float,
                       help="gate: attribute-inference advantage (in --probe-report) ≤ this")  # fmt: skip
    check.add_argument("--max-similarity", type=float,
                       help="gate: model-inversion similarity (in --probe-report) ≤ this")  # fmt: skip
    add_common(check)
    check.set_defaults(handler=_check)


def _metrics(pairs: list[str]) -> dict[str, float]:
    from jupyter_privacy.core.errors import InvalidParameterError

    measured = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            measured[name.strip()] = float(value)
        except ValueError:
            raise InvalidParameterError(
                f"--metric {pair!r}: write NAME=NUMBER, e.g. accuracy=0.83"
            ) from None
    return measured


def _check(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.errors import InvalidParameterError
    from jupyter_privacy.core.reports.compliance import load_checklist_status
    from jupyter_privacy.core.reports.gates import collect_gates

    threat_model = _threat_model(args)
    options = dict(
        max_epsilon=args.max_epsilon, budgets=args.budget,
        probe_reports=_probe_reports(args), probe_limits=_limits(args),
        leakage_limits=inference_probe.limits(args, None),
        threat_model=threat_model,
        checklist_status=load_checklist_status(args.checklist) if args.checklist else None,
        metrics=_metrics(args.metric),
    )  # fmt: skip
    wants_ledger = args.ledger or args.budget or args.max_epsilon is not None or (
        threat_model is not None and threat_model.max_epsilon() is not None)  # fmt: skip
    if wants_ledger:
        with open_from_args(args, read_only=True) as ledger:
            results = collect_gates(ledger=ledger, **options)
    else:
        results = collect_gates(**options)
    if not results:
        raise InvalidParameterError(
            "nothing to check: give --max-epsilon, --probe-report with --max-tpr-at-fpr/--max-auc/"
            "--max-advantage/--max-similarity, --threat-model or --checklist"
        )
    return _print_gates(results, args.json, {})
