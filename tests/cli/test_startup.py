"""Item 11 of #13: the CLI starts fast. Declaring the commands (argparse) and reading the ledger must
not import the heavy libraries; only the commands that use them do. Timing itself is measured in
benchmarks/cli_startup.py (never asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("polars", "opendp", "pandas", "scipy", "numpy", "dp_accounting", "tensorflow", "pyarrow",
         "sklearn", "altair", "IPython", "jupyter_server", "papermill", "yaml")  # fmt: skip

PROBE = """
import json, sys
from jupyter_privacy.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print("\\nMODULES " + json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def modules_after(*argv: str, env: dict[str, str]) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                          env=env)  # fmt: skip
    line = done.stdout.rsplit("MODULES ", 1)[1]
    return done.returncode, set(json.loads(line))


@pytest.mark.parametrize(
    "argv",
    [("budget", "list"), ("budget", "list", "--json"), ("budget", "show", "census"),
     ("ledger", "verify"), ("budget", "create", "other", "--epsilon", "1")],
)  # fmt: skip
def test_ledger_commands_import_no_heavy_module(cli_env, argv) -> None:
    subprocess.run([sys.executable, "-m", "jupyter_privacy.cli", "budget", "create", "census",
                    "--epsilon", "1"], check=True, env=cli_env, capture_output=True)  # fmt: skip
    code, modules = modules_after(*argv, env=cli_env)
    assert code == 0
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


def test_declaring_every_command_imports_no_heavy_module(cli_env) -> None:
    code = (
        "import json, sys; from jupyter_privacy.cli import build_parser; build_parser();"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=cli_env, check=True)  # fmt: skip
    loaded = set(json.loads(done.stdout))
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_accountant_names_match_the_accountants() -> None:
    from jupyter_privacy.core.accounting.accountants import ACCOUNTANTS
    from jupyter_privacy.core.accounting.setting import ACCOUNTANT_NAMES

    assert tuple(ACCOUNTANTS) == ACCOUNTANT_NAMES
