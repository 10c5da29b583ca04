"""The one layering rule: core never imports Jupyter glue (DESIGN.md)."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("IPython", "ipywidgets", "tornado", "jupyter_server", "ipykernel")

PROBE = """
import importlib, json, pkgutil, sys
import jupyter_privacy.core as core
names = [m.name for m in pkgutil.walk_packages(core.__path__, core.__name__ + '.')]
for name in names:
    importlib.import_module(name)
print(json.dumps({'modules': names, 'loaded': sorted(sys.modules)}))
"""


def test_core_imports_no_jupyter_glue() -> None:
    # A fresh interpreter, so nothing imported by pytest or other tests can mask a violation.
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    assert "jupyter_privacy.core.ledger.ledger" in data["modules"]
    leaked = sorted(
        m for m in data["loaded"] if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)
    )
    assert leaked == [], f"jupyter_privacy.core pulled in Jupyter glue: {leaked}"


def test_probe_detects_a_forbidden_import() -> None:
    """The probe itself works: importing IPython shows up in the loaded modules."""
    code = PROBE.replace(
        "import jupyter_privacy.core as core", "import IPython, jupyter_privacy.core as core"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "IPython" in json.loads(out.stdout.strip().splitlines()[-1])["loaded"]


def test_package_import_is_light_and_lazy_names_resolve() -> None:
    code = (
        "import sys, jupyter_privacy as jp\n"
        "heavy = [m for m in ('opendp', 'tensorflow', 'IPython') if m in sys.modules]\n"
        "names = [jp.PrivateTable.__name__, jp.dp_sgd_epsilon.__name__, jp.load_example.__name__]\n"
        "print(heavy, names)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] ['PrivateTable', 'dp_sgd_epsilon', 'load_example']"


GLUE = ("magics", "widgets", "server", "pilot", "encrypted_server")


def test_glue_layers_do_not_import_each_other() -> None:
    """magics, widgets, server and pilot depend on core (and charts), never on each other."""
    import re
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "jupyter_privacy"
    crossings = []
    for layer in GLUE:
        others = "|".join(g for g in GLUE if g != layer)
        pattern = re.compile(rf"^\s*(from|import)\s+jupyter_privacy\.({others})\b", re.MULTILINE)
        for path in (package / layer).rglob("*.py"):
            crossings += [f"{path.relative_to(package)} imports {m.group(2)}"
                          for m in pattern.finditer(path.read_text())]  # fmt: skip
    assert crossings == []


def test_cli_sits_in_the_pilot_layer() -> None:
    """DESIGN puts the CLI with the pilot: it may use core and the pilot, not magics, widgets or
    the server; and nothing below it (core, pilot) imports the CLI."""
    import re
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "jupyter_privacy"
    upward = re.compile(r"^\s*(from|import)\s+jupyter_privacy\.(magics|widgets|server)\b", re.M)
    downward = re.compile(r"^\s*(from|import)\s+jupyter_privacy\.cli\b", re.M)
    crossings = [f"{p.relative_to(package)} imports {m.group(2)}"
                 for p in (package / "cli").rglob("*.py") for m in upward.finditer(p.read_text())]  # fmt: skip
    for layer in ("core", "pilot", "charts"):
        crossings += [f"{p.relative_to(package)} imports the CLI" for p in (package / layer).rglob("*.py")
                      if downward.search(p.read_text())]  # fmt: skip
    assert crossings == []
