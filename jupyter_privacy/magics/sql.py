"""`%%dp_sql`: a DP SQL cell over private tables found in the notebook by variable name.

    %%dp_sql --epsilon 0.5 [--delta D] [--budget NAME] [--alpha A] [-o VAR] [--preview [--rows N]]
             [--fresh]
    SELECT region, COUNT(*), AVG(wage) FROM cps GROUP BY region

`cps` must be a `PrivateTable` in the namespace. Defaults come from `%config DPMagics.epsilon = …`
(also `alpha`, `delta`, `budget`), seeded from `[tool.jupyter_privacy.dp_sql]` in pyproject.toml.
Re-running the cell replays the stored release and spends nothing; `--fresh` draws (and spends) again.
"""

from __future__ import annotations

import os
import shlex
import warnings
from typing import Any

from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.display import display
from traitlets import Float, Unicode

from jupyter_privacy.core.arguments import RaisingParser
from jupyter_privacy.core.config import load_settings
from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError
from jupyter_privacy.core.ledger.provenance import current_origin
from jupyter_privacy.usage_errors import user_errors_as_usage


def dp_sql_parser() -> RaisingParser:
    parser = RaisingParser(prog="%%dp_sql", add_help=True)
    parser.add_argument("--epsilon", type=float, help="ε for the whole statement")
    parser.add_argument("--delta", type=float, help="δ (only for privately selected group keys)")
    parser.add_argument("--budget", help="spend from this budget instead of the table's")
    parser.add_argument("--alpha", type=float, help="accuracy reported at 1 − α confidence")
    parser.add_argument(
        "--split", metavar="W1,W2,…", help="ε weights per aggregate in SELECT order (default even)"
    )
    parser.add_argument("-o", "--output", metavar="VAR", help="keep the release in variable VAR")
    parser.add_argument(
        "--preview", action="store_true", help="show noise and accuracy; spend nothing"
    )
    parser.add_argument(
        "--rows", type=int, metavar="N",
        help="with --preview: public row count (per group) that a mean's ± is planned for",
    )  # fmt: skip
    parser.add_argument(
        "--fresh", action="store_true", help="draw again even if this cell ran before"
    )
    return parser


def settings_defaults() -> dict[str, Any]:
    """`[tool.jupyter_privacy.dp_sql]` of the project's pyproject.toml (epsilon, delta, alpha, budget)."""
    section = load_settings().get("dp_sql", {})
    if not isinstance(section, dict):
        raise InvalidParameterError("[tool.jupyter_privacy.dp_sql] must be a table")
    return {k: section[k] for k in ("epsilon", "delta", "alpha", "budget") if k in section}


def run_dp_sql(
    line: str, cell: str, namespace: dict[str, Any], defaults: dict[str, Any], origin: str | None
) -> Any:
    """Parse and run one `%%dp_sql` cell; returns the release or preview (testable without a shell)."""
    from jupyter_privacy.core.queries import PrivateTable, parse_sql  # OpenDP: ~1 s, load on use

    args = dp_sql_parser().parse_args(shlex.split(line))
    parsed = parse_sql(cell)
    table = namespace.get(parsed.table)
    if not isinstance(table, PrivateTable):
        hint = (
            f"'{parsed.table}' is a {type(table).__name__}; wrap it: {parsed.table} = "
            f"PrivateTable({parsed.table}, budget=…, bounds={{…}})"
            if table is not None
            else f"no variable named '{parsed.table}' in the notebook"
        )
        raise InvalidParameterError(f"FROM {parsed.table}: {hint}")
    epsilon = args.epsilon if args.epsilon is not None else defaults.get("epsilon")
    if epsilon is None:
        raise InvalidParameterError(
            "give --epsilon (or set a default: %config DPMagics.epsilon = 0.5)"
        )
    budget = args.budget or defaults.get("budget") or None
    if budget and budget != table.budget:
        table = table.for_budget(budget)
    options = {
        "delta": args.delta if args.delta is not None else defaults.get("delta", 0.0),
        "alpha": args.alpha if args.alpha is not None else defaults.get("alpha", 0.05),
        "split": args.split,
    }
    if args.preview:
        result: Any = table.preview(parsed.spec, epsilon, expected_rows=args.rows, **options)
    elif args.rows is not None:
        raise InvalidParameterError("--rows plans a --preview's ±; a release's interval comes "
                                    "from its own noisy count")  # fmt: skip
    else:
        result = table.release(parsed.spec, epsilon, fresh=args.fresh, origin=origin, **options)
    if args.output:
        namespace[args.output] = result
    return result


def cell_origin(shell: Any) -> str:
    """`notebook:<path>#cell=<id>` when the kernel tells us the cell (JupyterLab sends cellId)."""
    header = getattr(shell, "parent_header", None) or {}
    metadata = header.get("metadata", {}) if isinstance(header, dict) else {}
    cell_id = metadata.get("cellId") if isinstance(metadata, dict) else None
    base = current_origin()
    if not base.startswith("notebook:") and os.environ.get("JPY_SESSION_NAME") is None:
        base = "notebook:" + (getattr(shell, "user_ns", {}).get("__session__") or "ipython")
    return f"{base}#cell={cell_id}" if cell_id else base


@magics_class
class DPMagics(Magics):
    """Defaults for `%%dp_sql`; change them with `%config DPMagics.<name> = value`."""

    epsilon = Float(None, allow_none=True, help="ε when a cell gives no --epsilon").tag(config=True)
    delta = Float(0.0, help="δ when a cell gives no --delta").tag(config=True)
    alpha = Float(0.05, help="report accuracy at 1 − α confidence").tag(config=True)
    budget = Unicode("", help="spend from this budget instead of each table's own").tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        try:
            seeded = settings_defaults()
        except PrivacyError as error:  # a broken pyproject.toml must not break %load_ext
            warnings.warn(f"%%dp_sql defaults not loaded: {error.message}", stacklevel=2)
            seeded = {}
        for name, value in seeded.items():
            if name not in self._explicitly_configured():
                setattr(self, name, value)

    def _explicitly_configured(self) -> set[str]:
        config = self.config.get(type(self).__name__, {})
        return set(config.keys()) if hasattr(config, "keys") else set()

    def defaults(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon, "delta": self.delta, "alpha": self.alpha,
                "budget": self.budget}  # fmt: skip

    @cell_magic
    @user_errors_as_usage
    def dp_sql(self, line: str, cell: str) -> None:
        """Run a DP SQL statement (see the module docstring): value, ±, ε spent, budget left.

        The result is displayed, not returned: Jupyter shows its HTML table (`_repr_html_`), a
        terminal its text table, and `Out[n]` does not keep a second copy (`-o VAR` keeps it).
        """
        result = run_dp_sql(
            line, cell, self.shell.user_ns, self.defaults(), cell_origin(self.shell)
        )
        display(result)


def register(ipython: Any) -> None:
    ipython.register_magics(DPMagics(shell=ipython))  # Magics adds itself to %config's list
