"""Running the CLI as a user does: a separate `python -m jupyter_privacy.cli` process."""

from __future__ import annotations

import subprocess
import sys
from typing import Any


def run_cli(*args: str, env: dict[str, str], **options: Any) -> subprocess.CompletedProcess[str]:
    """`jupyter privacy ARGS…` in a subprocess with `env`; output captured as text."""
    return subprocess.run([sys.executable, "-m", "jupyter_privacy.cli", *args],
                          capture_output=True, text=True, env=env, **options)  # fmt: skip
