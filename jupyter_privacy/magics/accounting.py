"""`%dp_epsilon`: DP-SGD accounting in a notebook, with the CLI's words.

    %dp_epsilon --dataset-size 60000 --batch-size 256 --epochs 60 --noise-multiplier 1.1 --delta 1e-5
    %dp_epsilon noise --target-epsilon 3 --dataset-size 60000 --batch-size 256 --epochs 60
    %dp_epsilon epochs --target-epsilon 3 --dataset-size 60000 --batch-size 256 --noise-multiplier 1.1

`-o NAME` keeps the result (a dict, as `--json` prints it) in the notebook's variable NAME.
"""

from __future__ import annotations

import shlex
from typing import Any

from jupyter_privacy.core.accounting import report as words
from jupyter_privacy.core.arguments import RaisingParser
from jupyter_privacy.usage_errors import user_errors_as_usage

_VERBS = {
    "epsilon": (words.epsilon_report, words.format_epsilon_report),
    "noise": (words.noise_report, words.format_noise_report),
    "epochs": (words.epochs_report, words.format_epochs_report),
}


def _parser(verb: str) -> RaisingParser:
    parser = RaisingParser(prog=f"%dp_epsilon{'' if verb == 'epsilon' else ' ' + verb}")
    if verb == "epsilon":
        words.add_epsilon_arguments(parser)
    else:
        words.add_target_arguments(parser, epochs_required=verb == "noise")
        if verb == "epochs":
            parser.add_argument("--noise-multiplier", type=float, required=True)
    parser.add_argument("-o", "--output", metavar="NAME", help="keep the result in variable NAME")
    return parser


def run_dp_epsilon(line: str, namespace: dict[str, Any] | None = None) -> str:
    """Parse and run one `%dp_epsilon` line; returns the text to show (testable without a shell)."""
    tokens = shlex.split(line)
    verb = tokens.pop(0) if tokens and tokens[0] in _VERBS else "epsilon"
    parser = _parser(verb)
    if "-h" in tokens or "--help" in tokens:
        return parser.format_help()
    args = parser.parse_args(tokens)
    compute, render = _VERBS[verb]
    result = compute(args)
    if args.output and namespace is not None:
        namespace[args.output] = result
    return render(result)


def register(ipython: Any) -> None:
    @user_errors_as_usage
    def dp_epsilon(line: str) -> None:
        print(run_dp_epsilon(line, ipython.user_ns))

    dp_epsilon.__doc__ = __doc__
    ipython.register_magic_function(dp_epsilon, magic_kind="line", magic_name="dp_epsilon")
