"""Reading the kit's JSON and YAML inputs with one set of clear errors (missing file, bad syntax)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from jupyter_privacy.core.errors import InvalidParameterError


def read_json_file(path: str | Path, what: str) -> Any:
    """Parsed JSON of `path`; `what` names the file in errors ("probe report", "checklist status")."""
    file = Path(path)
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidParameterError(f"{what} not found: {file}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidParameterError(_unreadable(file, what, error)) from None
    except json.JSONDecodeError as error:
        raise InvalidParameterError(f"{what} {file} is not JSON ({error.msg})") from None


def read_yaml_file(path: str | Path, what: str) -> Any:
    file = Path(path)
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidParameterError(f"{what} not found: {file}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidParameterError(_unreadable(file, what, error)) from None
    except yaml.YAMLError as error:
        raise InvalidParameterError(f"{what} {file} is not valid YAML: {error}") from None


def read_yaml_mapping(path: str | Path, what: str, shape: str) -> dict[str, Any]:
    """A YAML file that must hold a mapping (an empty file is an empty one); `shape` says what the
    mapping maps, for the error ("item ids to done, n/a or open")."""
    data = read_yaml_file(path, what) or {}
    if not isinstance(data, dict):
        raise InvalidParameterError(f"{what} {path} must map {shape}")
    return data


def _unreadable(file: Path, what: str, error: Exception) -> str:
    if isinstance(error, IsADirectoryError):
        return f"{what} {file} is a folder; give the file itself"
    if isinstance(error, UnicodeDecodeError):
        return f"{what} {file} is not UTF-8 text"
    return f"cannot read {what} {file} ({getattr(error, 'strerror', None) or error})"
