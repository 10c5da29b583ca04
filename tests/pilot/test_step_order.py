"""Each template says which earlier steps it needs (launcher tooltips read it), and opening a step
before them stops with one line in the notebook, not a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jupyter_privacy.core import templates
from jupyter_privacy.pilot.steps import EarlierStepsMissing, require_steps


def test_needs_come_from_notebook_metadata_and_match_the_check_cells() -> None:
    found = {t.name: t for t in templates.list_templates()}
    model_steps = "03_dpsgd_pilot|07_federated_pilot|08_encrypted_scoring"  # one per pilot track
    assert found["04_privacy_tests"].needs == ("01_threat_model_and_compliance", model_steps)
    assert found["01_threat_model_and_compliance"].needs == ()
    for template in found.values():
        alternatives = [need.split("|") for need in template.needs]
        assert {name for names in alternatives for name in names} <= set(found)  # shipped ones
        assert all(names[0] < template.name for names in alternatives)  # the central track's
        notebook = json.loads((templates.PACKAGE_TEMPLATES_DIR / template.filename).read_text())
        code = "".join("".join(c["source"]) for c in notebook["cells"])
        calls = re.findall(r"require_steps\((.*?)\)$", code, flags=re.DOTALL | re.MULTILINE)
        checked = set(re.findall(r'"(\d\d_[\w|]+)"', " ".join(calls)))
        assert checked == set(template.needs), template.name


def test_launcher_text_is_plain(tmp_path: Path) -> None:
    assert templates.plain_text("write down **who is protected**, a `budget` and *why* "
                                "([docs](https://x)); keep snake_case_names") == (
        "write down who is protected, a budget and why (docs); keep snake_case_names"
    )  # fmt: skip
    for template in templates.list_templates():
        assert "**" not in template.description and "`" not in template.description


def test_bad_needs_metadata_is_named(tmp_path: Path) -> None:
    notebook = {"cells": [], "metadata": {"jupyter_privacy": {"needs": "01"}}, "nbformat": 4}
    (tmp_path / "t.ipynb").write_text(json.dumps(notebook))
    with pytest.raises(Exception, match=r"needs must be a list"):
        templates.list_templates(tmp_path)


def test_require_steps_names_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "gates").mkdir()
    (tmp_path / "gates" / "01_threat_model_and_compliance.json").write_text("[]")
    require_steps(tmp_path, "01_threat_model_and_compliance")
    with pytest.raises(EarlierStepsMissing) as caught:
        require_steps(tmp_path, "01_threat_model_and_compliance", "03_dpsgd_pilot")
    assert (
        "step 3 (03_dpsgd_pilot)" in caught.value.message and "step 1" not in caught.value.message
    )
    assert "jupyter privacy pilot run" in caught.value.message
    assert len(caught.value._render_traceback_()) == 1


def test_a_step_any_track_can_provide(tmp_path: Path) -> None:
    (tmp_path / "gates").mkdir()
    model = "03_dpsgd_pilot|07_federated_pilot|08_encrypted_scoring"
    with pytest.raises(EarlierStepsMissing) as caught:
        require_steps(tmp_path, model, None)
    assert "one of step 3 (03_dpsgd_pilot), step 7 (07_federated_pilot), step 8" in (
        caught.value.message
    )
    (tmp_path / "gates" / "07_federated_pilot.json").write_text("[]")
    require_steps(tmp_path, model, None)  # the federated track's model step is enough


@pytest.mark.notebook
def test_step_4_first_says_so_in_one_line(tmp_path: Path) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    out = tmp_path / "executed.ipynb"
    with pytest.raises(PapermillExecutionError):
        papermill.execute_notebook(
            str(templates.PACKAGE_TEMPLATES_DIR / "04_privacy_tests.ipynb"), str(out),
            parameters={"out_dir": str(tmp_path / "pilot-output"),
                        "ledger_url": f"sqlite:///{tmp_path / 'ledger.db'}"},
            progress_bar=False, kernel_name="python3",
        )  # fmt: skip
    executed = json.loads(out.read_text())
    errors = [
        o for c in executed["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"
    ]
    (error,) = errors
    assert len(error["traceback"]) == 1 and "Traceback" not in error["traceback"][0]
    assert (
        "step 1 (01_threat_model_and_compliance) and one of step 3 (03_dpsgd_pilot), step 7"
        in error["traceback"][0]
    )
