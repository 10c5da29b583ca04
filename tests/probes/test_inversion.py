"""Model inversion with ART: MIFace class representatives of a digits classifier resemble the class
means (a model trained on shuffled labels' do not), and a memorising forest lets an attacker
rebuild its members' wage (CPS 1988) better than anyone else's; bad input is a clear error."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.probes import (
    class_inversion_probe,
    class_representatives,
    feature_reconstruction_probe,
    leakage_gate,
)
from jupyter_privacy.core.probes.leakage import EXCESS

pytestmark = pytest.mark.probes


@pytest.fixture(scope="module")
def digits() -> tuple[Any, Any, Any, Any, Any]:
    x, y = load_digits(return_X_y=True)
    x = x / 16
    order = np.random.default_rng(0).permutation(len(y))
    return x, y, order[:700], order[700:1300], order[1300:]


def test_miface_representatives_resemble_the_class_means(digits: Any) -> None:
    x, y, members, non_members, known = digits
    model = LogisticRegression(max_iter=2000).fit(x[members], y[members])
    report = class_inversion_probe(model, members=(x[members], y[members]),
                                   non_members=(x[non_members], y[non_members]),
                                   auxiliary=x[known], max_iter=60)  # fmt: skip
    result = report.attacks[0]
    assert report.metric == "inversion_similarity" and report.reads == "members"
    assert report.target == "class representatives (10 classes)" and report.interval is None
    assert report.value > 0.3 and result["members"]["identified"] >= 0.8
    assert "MIFace" in result["method"] and report.n_auxiliary == len(known)
    assert not leakage_gate(report, 0.2).passed
    shuffled = np.random.default_rng(1).permutation(y[members])
    blind = LogisticRegression(max_iter=2000).fit(x[members], shuffled)
    report = class_inversion_probe(blind, members=(x[members], y[members]),
                                   non_members=(x[non_members], y[non_members]),
                                   auxiliary=x[known], max_iter=60)  # fmt: skip
    assert report.value < 0.15 and leakage_gate(report, 0.2).passed


def test_representatives_stay_in_range_and_reports_keep_none(digits: Any) -> None:
    x, y, members, non_members, _ = digits
    model = LogisticRegression(max_iter=2000).fit(x[members], y[members])
    images = class_representatives(model, [3, 5], start=np.full(64, 0.5), max_iter=20)
    assert images.shape == (2, 64) and images.min() >= 0 and images.max() <= 1
    report = class_inversion_probe(model, members=(x[members], y[members]),
                                   non_members=(x[non_members], y[non_members]), classes=[3, 5],
                                   max_iter=20)  # fmt: skip
    assert report.target == "class representatives (2 classes)"
    text = json.dumps(report.to_dict())
    assert f"{images[0, 20]:.6f}" not in text  # aggregates only, never a reconstruction


@pytest.fixture(scope="module")
def cps_wage() -> dict[str, Any]:
    from jupyter_privacy.core.queries import load_example
    from jupyter_privacy.pilot.steps import model_matrix, split_rows

    dataset = load_example("cps1988")
    x, y, _ = model_matrix(dataset, "wage", 500.0)
    rows = np.c_[dataset.frame["wage"].to_numpy(), x]  # the attacker's rows: wage first
    split = split_rows(len(x), 7)
    train = split["train"][:1000]
    return {"x": x, "y": y, "rows": rows, "members": train[:500], "known": train[500:],
            "holdout": split["holdout"][:500], "elsewhere": split["validation"][:1000]}  # fmt: skip


def _wage_probe(data: dict[str, Any], model: Any) -> Any:
    rows, y = data["rows"], data["y"]
    return feature_reconstruction_probe(
        model, members=(rows[data["members"]], y[data["members"]]),
        non_members=(rows[data["holdout"]], y[data["holdout"]]),
        auxiliary=(rows[data["known"]], y[data["known"]]), feature=0, bounds=(0, 2500),
        name="wage", seed=4,
    )  # fmt: skip


def test_a_memorising_forest_gives_its_members_wages_away(cps_wage: dict[str, Any]) -> None:
    x, y = cps_wage["x"], cps_wage["y"]
    trained = np.r_[cps_wage["members"], cps_wage["known"]]
    leaky = RandomForestClassifier(n_estimators=60, random_state=0).fit(x[trained], y[trained])
    report = _wage_probe(cps_wage, leaky)  # the model never reads wage: queried without it
    assert [a["name"] for a in report.attacks] == ["black-box"]  # label unknown: no posterior
    assert report.reads == EXCESS and report.value > 0.15 and report.interval[0] > 0.05
    assert report.member_value() > 0.1 and report.non_member_value() < 0.05
    assert not leakage_gate(report, 0.1).passed
    assert "errors are fractions of the public range [0, 2500]" in report.notes
    elsewhere = cps_wage["elsewhere"]
    blind = RandomForestClassifier(n_estimators=60, random_state=0).fit(x[elsewhere], y[elsewhere])
    assert leakage_gate(_wage_probe(cps_wage, blind), 0.1).passed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(bounds=(5, 5)), "low < high"),
        (dict(feature=[1, 2]), "one numeric column"),
        (dict(attacks=["posterior"]), "know the label"),
        (dict(attacks=["guess"]), "unknown attack"),
    ],
)
def test_reconstruction_input_errors(cps_wage: dict[str, Any], change: dict[str, Any],
                                     message: str) -> None:  # fmt: skip
    x, y, known = cps_wage["x"], cps_wage["y"], cps_wage["known"]
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(x[known], y[known])
    rows = cps_wage["rows"]
    options = dict(members=(rows[cps_wage["members"]], y[cps_wage["members"]]),
                   non_members=(rows[cps_wage["holdout"]], y[cps_wage["holdout"]]),
                   auxiliary=(rows[known], y[known]), feature=0, bounds=(0, 2500)) | change  # fmt: skip
    with pytest.raises(InvalidParameterError, match=message):
        feature_reconstruction_probe(model, **options)


def test_inversion_input_errors(digits: Any) -> None:
    x, y, members, non_members, _ = digits
    model = LogisticRegression(max_iter=500).fit(x[members], y[members])
    sets = dict(members=(x[members], y[members]), non_members=(x[non_members], y[non_members]))
    with pytest.raises(InvalidParameterError, match="low < high"):
        class_inversion_probe(model, clip_values=(1, 0), **sets)
    with pytest.raises(InvalidParameterError, match="at least two classes"):
        class_inversion_probe(model, classes=[3], **sets)
    with pytest.raises(InvalidParameterError, match="start has 3 values"):
        class_representatives(model, [1, 2], start=[0.5, 0.5, 0.5])
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(x[members], y[members])
    with pytest.raises(InvalidParameterError, match="class gradients"):
        class_inversion_probe(forest, **sets)
