"""The process that runs approved code (started by runner.py; never imported by anything else).

`python -m jupyter_privacy.core.requests.child CONTEXT`: check the code file against the approved
digest, then call the entry function with the private `RequestData` (a function request) or
execute the notebook with papermill in a fresh kernel (a notebook request; its `request_data()`
reads the same context). The entry function's return value is dropped; what the code prints goes
to the owner's run log. Exit status: 0 ran to the end, 1 the code raised, 3 wrong code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    import signal

    from jupyter_privacy.core.requests.code import NOTEBOOK, code_digest
    from jupyter_privacy.core.requests.data import call_entry, request_data
    from jupyter_privacy.core.requests.runner import EXIT_DIGEST

    # The runner's timeout sends SIGTERM first: exit through Python so `finally` blocks run (e.g.
    # train_federated ending the Flower processes it started in groups of their own).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    context = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    code_file = Path(context["code_file"])
    text = code_file.read_text(encoding="utf-8")
    if code_digest(text) != context["code_sha256"]:
        print("the code file is not the approved code; nothing ran", file=sys.stderr)
        return EXIT_DIGEST
    if context["code_kind"] == NOTEBOOK:
        import papermill

        papermill.execute_notebook(
            str(code_file), context["executed"], kernel_name="python3", cwd=str(Path.cwd()),
            progress_bar=False, log_output=True,
        )  # fmt: skip
    else:
        call_entry(text, context["entry_point"], request_data())  # the return value is dropped
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
