"""`%dp_tradeoff TABLE "SQL"`: the ε-versus-utility explorer for a query on a private table.

    %dp_tradeoff cps "SELECT AVG(wage) FROM cps" [--epsilon 0.5] [--alpha 0.05] [--delta D]
                 [--rows 28155] [--range 0.01 10] [-o VAR]

TABLE is a `PrivateTable` variable in the notebook. Exploring spends nothing; the explorer's button
releases (and spends) at the chosen ε. `--rows` is a public estimate of the table's size, used only
for a mean's approximate ±. It lives with the widgets it shows (glue layers never import each
other); `%load_ext jupyter_privacy` registers it next to the magics.
"""

from __future__ import annotations

import shlex
from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class

from jupyter_privacy.core.arguments import RaisingParser
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.usage_errors import user_errors_as_usage


def dp_tradeoff_parser() -> RaisingParser:
    parser = RaisingParser(prog="%dp_tradeoff", add_help=True)
    parser.add_argument("table", help="a PrivateTable variable in the notebook")
    parser.add_argument("sql", help='the DP SQL query, quoted: "SELECT AVG(wage) FROM t"')
    parser.add_argument("--epsilon", type=float, help="where the slider starts")
    parser.add_argument("--alpha", type=float, default=0.05, help="± at 1 − α confidence")
    parser.add_argument("--delta", type=float, default=0.0, help="δ (private key selection)")
    parser.add_argument("--rows", type=int, help="public estimate of the row count (means' ±)")
    parser.add_argument("--range", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        default=(0.01, 10.0), help="the slider's ε range")  # fmt: skip
    parser.add_argument("-o", "--output", metavar="VAR", help="keep the explorer in variable VAR")
    return parser


def build_explorer(line: str, namespace: dict[str, Any]) -> Any:
    """Parse the line and build the explorer (testable without a shell)."""
    from jupyter_privacy.core.queries import PrivateTable
    from jupyter_privacy.widgets.tradeoff import TradeoffExplorer

    try:
        words = shlex.split(line)
    except ValueError as error:
        raise InvalidParameterError(f"%dp_tradeoff: {error}; quote the SQL once") from None
    args = dp_tradeoff_parser().parse_args(words)
    table = namespace.get(args.table)
    if not isinstance(table, PrivateTable):
        found = "no variable" if table is None else f"a {type(table).__name__}"
        raise InvalidParameterError(
            f"%dp_tradeoff: '{args.table}' is {found}; give a PrivateTable variable, e.g. "
            f"{args.table} = load_example('cps1988').table(budget='…')"
        )
    explorer = TradeoffExplorer(
        table, args.sql, epsilon=args.epsilon, alpha=args.alpha, delta=args.delta,
        expected_rows=args.rows, epsilon_range=tuple(args.range),
    )  # fmt: skip
    if args.output:
        namespace[args.output] = explorer
    return explorer


@magics_class
class TradeoffMagics(Magics):
    @line_magic
    @user_errors_as_usage
    def dp_tradeoff(self, line: str) -> Any:
        """Show the ε-versus-utility explorer for a query; nothing is spent until you release."""
        return build_explorer(line, self.shell.user_ns)


def register(ipython: Any) -> None:
    ipython.register_magics(TradeoffMagics)
