"""`jupyter privacy policy init | check | show | terms`, in process, plus the real executable once
for the exit code a CI gate sees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from jupyter_privacy.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_init_check_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "privacy-policy.yaml"
    code, out, err = run(capsys, "policy", "init", "--market", "eu", "--market", "us",
                         "--use-case", "ml-model", "--field", "ethnicity=racial_ethnic_origin",
                         "--feature", "wage_band=", "--feature",
                         "face_match=biometric_identification", "--out", str(target))  # fmt: skip
    assert code == 0 and f"wrote {target}" in out
    assert "added use case(s) sensitive-data, biometrics" in err
    code, out, _ = run(capsys, "policy", "check", str(target))
    assert code == 0 and out.strip().endswith(
        "the policy agrees with the checklists and its ε caps"
    )
    code, out, _ = run(capsys, "policy", "show", str(target))
    assert "| ethnicity | deny (eu-gdpr-lawful-basis) | allow |" in out
    assert "| wage_band | allow | allow |" in out
    code, out, _ = run(capsys, "policy", "show", str(target), "--json")
    assert json.loads(out)["serve"]["face_match"]["us"]["allowed"] is False
    code, _, err = run(capsys, "policy", "init", "--market", "eu", "--use-case", "analytics",
                       "--out", str(target))  # fmt: skip
    assert code == 2 and "exists" in err


def test_check_fails_as_a_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "p.yaml"
    run(capsys, "policy", "init", "--market", "eu", "--use-case", "ml-model", "--out", str(target))
    data = yaml.safe_load(target.read_text())
    data["markets"]["eu"]["serve"]["practices"]["social_scoring"] = {"decision": "allow"}
    target.write_text(yaml.safe_dump(data))
    code, out, _ = run(capsys, "policy", "check", str(target), "--json")
    report = json.loads(out)
    assert code == 1 and report["passed"] is False
    assert report["findings"][0]["items"] == ["eu-ai-art5-prohibited"]
    done = subprocess.run([sys.executable, "-m", "jupyter_privacy.cli", "policy", "check",
                           str(target)], capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 1
    assert (
        "FAIL  eu: practice 'social_scoring': allowed, but the checklist prohibits it"
        in done.stdout
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["policy", "check", "nowhere.yaml"], "policy not found: nowhere.yaml"),
        (["policy", "init", "--market", "xx", "--use-case", "ml-model"], "unknown market 'xx'"),
        (
            ["policy", "init", "--market", "eu", "--use-case", "ml-model", "--field", "age"],
            "--field 'age': write NAME=VALUE",
        ),
    ],
)
def test_usage_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                   message: str) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_terms_lists_the_vocabulary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policy", "terms", "--json")
    assert code == 0
    terms = json.loads(out)
    assert "racial_ethnic_origin" in terms["categories"] and "social_scoring" in terms["practices"]
