"""`jupyter privacy probe | checklist | threat-model | card | check` end to end, in process (fast)
plus one run of the real executable for the exit code CI sees."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jupyter_privacy.cli import main
from jupyter_privacy.core.ledger import open_ledger


@pytest.fixture(scope="module")
def loss_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Leaky losses (members fit much better) and harmless ones (same distribution)."""
    folder = tmp_path_factory.mktemp("losses")
    rng = np.random.default_rng(11)
    files = {
        "leaky_members": rng.exponential(0.05, 500), "leaky_non_members": rng.exponential(1.0, 500),
        "same_members": rng.exponential(1.0, 500), "same_non_members": rng.exponential(1.0, 500),
    }  # fmt: skip
    paths = {}
    for name, values in files.items():
        paths[name] = folder / f"{name}.npy"
        np.save(paths[name], values)
    csv = folder / "same_non_members.csv"
    csv.write_text("loss\n" + "\n".join(f"{v:.6f}" for v in files["same_non_members"]) + "\n")
    paths["same_non_members_csv"] = csv
    return paths


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_probe_gate_fails_on_leaky_losses(
    capsys: Any, loss_files: dict[str, Path], tmp_path: Path
) -> None:
    report = tmp_path / "probe.json"
    code, out, _ = run(capsys, "probe", "--members", str(loss_files["leaky_members"]),
                       "--non-members", str(loss_files["leaky_non_members"]),
                       "--max-tpr-at-fpr", "2%@1%", "--max-auc", "0.6", "--out", str(report))  # fmt: skip
    assert code == 1
    assert "FAIL  mia_auc" in out and "FAIL  mia_tpr_at_fpr@1%" in out
    assert json.loads(report.read_text())["format"] == "jupyter-privacy/probe-report@1"


def test_probe_gate_passes_on_harmless_losses_json(
    capsys: Any, loss_files: dict[str, Path]
) -> None:
    code, out, _ = run(capsys, "probe", "--members", str(loss_files["same_members"]),
                       "--non-members", str(loss_files["same_non_members_csv"]),
                       "--max-tpr-at-fpr", "5%@1%", "--epsilon", "1", "--delta", "1e-5", "--json")  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["passed"]
    assert data["report"]["ceiling"]["epsilon"] == 1.0
    assert {g["gate"] for g in data["gates"]} == {"mia_tpr_at_fpr@1%", "dp_claim_consistent"}


