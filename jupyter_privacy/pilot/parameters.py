"""Pilot parameters from `-p NAME VALUE` and `-f params.yaml`, checked against what the templates take.

Values given with -p are read as YAML scalars (papermill's convention): `-p epsilon 0.5` is a float,
`-p markets "[eu, uk]"` a list, `-p kind analytics` a string. Plain papermill passes `-p` values as
strings, so templates read their list and mapping parameters through `list_parameter` and
`mapping_parameter`: `-p markets eu,uk`, `-p markets "[eu, uk]"` and `-y 'markets: [eu, uk]'` all
give ["eu", "uk"].
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


def list_parameter(value: Any, name: str) -> list[str]:
    """A list parameter given as a list, a comma-separated string (`eu,uk`) or a YAML list string."""
    items: Any = value
    if isinstance(value, str):
        text = value.strip()
        items = _yaml_value(text, name) if text.startswith("[") else text.split(",")
    if not isinstance(items, (list, tuple)):
        raise InvalidParameterError(
            f"{name} must be a list, e.g. -p {name} eu,uk or -y '{name}: [eu, uk]'; got {value!r}",
            parameter=name,
        )
    return [str(item).strip() for item in items if str(item).strip()]


def mapping_parameter(value: Any, name: str) -> dict[str, Any]:
    """A mapping parameter given as a mapping or a YAML string (`-p bounds "{income: [0, 1e5]}"`);
    empty (None, "", {}) is an empty mapping."""
    mapping = _yaml_value(value.strip(), name) if isinstance(value, str) else value
    if mapping is None or mapping == "":
        return {}
    if not isinstance(mapping, dict):
        raise InvalidParameterError(
            f"{name} must be a mapping, e.g. -p {name} '{{income: [0, 200000]}}'; got {value!r}",
            parameter=name,
        )
    return mapping


def _yaml_value(text: str, name: str) -> Any:
    try:
        return yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        raise InvalidParameterError(
            f"{name}: cannot read {text!r} as YAML; write e.g. [eu, uk] or {{income: [0, 1]}}",
            parameter=name,
        ) from None


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
