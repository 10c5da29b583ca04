"""`jupyter privacy epsilon|noise|epochs`: DP-SGD accounting from the command line (no TensorFlow).

The argument words and reports live in core (shared with the `%dp_epsilon` magic).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from jupyter_privacy.cli.output import print_json
from jupyter_privacy.core.accounting import report as words


def register(sub: Any) -> None:
    epsilon = sub.add_parser(
        "epsilon", help="ε of a DP-SGD run under RDP and PLD, Poisson and shuffled sampling"
    )
    words.add_epsilon_arguments(epsilon)
    epsilon.add_argument("--json", action="store_true", help="print JSON for scripts")
    epsilon.set_defaults(handler=_run(words.epsilon_report, words.format_epsilon_report))

    noise = sub.add_parser("noise", help="smallest noise multiplier σ meeting a target ε")
    words.add_target_arguments(noise, epochs_required=True)
    noise.add_argument("--json", action="store_true", help="print JSON for scripts")
    noise.set_defaults(handler=_run(words.noise_report, words.format_noise_report))

    epochs = sub.add_parser("epochs", help="most whole epochs within a target ε")
    words.add_target_arguments(epochs, epochs_required=False)
    epochs.add_argument("--noise-multiplier", type=float, required=True, metavar="σ")
    epochs.add_argument("--json", action="store_true", help="print JSON for scripts")
    epochs.set_defaults(handler=_run(words.epochs_report, words.format_epochs_report))


def _run(
    compute: Callable[[argparse.Namespace], dict[str, Any]],
    render: Callable[[dict[str, Any]], str],
) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        result = compute(args)
        if args.json:
            print_json(result)
        else:
            print(render(result))
        return 0

    return handler
