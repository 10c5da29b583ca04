"""Pilot parameters from `-p NAME VALUE` and `-f params.yaml`, checked against what the templates take.

Values given with -p are read as YAML scalars (papermill's convention): `-p epsilon 0.5` is a float,
`-p markets "[eu, uk]"` a list, `-p kind analytics` a string. Plain papermill passes `-p` values as
strings, so templates read their list and mapping parameters through `list_parameter` and
`mapping_parameter`: `-p markets eu,uk`, `-p markets "[eu, uk]"` and `-y 'markets: [eu, uk]'` all
give ["eu", "uk"].
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.files import read_yaml_mapping
from jupyter_privacy.core.templates import Template
from jupyter_privacy.core.validation import (
    check_budget_name,
    check_delta,
    check_epsilon,
    check_positive_int,
)

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
            merged[name] = check_value(name, value, known[name])
    return merged


def _fraction(value: Any, name: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InvalidParameterError(f"{name} must be a number in [0, 1], got {value!r}")
    return value


def _open_fraction(value: Any, name: str) -> Any:
    if _fraction(value, name) in (0, 1):
        raise InvalidParameterError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return value


def _positive(value: Any, name: str) -> Any:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value > 0)
    ):
        raise InvalidParameterError(f"{name} must be a number > 0, got {value!r}")
    return value


#: Checks by parameter name (first match wins), so a bad value stops the run before any notebook.
VALUE_RULES: tuple[tuple[Callable[[str], bool], Callable[[Any, str], Any]], ...] = (
    (lambda n: n.endswith("epsilon"), check_epsilon),
    (lambda n: n == "delta" or n.endswith("_delta"), check_delta),
    (lambda n: n == "alpha", _open_fraction),
    (lambda n: n.startswith(("max_tpr", "max_auc", "min_accuracy")), _fraction),
    (lambda n: n in ("epochs", "batch_size", "expected_rows", "probe_members"), check_positive_int),
    (lambda n: n == "learning_rate", _positive),
    (lambda n: n.endswith("_budget"), lambda v, _n: check_budget_name(v)),
)


def check_value(name: str, value: Any, default: Any) -> Any:
    """A -p/-f value: the same kind as the template's default (a number for a number, a list for
    a list, …; "eu,uk" reads as a list), then the rule for its name (ε > 0, δ in [0, 1), …)."""
    if isinstance(value, str) and isinstance(default, float) and not isinstance(default, bool):
        with contextlib.suppress(ValueError):  # YAML reads 1e-5 (no dot) as text
            value = float(value)
    if isinstance(value, str) and isinstance(default, list):  # -p markets eu,uk
        value = list_parameter(value, name)
    if default is not None and not _same_kind(value, default):
        raise InvalidParameterError(
            f"pilot parameter {name!r} must be {_kind(default)} like its default {default!r}, "
            f"got {value!r}",
            parameter=name,
        )
    for applies, check in VALUE_RULES:
        if applies(name):
            try:
                check(value, name)
            except InvalidParameterError as error:
                raise InvalidParameterError(
                    f"pilot parameter {name!r}: {error.message}", parameter=name
                ) from None
            break
    return value


def _same_kind(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and (
            isinstance(default, float) or isinstance(value, int)
        )
    return isinstance(value, type(default))


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, float):
        return "a number"
    return {str: "text", list: "a list", dict: "a mapping"}.get(
        type(default), type(default).__name__
    )


def parameters_for(template: Template, chosen: dict[str, Any]) -> dict[str, Any]:
    """The subset of chosen values this template declares (papermill warns on extras)."""
    declared = {p.name for p in template.parameters}
    return {name: value for name, value in chosen.items() if name in declared}
