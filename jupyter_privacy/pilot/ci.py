"""`jupyter privacy pilot ci`: a ready CI workflow that runs the pilot and fails on a gate.

One job, in the team's own CI: set up Python, install the kit, run `jupyter privacy pilot run` with
the team's parameters (checked here against the templates, so a typo fails now, not in CI), upload
`build/pilot/` as an artifact even when a gate fails, and fail the job when the run exits non-zero
(a gate failed: 1; bad input: 2). The run's ledger is fresh per job and kept out of the artifact
(`build/privacy-ledger/`), unless the team names a CI secret holding its ledger URL.

Providers are a registry (name → default path and renderer), so another CI adds one entry.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jupyter_privacy.core.errors import InvalidParameterError

ARTIFACTS = "build/pilot"
FRESH_LEDGER = "build/privacy-ledger/ledger.db"  # outside the uploaded folder


@dataclass(frozen=True)
class CiSettings:
    """What the workflow runs. `parameters` are already checked against the templates."""

    parameters: dict[str, Any] = field(default_factory=dict)
    parameters_file: str | None = None  # a YAML file in the team's repository (-f)
    track: str | None = None
    templates: str | None = None  # the team's own templates folder in its repository
    python: str = "3.11"  # TF Privacy 0.9 needs Python < 3.12
    install: str = ""  # pip requirement for the kit; empty: this version with the tf extra
    ledger_secret: str | None = None  # CI secret/variable holding the team's ledger URL


def install_spec(settings: CiSettings) -> str:
    from jupyter_privacy import __version__

    return settings.install or f"jupyter-privacy[tf]=={__version__}"


def parameter_text(value: Any) -> str:
    """A value as `-p NAME VALUE` reads it back (YAML, one line): 0.5, [eu, uk], text."""
    text: str = yaml.safe_dump(value, default_flow_style=True, width=10**6)
    return text.removesuffix("\n...\n").strip()


def check_settings(settings: CiSettings) -> CiSettings:
    """Values that would break the workflow file or the shell line are refused here."""
    if not re.fullmatch(r"3\.\d{1,2}", settings.python):
        raise InvalidParameterError(
            f"--python takes a version such as 3.11, got {settings.python!r}"
        )
    if settings.ledger_secret and not re.fullmatch(
        r"[A-Za-z_][A-Za-z0-9_]*", settings.ledger_secret
    ):
        raise InvalidParameterError(
            f"--ledger-secret takes the name of a CI secret (letters, digits, _), got "
            f"{settings.ledger_secret!r}"
        )
    for name, value in settings.parameters.items():
        if "\n" in parameter_text(value):
            raise InvalidParameterError(f"parameter {name!r}: a value on one line, please")
    for text in (settings.install, settings.parameters_file or "", settings.templates or ""):
        if "\n" in text:
            raise InvalidParameterError("--install, -f and --templates take one line each")
    return settings


def pilot_command(settings: CiSettings, ledger: str) -> str:
    """The shell line of the pilot run; `ledger` is inserted as written (it may use $VARS)."""
    words = ["jupyter", "privacy", "pilot", "run", "--out", ARTIFACTS]
    if settings.track:
        words += ["--track", settings.track]
    if settings.templates:
        words += ["--templates", settings.templates]
    if settings.parameters_file:
        words += ["-f", settings.parameters_file]
    for name, value in settings.parameters.items():
        words += ["-p", name, parameter_text(value)]
    return " ".join(shlex.quote(w) for w in words) + f" --ledger {ledger}"


def _ledger(settings: CiSettings, variable: str) -> str:
    if settings.ledger_secret:
        return f'"${variable}"'
    return f'"sqlite:///$PWD/{FRESH_LEDGER}"'


def github_workflow(settings: CiSettings) -> str:
    run_env = ""
    if settings.ledger_secret:
        run_env = (
            "        env:\n"
            f"          PRIVACY_LEDGER_URL: ${{{{ secrets.{settings.ledger_secret} }}}}\n"
        )
    return f"""\
# Written by `jupyter privacy pilot ci --provider github`. The privacy pilot with gates: the job
# fails when a gate fails (budget overspent, ε above target, probe too successful, ledger
# tampered, raw data in an output); build/pilot/ (report, verdict, executed notebooks) is uploaded
# either way.
name: privacy-pilot
"on":  # quoted: YAML 1.1 readers take a bare on for true
  push:
    branches: [main]
  pull_request:
  workflow_dispatch:
jobs:
  pilot:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: {_quoted(settings.python)}
          cache: pip
      - name: Install the privacy kit
        run: python -m pip install {shlex.quote(install_spec(settings))}
      - name: Run the privacy pilot (fails on a gate)
{run_env}        run: |
          {pilot_command(settings, _ledger(settings, "PRIVACY_LEDGER_URL"))}
      - name: Upload the pilot's report and artifacts
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: privacy-pilot
          path: {ARTIFACTS}/
          if-no-files-found: warn
"""


def gitlab_job(settings: CiSettings) -> str:
    variable = settings.ledger_secret or "PRIVACY_LEDGER_URL"
    return f"""\
# Written by `jupyter privacy pilot ci --provider gitlab`. Include it from .gitlab-ci.yml:
#   include:
#     - local: .gitlab/privacy-pilot.yml
# The job fails when a gate fails; build/pilot/ is kept as an artifact either way.
privacy-pilot:
  image: {_quoted(f"python:{settings.python}")}
  stage: test
  timeout: 1h
  script:
    - python -m pip install {shlex.quote(install_spec(settings))}
    - >-
      {pilot_command(settings, _ledger(settings, variable))}
  artifacts:
    name: privacy-pilot
    when: always
    expire_in: 30 days
    paths:
      - {ARTIFACTS}/
"""


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


#: provider → (default path in the repository, renderer)
PROVIDERS: dict[str, tuple[str, Callable[[CiSettings], str]]] = {
    "github": (".github/workflows/privacy-pilot.yml", github_workflow),
    "gitlab": (".gitlab/privacy-pilot.yml", gitlab_job),
}


def write_workflow(
    provider: str, settings: CiSettings, path: str | Path | None = None, *, force: bool = False
) -> Path:
    """Write the provider's workflow; an existing file is kept unless `force`."""
    if provider not in PROVIDERS:
        raise InvalidParameterError(
            f"unknown CI provider {provider!r}; choose one of: {', '.join(sorted(PROVIDERS))}"
        )
    default, render = PROVIDERS[provider]
    text = render(check_settings(settings))
    target = Path(path or default)
    if target.exists() and not force:
        raise InvalidParameterError(
            f"{target} already exists; pass --force to replace it, or --output another path"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target
