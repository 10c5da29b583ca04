"""The one-week privacy pilot: papermill runs the template notebooks in order, gates decide the verdict.

`run_pilot` is the Python entry point; `jupyter privacy pilot run` is the CLI over it. Notebooks
record their gate verdicts with `record_gates`, and the runner adds the ledger and raw-data gates.
"""

from jupyter_privacy.pilot.gates import load_gates, record_gates
from jupyter_privacy.pilot.parameters import merge_parameters, parse_cli_parameters
from jupyter_privacy.pilot.runner import PilotResult, StepFailedError, StepResult, run_pilot

__all__ = [
    "PilotResult",
    "StepFailedError",
    "StepResult",
    "load_gates",
    "merge_parameters",
    "parse_cli_parameters",
    "record_gates",
    "run_pilot",
]
