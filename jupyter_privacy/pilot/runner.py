"""Run the pilot's template notebooks in order with papermill, then gate the result.

At the first failing cell the run stops and names the notebook, the cell and the error. Each step's
time is printed. After the steps: the ledger-integrity gate and the raw-data scan run over everything
in the output folder, and `verdict.json` and `index.html` are written.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import PrivacyError
from jupyter_privacy.core.ledger import open_ledger
from jupyter_privacy.core.reports.gates import ledger_gate
from jupyter_privacy.core.reports.verdict import GateResult
from jupyter_privacy.core.templates import Template, list_templates, read_notebook
from jupyter_privacy.pilot.gates import load_gates
from jupyter_privacy.pilot.parameters import parameters_for
from jupyter_privacy.pilot.scan import pilot_raw_data_gate
from jupyter_privacy.pilot.tracks import DEFAULT_TRACK, templates_for_track


class StepFailedError(PrivacyError):
    """A template notebook raised; the message names the notebook, the cell and the error."""

    code = "pilot_step_failed"


@dataclass(frozen=True)
class StepResult:
    name: str
    notebook: str  # path of the executed notebook, relative to the output folder
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class PilotResult:
    out_dir: Path
    steps: list[StepResult] = field(default_factory=list)
    gates: list[tuple[str, GateResult]] = field(default_factory=list)
    failure: str = ""

    @property
    def passed(self) -> bool:
        return not self.failure and all(r.passed for _, r in self.gates)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "out_dir": str(self.out_dir),
            "failure": self.failure,
            "steps": [asdict(s) for s in self.steps],
            "gates": [{"step": step, **g.to_dict()} for step, g in self.gates],
        }


def run_pilot(
    out_dir: str | Path,
    parameters: dict[str, Any],
    *,
    ledger_url: str,
    templates: Sequence[Template] | None = None,
    templates_folder: str | Path | None = None,
    kernel_name: str | None = None,
    echo: Callable[[str], None] | None = None,
) -> PilotResult:
    """Execute every template in name order into `out_dir`; never raises for a failing step."""
    import papermill

    os.environ.setdefault(
        "TF_CPP_MIN_LOG_LEVEL", "2"
    )  # kernels inherit it: keep TF's C++ logs quiet
    say = echo or (lambda text: print(text, file=sys.stderr, flush=True))
    out = Path(out_dir).resolve()
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    if templates is None:  # the bundled templates: the default track; a team's folder: all of it
        track = None if templates_folder else DEFAULT_TRACK
        templates = templates_for_track(list_templates(templates_folder), track)
    chosen = list(templates)
    result = PilotResult(out_dir=out)
    runner_values = {"out_dir": str(out), "ledger_url": ledger_url}
    for index, template in enumerate(chosen, start=1):
        values = parameters_for(template, {**parameters, **runner_values})
        executed = out / "notebooks" / template.filename
        source = template_path_of(template, templates_folder)
        say(f"[{index}/{len(chosen)}] {template.name} …")
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(source), str(executed),
                parameters=values, kernel_name=kernel_name, cwd=str(out),
                progress_bar=False, log_output=False, extra_arguments=_quiet_kernel(kernel_name, source),
            )  # fmt: skip
        except papermill.PapermillExecutionError as error:
            seconds = time.perf_counter() - start
            message = (
                f"step {template.name} failed in cell {error.cell_index} "
                f"(execution {error.exec_count}): {shown_error(error.ename, error.evalue)}; "
                f"see {executed.relative_to(out)}"
            )
            result.steps.append(StepResult(template.name, str(executed.relative_to(out)),
                                           seconds, False, message))  # fmt: skip
            result.failure = message
            say(f"      FAILED after {seconds:.1f} s: {message}")
            break
        seconds = time.perf_counter() - start
        result.steps.append(
            StepResult(template.name, str(executed.relative_to(out)), seconds, True)
        )
        say(f"      done in {seconds:.1f} s")
    result.gates = load_gates(out)
    with open_ledger(ledger_url) as ledger:
        result.gates.append(("runner", ledger_gate(ledger)))
    try:
        result.gates.append(("runner", pilot_raw_data_gate(parameters, out, ledger_url)))
    except PrivacyError as error:
        result.gates.append(("runner", GateResult("no_raw_data", False, None, 0,
                                                  f"cannot scan for raw data: {error.message}")))  # fmt: skip
    (out / "verdict.json").write_text(json.dumps(result.to_dict(), indent=2, default=str) + "\n")
    from jupyter_privacy.pilot.report import write_index

    write_index(result, ledger_url)
    return result


# Small modules whose errors the kit raises from notebooks; importing them registers the classes.
_KIT_ERROR_MODULES = (
    "jupyter_privacy.core.policy.errors",
    "jupyter_privacy.core.requests.errors",
    "jupyter_privacy.core.data_errors",
    "jupyter_privacy.pilot.steps",
)


def shown_error(name: str, message: str) -> str:
    """A failing cell's error as the console, `verdict.json` and `index.html` show it.

    The kit's own errors (PrivacyError and its subclasses) are written to carry no private value
    and are shown whole. Any other error (pandas, numpy, a template's own code) may quote a cell of
    the data (`KeyError: 'Jane Doe'`), so only its type is shown; its text stays in the executed
    notebook inside the output folder, where the raw-data scan reads it.
    """
    import importlib

    for module in _KIT_ERROR_MODULES:
        importlib.import_module(module)
    if name in _subclass_names(PrivacyError):
        return f"{name}: {message.strip()}"
    return f"{name} (its message is not shown here: it may quote the data; the notebook has it)"


def _subclass_names(cls: type) -> set[str]:
    names = {cls.__name__}
    for sub in cls.__subclasses__():
        names |= _subclass_names(sub)
    return names


def _quiet_kernel(kernel_name: str | None, notebook: Path) -> list[str]:
    """ipykernel logs a transport warning per kernel start; a batch run shows only its errors.
    Only for the Python kernel: other kernels would not understand the option."""
    if kernel_name is None:
        kernelspec = read_notebook(notebook).get("metadata", {}).get("kernelspec", {})
        kernel_name = kernelspec.get("name")
    return ["--IPKernelApp.log_level=ERROR"] if kernel_name == "python3" else []


def template_path_of(template: Template, folder: str | Path | None) -> Path:
    from jupyter_privacy.core.templates import templates_dir

    return templates_dir(folder) / template.filename
