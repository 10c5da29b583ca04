"""The model card's per-market feature matrix, and template 01's policy gate under papermill."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.policy import load_policy


def test_model_card_lists_the_feature_matrix(tmp_path: Path, policy_path: Path,
                                              ledger: Ledger) -> None:  # fmt: skip
    import jsonschema

    from jupyter_privacy.core.reports.model_card import build_card, load_schema
    from jupyter_privacy.core.reports.privacy_budget import stated_guarantee

    guarantee = stated_guarantee(4.0, 1e-5, accountant="rdp", sampling="shuffle",
                                 privacy_unit="one person")  # fmt: skip
    section = load_policy(policy_path, ledger=ledger).card_section()
    card = build_card({"name": "wage"}, guarantee=guarantee, market_policy=section)
    paths = card.write(tmp_path)
    privacy = json.loads(paths["privacy_card_json"].read_text())
    jsonschema.validate(privacy, load_schema("privacy-card"))
    assert privacy["market_policy"]["epsilon_caps"] == {"eu": 5.0, "us": 5.0, "in": 5.0}
    markdown = paths["markdown"].read_text()
    assert "## Markets" in markdown and "| feature | eu | us | in |" in markdown
    assert "| wage_band | allow | allow | allow |" in markdown
    assert ("| face_match | deny [eu-ai-annex3-high-risk] | deny [us-ftc-rite-aid-face-recognition, "
            "us-tx-traiga] | allow |") in markdown  # fmt: skip
    assert "Markets" in paths["html"].read_text()
    plain = build_card({"name": "wage"}, guarantee=guarantee)
    assert "market_policy" not in plain.privacy_card()


@pytest.mark.notebook
@pytest.mark.slow
def test_template_01_writes_the_policy_and_gates_it(tmp_path: Path,
                                                     policy_data: dict[str, Any]) -> None:  # fmt: skip
    from jupyter_privacy.core.templates import templates_dir

    template = templates_dir() / "01_threat_model_and_compliance.ipynb"
    policy_data["markets"]["eu"]["serve"]["practices"]["social_scoring"] = {"decision": "allow"}
    bad = tmp_path / "bad-policy.yaml"
    bad.write_text(yaml.safe_dump(policy_data))
    verdicts = {}
    for name, extra in {"default": [], "bad": ["-p", "policy_path", str(bad)]}.items():
        out = tmp_path / name
        command = [sys.executable, "-m", "papermill", str(template), str(tmp_path / f"{name}.ipynb"),
                   "-p", "out_dir", str(out), "-p", "markets", "eu,us,in", *extra]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        assert (out / "privacy-policy.yaml").is_file()
        gates = json.loads((out / "gates" / "01_threat_model_and_compliance.json").read_text())
        verdicts[name] = next(g for g in gates if g["gate"] == "policy")
    assert verdicts["default"]["passed"]
    assert not verdicts["bad"]["passed"]
    assert "social_scoring" in verdicts["bad"]["reason"]