def test_probe_usage_errors_exit_2(
    capsys: Any, loss_files: dict[str, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "nan.json"
    bad.write_text("[0.1, NaN]")
    code, _, err = run(capsys, "probe", "--members", str(bad),
                       "--non-members", str(loss_files["same_members"]))  # fmt: skip
    assert code == 2 and "NaN or infinite" in err
    code, _, err = run(capsys, "probe", "--members", str(loss_files["same_members"]),
                       "--non-members", str(loss_files["same_members"]),
                       "--members-reference", str(loss_files["same_members"]))  # fmt: skip
    assert code == 2 and "give both --members-reference and --non-members-reference" in err


def test_checklist_outputs_and_unknown_market(capsys: Any, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "checklist", "--market", "eu", "--market", "us",
                       "--use-case", "ml-model")  # fmt: skip
    assert code == 0 and "not legal advice" in out and "## European Union" in out
    page = tmp_path / "checklist.html"
    code, _, _ = run(capsys, "checklist", "--market", "cn", "--use-case", "generative-ai",
                     "--format", "html", "--out", str(page))  # fmt: skip
    assert code == 0 and "GB 45438-2025" in page.read_text()
    code, _, err = run(capsys, "checklist", "--market", "atlantis", "--use-case", "ml-model")
    assert code == 2 and "unknown market 'atlantis'; known markets:" in err and "jp (Japan)" in err


def test_checklist_without_use_case_covers_every_use_case(capsys: Any) -> None:
    from jupyter_privacy.core.reports.compliance import USE_CASES

    code, out, err = run(capsys, "checklist", "--market", "eu", "--json")
    assert code == 0 and "no --use-case: the checklist for every use case" in err
    every = json.loads(out)
    assert every["use_cases"] == list(USE_CASES)
    code, out, _ = run(capsys, "checklist", "--market", "eu", "--use-case", "analytics", "--json")
    narrow = json.loads(out)
    assert 0 < len(narrow["items"]) < len(every["items"])
    code, _, err = run(capsys, "checklist")
    assert code == 2 and "name at least one market" in err


def test_checklist_status_gates_check(capsys: Any, tmp_path: Path) -> None:
    status = tmp_path / "status.json"
    run(
        capsys,
        "checklist",
        "--market",
        "sg",
        "--use-case",
        "analytics",
        "--json",
        "--out",
        str(status),
    )
    code, out, _ = run(capsys, "check", "--checklist", str(status))
    assert code == 1 and "binding checklist item(s) for sg still open" in out
    open_ids = json.loads(status.read_text())["summary"]["open_binding"]
    answers = tmp_path / "answers.yaml"
    answers.write_text("".join(f"{item}: done\n" for item in open_ids))
    run(capsys, "checklist", "--market", "sg", "--use-case", "analytics", "--answers",
        str(answers), "--json", "--out", str(status))  # fmt: skip
    code, out, _ = run(capsys, "check", "--checklist", str(status))
    assert code == 0 and "PASS  checklist" in out


def test_threat_model_init_validate_render(capsys: Any, tmp_path: Path) -> None:
    file = tmp_path / "tm.yaml"
    assert run(capsys, "threat-model", "init", str(file))[0] == 0
    code, out, _ = run(capsys, "threat-model", "validate", str(file))
    assert code == 0 and "membership-inference AUC ≤ 0.6" in out
    code, out, _ = run(capsys, "threat-model", "render", str(file), "--format", "html")
    assert code == 0 and out.startswith("<!DOCTYPE html>")
    file.write_text(file.read_text().replace("harms:", "harmz:"))
    code, _, err = run(capsys, "threat-model", "validate", str(file))
    assert code == 2 and "unknown field(s) ['harmz']" in err
    assert run(capsys, "threat-model", "init", str(file))[0] == 2  # never overwrites


def test_card_build_and_check_against_the_ledger(capsys: Any, ledger_url: str, tmp_path: Path,
                                                 loss_files: dict[str, Path]) -> None:  # fmt: skip
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("model", 3.0, 1e-5, privacy_unit="one person")
        ledger.spend("model", 2.0, 1e-5, mechanism="dp-sgd", description="training",
                     details={"accountant": "RDP", "conversion": "CKS20", "sampling": "Poisson"})  # fmt: skip
    probe = tmp_path / "probe.json"
    run(capsys, "probe", "--members", str(loss_files["same_members"]), "--non-members",
        str(loss_files["same_non_members"]), "--out", str(probe))  # fmt: skip
    meta = tmp_path / "card.yaml"
    meta.write_text("name: demo\nversion: '1'\n")
    out_dir = tmp_path / "card"
    code, out, _ = run(capsys, "card", "build", "--meta", str(meta), "--budget", "model",
                       "--probe-report", str(probe), "--out", str(out_dir), "--ledger", ledger_url)  # fmt: skip
    assert code == 0 and "per release: RDP" in out
    assert {p.name for p in out_dir.iterdir()} == {
        "model-card.json", "privacy-card.json", "model-card.md", "model-card.html",
        "privacy-budget.json"}  # fmt: skip

    code, out, _ = run(capsys, "check", "--max-epsilon", "2.5", "--ledger", ledger_url,
                       "--probe-report", str(probe), "--max-auc", "0.6")  # fmt: skip
    assert code == 0 and "all gates passed" in out
    code, out, _ = run(capsys, "check", "--max-epsilon", "1.5", "--ledger", ledger_url, "--json")
    data = json.loads(out)
    assert code == 1 and not data["passed"]
    failed = [g for g in data["gates"] if not g["passed"]]
    assert [g["gate"] for g in failed] == ["epsilon[model]"]
    assert "above the target 1.5" in failed[0]["reason"]


def test_check_catches_a_tampered_ledger_in_the_real_executable(
    ledger_url: str, cli_env: dict[str, str]
) -> None:
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("b", 3.0)
        ledger.spend("b", 2.0, description="count")
    with sqlite3.connect(ledger_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE jp_entries SET epsilon = 0.1 WHERE kind = 'release'")
    executable = str(Path(sys.executable).parent / "jupyter-privacy")
    result = subprocess.run([executable, "check", "--max-epsilon", "5"], env=cli_env,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "FAIL  ledger_integrity: ledger tampered" in result.stdout


def test_check_with_nothing_to_check_is_a_usage_error(capsys: Any) -> None:
    code, _, err = run(capsys, "check")
    assert code == 2 and "nothing to check" in err


def test_card_needs_a_guarantee(capsys: Any, tmp_path: Path) -> None:
    meta = tmp_path / "card.yaml"
    meta.write_text("name: demo\n")
    code, _, err = run(capsys, "card", "build", "--meta", str(meta), "--out", str(tmp_path / "o"))
    assert code == 2 and "give --budget NAME" in err
    code, _, err = run(capsys, "card", "build", "--meta", str(meta), "--epsilon", "1",
                       "--out", str(tmp_path / "o"))  # fmt: skip
    assert code == 2 and "--epsilon needs --accountant" in err


def test_check_takes_every_threshold_from_the_threat_model(
    capsys: Any, ledger_url: str, tmp_path: Path, loss_files: dict[str, Path]
) -> None:
    with open_ledger(ledger_url) as ledger:
        ledger.create_budget("model", 5.0, 1e-5)
        ledger.spend("model", 2.0, description="training")
    model = tmp_path / "tm.yaml"
    run(capsys, "threat-model", "init", str(model))
    model.write_text(model.read_text().replace("max: 0.02", "max: 0.05"))
    probe = tmp_path / "probe.json"
    run(capsys, "probe", "--members", str(loss_files["same_members"]), "--non-members",
        str(loss_files["same_non_members"]), "--out", str(probe))  # fmt: skip
    base = [
        "check",
        "--threat-model",
        str(model),
        "--probe-report",
        str(probe),
        "--ledger",
        ledger_url,
    ]
    code, out, _ = run(capsys, *base, "--metric", "accuracy=0.81", "--json")
    gates = {g["gate"]: g["passed"] for g in json.loads(out)["gates"]}
    assert code == 0, out
    assert gates == {"ledger_integrity": True, "epsilon[model]": True, "mia_tpr_at_fpr@1%": True,
                     "mia_auc": True, "utility[accuracy]": True}  # fmt: skip
    code, out, _ = run(capsys, *base, "--metric", "accuracy=0.5")
    assert code == 1 and "FAIL  utility[accuracy]: accuracy 0.5 is below the minimum 0.7" in out
    code, out, _ = run(capsys, *base)
    assert code == 1 and "no measured value for 'accuracy'" in out
    code, _, err = run(capsys, *base, "--metric", "accuracy=high")
    assert code == 2 and "write NAME=NUMBER" in err
