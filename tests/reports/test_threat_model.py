"""Threat model: the shipped example validates, renders, feeds the gates; bad files are clear errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.reports.model_card import example_path
from jupyter_privacy.core.reports.threat_model import load_threat_model, validate_threat_model


@pytest.fixture
def example() -> dict[str, Any]:
    return yaml.safe_load(example_path("threat-model.yaml").read_text())


def test_example_feeds_the_gates(example: dict[str, Any]) -> None:
    model = validate_threat_model(example)
    limits = {(limit.metric, limit.fpr): limit.maximum for limit in model.probe_limits()}
    assert limits == {("tpr_at_fpr", 0.01): 0.02, ("auc", None): 0.6}
    assert model.max_epsilon() == 3.0
    assert "ε ≤ 3 at δ 1e-05" in model.summary()["success_criteria"]


def test_renders_markdown_and_escaped_html(example: dict[str, Any]) -> None:
    example["title"] = "Pilot <script>alert(1)</script>"
    model = validate_threat_model(example)
    markdown = model.to_markdown()
    for section in ("## Assets", "## Who is protected", "## Adversaries", "## Harms",
                    "## Success criteria", "## Privacy technologies and why"):  # fmt: skip
        assert section in markdown
    assert "| API client | api_access, scores, auxiliary_data |" in markdown
    page = model.to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "membership-inference TPR ≤ 0.02 at FPR 1%" in page


def _broken(example: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(example)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["harms"], KeyError, r"top level: missing required field\(s\) \['harms'\]"),
        (["protected", "privacy_unit"], KeyError, r"protected: missing required field"),
        (["threats"], ["x"], r"unknown field\(s\) \['threats'\]"),
        (["adversaries", 0, "skills"], "x", r"adversaries\[0\]: unknown field"),
        (["adversaries", 1, "capabilities"], ["root"], r"unknown capability \['root'\]; known:"),
        (["success_criteria", 0, "fpr"], 0, r"success_criteria\[0\].fpr: must be in"),
        (["success_criteria", 1, "max"], 1.5, r"success_criteria\[1\].max: must be in \[0, 1\]"),
        (["success_criteria", 2, "max"], "three", r"must be a number"),
        (["success_criteria", 0, "metric"], "accuracy", r"metric 'accuracy' is not one of"),
        (["success_criteria"], [], r"at least one measurable threshold"),
        (["assets"], "rows", r"assets: must be a non-empty list"),
    ],
)
def test_bad_threat_models_are_clear_errors(
    example: dict[str, Any], path: list[Any], value: Any, message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=f"threat model: .*{message}"):
        validate_threat_model(_broken(example, path, value))


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="not found"):
        load_threat_model(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n")
    with pytest.raises(InvalidParameterError, match="not valid YAML"):
        load_threat_model(bad)
    bad.write_text("- a list\n")
    with pytest.raises(InvalidParameterError, match="must be a mapping"):
        load_threat_model(bad)
