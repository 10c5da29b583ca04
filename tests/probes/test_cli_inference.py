"""`jupyter privacy probe --attack attribute|inversion` from CSV rows and saved models, in process:
gates and exit codes, --json, reports that `check` and `card build` read, and one-line usage errors
that name no data value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from jupyter_privacy.cli import main

pytestmark = pytest.mark.probes

SENTINEL = "987654.25"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def cps_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Members, non-members and the attacker's rows as CSV (model columns + label, + wage), and a
    memorising forest trained on the members and the attacker's rows, saved with joblib."""
    from jupyter_privacy.core.queries import load_example
    from jupyter_privacy.pilot.steps import model_matrix, split_rows

    folder = tmp_path_factory.mktemp("cps")
    dataset = load_example("cps1988")
    x, y, names = model_matrix(dataset, "wage", 500.0)
    split = split_rows(len(x), 7)
    train = split["train"][:1000]
    sets = {"members": train[:500], "auxiliary": train[500:], "non_members": split["holdout"][:500]}
    paths = {}
    for name, rows in sets.items():
        frame = pd.DataFrame(x[rows], columns=names)
        frame["label"] = y[rows]
        paths[name] = folder / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
        with_wage = pd.DataFrame(x[rows], columns=names)
        with_wage.insert(0, "wage", dataset.frame["wage"].to_numpy()[rows])
        with_wage["label"] = y[rows]
        paths[f"{name}_wage"] = folder / f"{name}_wage.csv"
        with_wage.to_csv(paths[f"{name}_wage"], index=False)
    model = RandomForestClassifier(n_estimators=60, random_state=0).fit(x[train], y[train])
    paths["model"] = folder / "forest.joblib"
    joblib.dump(model, paths["model"])
    return paths


def _attribute(files: dict[str, Path], *extra: str) -> list[str]:
    return ["probe", "--attack", "attribute", "--model", str(files["model"]),
            "--members", str(files["members"]), "--non-members", str(files["non_members"]),
            "--auxiliary", str(files["auxiliary"]), "--sensitive", "region", *extra]  # fmt: skip


def test_attribute_probe_fails_its_gate_and_feeds_check_and_the_card(
    capsys: Any, cps_files: dict[str, Path], tmp_path: Path
) -> None:
    report = tmp_path / "attribute.json"
    code, out, _ = run(capsys, *_attribute(cps_files, "--max-advantage", "0.05",
                                           "--out", str(report)))  # fmt: skip
    assert code == 1
    assert "attribute inference probe on 'region'" in out
    assert "FAIL  attribute_inference_advantage[region]" in out and "1 of 1 gate(s) failed" in out
    assert json.loads(report.read_text())["format"] == "jupyter-privacy/leakage-report@1"

    code, out, _ = run(capsys, *_attribute(cps_files, "--json", "--method", "black-box"))
    data = json.loads(out)
    assert code == 0 and data["passed"] and data["gates"] == []  # no limit given: no gate
    assert [a["name"] for a in data["report"]["attacks"]] == ["black-box"]

    threat_model = tmp_path / "tm.yaml"
    run(capsys, "threat-model", "init", str(threat_model))
    text = threat_model.read_text().replace(
        "success_criteria:\n",
        "success_criteria:\n  - metric: attribute_inference_advantage\n    max: 0.05\n",
    )
    threat_model.write_text(text)
    code, out, _ = run(capsys, "check", "--probe-report", str(report), "--threat-model",
                       str(threat_model), "--metric", "accuracy=0.8", "--max-epsilon", "9",
                       "--json")  # fmt: skip
    gates = {g["gate"]: g["passed"] for g in json.loads(out)["gates"]}
    assert code == 1 and gates["attribute_inference_advantage[region]"] is False
    code, out, _ = run(capsys, "check", "--probe-report", str(report), "--max-advantage", "0.5")
    assert code == 0 and "PASS  attribute_inference_advantage[region]" in out

    meta = tmp_path / "card.yaml"
    meta.write_text("name: demo\n")
    code, out, _ = run(capsys, "card", "build", "--meta", str(meta), "--epsilon", "2",
                       "--accountant", "RDP", "--probe-report", str(report),
                       "--out", str(tmp_path / "card"))  # fmt: skip
    assert code == 0
    card = (tmp_path / "card" / "model-card.md").read_text()
    assert "## Attribute inference and model inversion" in card and "At ε 2" in card
    privacy = json.loads((tmp_path / "card" / "privacy-card.json").read_text())
    assert privacy["inference_probes"][0]["target"] == "region"


