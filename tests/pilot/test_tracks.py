"""Pilot tracks pick the steps a pilot runs: the default track is the central pilot's six steps."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.templates import list_templates
from jupyter_privacy.pilot.tracks import DEFAULT_TRACK, TRACKS, templates_for_track


def test_the_default_track_runs_the_six_central_steps_in_order() -> None:
    chosen = templates_for_track(list_templates(), DEFAULT_TRACK)
    assert [t.name[:2] for t in chosen] == ["01", "02", "03", "04", "05", "06"]


def test_every_track_names_bundled_templates() -> None:
    for track, (steps, description) in TRACKS.items():
        assert description, track
        assert [t.name[:2] for t in templates_for_track(list_templates(), track)] == list(steps)


def test_no_track_means_every_template_in_name_order() -> None:
    everything = list_templates()
    assert templates_for_track(everything, None) == everything


def test_unknown_track_and_missing_steps_say_what_to_do() -> None:
    with pytest.raises(InvalidParameterError, match=r"choose one of: .*central"):
        templates_for_track(list_templates(), "nosuch")
    with pytest.raises(InvalidParameterError, match="needs the template steps 03, 04"):
        only_some = [t for t in list_templates() if t.name[:2] not in {"03", "04"}]
        templates_for_track(only_some, DEFAULT_TRACK)


def test_cli_refuses_an_unknown_track_before_running_anything(tmp_path) -> None:
    command = [sys.executable, "-m", "jupyter_privacy.cli", "pilot", "run", "--out",
               str(tmp_path / "out"), "--track", "nosuch"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "unknown pilot track 'nosuch'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
