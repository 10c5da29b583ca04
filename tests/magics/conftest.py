"""One real IPython shell per test module with `%load_ext jupyter_privacy` loaded."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell


@pytest.fixture(scope="module")
def shell():
    """The process's shell singleton. Another test may have made it a terminal shell
    (IPython.testing's start_ipython), which formats only text/plain: switch HTML on, as a notebook
    kernel has it, and put the setting back afterwards."""
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "jupyter_privacy")
    formatter = ip.display_formatter
    saved = list(formatter.active_types)
    formatter.active_types = [*saved, *(t for t in ("text/html",) if t not in saved)]
    yield ip
    formatter.active_types = saved