def test_inversion_of_a_column_and_of_classes(capsys: Any, cps_files: dict[str, Path],
                                              tmp_path: Path) -> None:  # fmt: skip
    code, out, _ = run(capsys, "probe", "--attack", "inversion", "--model", str(cps_files["model"]),
                       "--members", str(cps_files["members_wage"]),
                       "--non-members", str(cps_files["non_members_wage"]),
                       "--auxiliary", str(cps_files["auxiliary_wage"]), "--sensitive", "wage",
                       "--bounds", "0,2500", "--max-similarity", "0.1")  # fmt: skip
    assert code == 1 and "FAIL  inversion_similarity[wage]" in out
    assert "model inversion probe on 'wage'" in out

    x, y = load_digits(return_X_y=True)
    frame = pd.DataFrame(x / 16, columns=[f"p{i}" for i in range(64)])
    frame["label"] = y
    frame.iloc[:600].to_csv(tmp_path / "m.csv", index=False)
    frame.iloc[600:1200].to_csv(tmp_path / "n.csv", index=False)
    joblib.dump(LogisticRegression(max_iter=1000).fit(x[:600] / 16, y[:600]), tmp_path / "lr.pkl")
    code, out, _ = run(capsys, "probe", "--attack", "inversion", "--model", str(tmp_path / "lr.pkl"),
                       "--members", str(tmp_path / "m.csv"), "--non-members", str(tmp_path / "n.csv"),
                       "--max-iter", "30", "--json")  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["report"]["target"] == "class representatives (10 classes)"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sensitive", "religion"], "no column 'religion'"),
        (["--kind", "loss"], "--kind applies to --attack membership"),
        (["--label", "y"], "no label column 'y'"),
        (["--method", "posterior", "--no-label"], "know the label"),
    ],
)
def test_usage_errors_exit_2(capsys: Any, cps_files: dict[str, Path], extra: list[str],
                             message: str) -> None:  # fmt: skip
    argv = _attribute(cps_files)
    if "--sensitive" in extra:
        argv = argv[:-2]
    code, _, err = run(capsys, *argv, *extra)
    assert code == 2 and message in err and err.count("\n") == 1


def test_file_errors_exit_2_without_data_values(capsys: Any, cps_files: dict[str, Path],
                                                tmp_path: Path) -> None:  # fmt: skip
    text = tmp_path / "text.csv"
    frame = pd.read_csv(cps_files["members"])
    frame["education"] = frame["education"].astype(str)
    frame.loc[0, "education"] = f"secret-{SENTINEL}"
    frame.to_csv(text, index=False)
    argv = _attribute(cps_files)
    argv[argv.index("--members") + 1] = str(text)
    code, _, err = run(capsys, *argv)
    assert code == 2 and "['education'] are not numeric" in err and SENTINEL not in err
    argv = _attribute(cps_files)
    argv[argv.index("--model") + 1] = str(tmp_path / "model.onnx")
    (tmp_path / "model.onnx").write_text("x")
    code, _, err = run(capsys, *argv)
    assert code == 2 and "save a Keras model" in err
    code, _, err = run(capsys, "probe", "--attack", "inversion", "--model", str(cps_files["model"]),
                       "--members", str(cps_files["members_wage"]),
                       "--non-members", str(cps_files["non_members_wage"]),
                       "--auxiliary", str(cps_files["auxiliary_wage"]), "--sensitive", "wage")  # fmt: skip
    assert code == 2 and "give --bounds LOW,HIGH" in err
