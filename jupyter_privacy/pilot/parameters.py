"""Pilot parameters from `-p NAME VALUE` and `-f params.yaml`, checked against what the templates take.

Values given with -p are read as YAML scalars (papermill's convention): `-p epsilon 0.5` is a float,
`-p markets "[eu, uk]"` a list, `-p kind analytics` a string.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.files import read_yaml_mapping
from jupyter_privacy.core.templates import Template

#: Filled in by the runner for every template that declares them; users may not override them with -p.
RUNNER_PARAMETERS = ("out_dir", "ledger_url")


def parse_cli_parameters(pairs: Sequence[Sequence[str]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, text in pairs:
        try:
            values[name] = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            values[name] = text
    return values


def load_parameter_file(path: str | Path) -> dict[str, Any]:
    return read_yaml_mapping(path, "parameter file", "parameter names to values")


def known_parameters(templates: Iterable[Template]) -> dict[str, Any]:
    """Every parameter any template takes, with the first default seen."""
    known: dict[str, Any] = {}
    for template in templates:
        for parameter in template.parameters:
            known.setdefault(parameter.name, parameter.default)
    return known


def merge_parameters(templates: Sequence[Template], *sources: dict[str, Any]) -> dict[str, Any]:
    """Later sources win (file, then -p). Unknown names are an error listing the known ones."""
    known = known_parameters(templates)
    merged: dict[str, Any] = {}
    for source in sources:
        for name, value in source.items():
            if name in RUNNER_PARAMETERS:
                raise InvalidParameterError(
                    f"parameter {name!r} is set by the runner; use --out for the output folder "
                    "and --ledger for the ledger"
                )
            if name not in known:
                names = ", ".join(sorted(n for n in known if n not in RUNNER_PARAMETERS))
                raise InvalidParameterError(
                    f"unknown pilot parameter {name!r}; known parameters: {names}", parameter=name
                )
            merged[name] = value
    return merged


def parameters_for(template: Template, chosen: dict[str, Any]) -> dict[str, Any]:
    """The subset of chosen values this template declares (papermill warns on extras)."""
    declared = {p.name for p in template.parameters}
    return {name: value for name, value in chosen.items() if name in declared}
