"""List and mapping parameters reach the templates as lists and mappings however they were given:
`-p markets eu,uk` (plain papermill passes a string), `-p markets "[eu, uk]"`, `-y 'markets: [eu, uk]'`
or the pilot runner's YAML-read values."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.templates import templates_dir
from jupyter_privacy.pilot.parameters import list_parameter, mapping_parameter
from jupyter_privacy.pilot.steps import pilot_dataset


@pytest.mark.parametrize(
    "given",
    [["eu", "uk"], ("eu", "uk"), "eu,uk", " eu , uk ", "[eu, uk]", '["eu", "uk"]', "eu,uk,"],
)
def test_list_parameter_reads_every_spelling(given) -> None:
    assert list_parameter(given, "markets") == ["eu", "uk"]


def test_one_item_and_bad_values() -> None:
    assert list_parameter("eu", "markets") == ["eu"]
    assert list_parameter("", "markets") == []
    with pytest.raises(InvalidParameterError, match="markets must be a list"):
        list_parameter(3, "markets")
    with pytest.raises(InvalidParameterError, match="cannot read"):
        list_parameter("[eu, uk", "markets")


def test_mapping_parameter_and_pilot_dataset_take_yaml_strings(tmp_path: Path) -> None:
    assert mapping_parameter("{income: [0, 100]}", "bounds") == {"income": [0, 100]}
    assert mapping_parameter("", "bounds") == {} == mapping_parameter(None, "keys")
    with pytest.raises(InvalidParameterError, match="bounds must be a mapping"):
        mapping_parameter("[0, 100]", "bounds")
    data = tmp_path / "people.csv"
    data.write_text("income,region\n10,a\n20,b\n")
    dataset = pilot_dataset(str(data), "{income: [0, 100]}", "{region: [a, b]}")
    assert dataset.bounds == {"income": (0.0, 100.0)} and dataset.keys == {"region": ("a", "b")}


@pytest.mark.notebook
@pytest.mark.slow
def test_plain_papermill_takes_markets_as_a_string_or_as_yaml(tmp_path: Path) -> None:
    template = templates_dir() / "01_threat_model_and_compliance.ipynb"
    found = {}
    for name, option in {
        "p": ["-p", "markets", "eu,uk", "-p", "use_cases", "analytics"],
        "y": ["-y", "markets: [eu, uk]\nuse_cases: [analytics]"],
    }.items():
        out = tmp_path / name
        command = [sys.executable, "-m", "papermill", str(template), str(tmp_path / f"{name}.ipynb"),
                   "-p", "out_dir", str(out), *option]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        status = json.loads((out / "checklist.json").read_text())
        found[name] = ([m["code"] for m in status["markets"]], status["use_cases"])
    assert found["p"] == found["y"] == (["eu", "uk"], ["analytics"])
