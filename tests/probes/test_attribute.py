"""Attribute inference with ART's attacks on real data (CPS 1988, the attribute `region`): a
memorising random forest leaks its members' region and fails the gate; a forest that never reads
the attribute, and one that never saw the members, pass; ART's decision-tree attacks run; bad input
is a clear error that names no data value; nothing private reaches the report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.probes import attribute_inference_probe, leakage_gate
from jupyter_privacy.core.probes.leakage import EXCESS

pytestmark = pytest.mark.probes

SENTINEL = 987654.25


@dataclass
class Cps:
    x: Any
    y: Any
    region: list[int]
    members: Any  # trained on and attacked
    known: Any  # trained on and known to the attacker
    holdout: Any  # never trained on

    def sets(self, x: Any = None) -> dict[str, Any]:
        x = self.x if x is None else x
        return {"members": (x[self.members], self.y[self.members]),
                "non_members": (x[self.holdout], self.y[self.holdout]),
                "auxiliary": (x[self.known], self.y[self.known])}  # fmt: skip


@pytest.fixture(scope="module")
def cps() -> Cps:
    from jupyter_privacy.core.queries import load_example
    from jupyter_privacy.pilot.steps import model_matrix, split_rows

    x, y, names = model_matrix(load_example("cps1988"), "wage", 500.0)
    split = split_rows(len(x), 7)
    region = [i for i, n in enumerate(names) if n.startswith("region=")]
    train = split["train"][:1000]
    return Cps(x, y, region, train[:500], train[500:], split["holdout"][:500])


def forest(x: Any, y: Any) -> RandomForestClassifier:
    """Fully grown trees memorise their rows: deliberately leaky."""
    return RandomForestClassifier(n_estimators=60, random_state=0).fit(x, y)


@pytest.fixture(scope="module")
def leaky_report(cps: Cps) -> Any:
    trained = np.r_[cps.members, cps.known]
    model = forest(cps.x[trained], cps.y[trained])
    return attribute_inference_probe(model, sensitive=cps.region, name="region", seed=1,
                                     epsilon=None, **cps.sets())  # fmt: skip


def test_a_memorising_forest_leaks_its_members_region_and_fails(leaky_report: Any) -> None:
    report = leaky_report
    assert {a["name"] for a in report.attacks} == {"black-box", "posterior"}
    assert report.attack == "posterior" and report.reads == EXCESS
    assert report.value > 0.08 and report.interval[0] > 0  # clearly above zero
    assert report.member_value() > 0.08 and report.non_member_value() < 0.04
    gate = leakage_gate(report, 0.05)
    assert not gate.passed and "posterior" in gate.reason
    for attack in report.attacks:  # ART's baseline sees the label as the attacks do
        assert "BaselineTrueLabel" in attack["baseline"]
        assert attack["members"]["n"] == 500 and attack["non_members"]["n"] == 500
    assert report.n_auxiliary == 500 and "adversarial-robustness-toolbox" in report.library


def test_a_forest_that_never_saw_the_members_passes(cps: Cps) -> None:
    rows = np.setdiff1d(np.arange(len(cps.y)), np.r_[cps.members, cps.known, cps.holdout])[:1000]
    model = forest(cps.x[rows], cps.y[rows])
    report = attribute_inference_probe(model, sensitive=cps.region, name="region", seed=1,
                                       **cps.sets())  # fmt: skip
    assert leakage_gate(report, 0.05).passed, report.summary()


def test_a_model_without_the_attribute_is_queried_without_it(cps: Cps) -> None:
    keep = [i for i in range(cps.x.shape[1]) if i not in cps.region]
    trained = np.r_[cps.members, cps.known]
    model = forest(cps.x[trained][:, keep], cps.y[trained])
    report = attribute_inference_probe(model, sensitive=cps.region, name="region", seed=1,
                                       **cps.sets())  # fmt: skip
    assert [a["name"] for a in report.attacks] == ["black-box"]  # no posterior without the input
    assert any("does not read the attribute" in note for note in report.notes)
    assert report.value < 0.05


def test_decision_tree_attacks_and_a_code_column(cps: Cps) -> None:
    code = np.argmax(cps.x[:, cps.region], axis=1).astype(float)
    x = np.c_[code, np.delete(cps.x, cps.region, axis=1)]  # the attribute first, as codes 0..3
    trained = np.r_[cps.members, cps.known]
    tree = DecisionTreeClassifier(random_state=0).fit(x[trained], cps.y[trained])
    first = attribute_inference_probe(tree, sensitive=0, name="region code", seed=2, **cps.sets(x))
    assert [a["name"] for a in first.attacks] == [
        "black-box", "posterior", "white-box-tree", "lifestyle-tree"]  # fmt: skip
    lifestyle = first.attacks[3]
    assert not lifestyle["knows_label"] and "features only" in lifestyle["baseline"]
    again = attribute_inference_probe(tree, sensitive=0, name="region code", seed=2, **cps.sets(x))
    assert again.to_dict() == first.to_dict()  # every random choice is seeded
    with pytest.raises(InvalidParameterError, match="last column"):
        last = np.c_[np.delete(cps.x, cps.region, axis=1), code]
        model = DecisionTreeClassifier(random_state=0).fit(last[trained], cps.y[trained])
        attribute_inference_probe(model, sensitive=last.shape[1] - 1, attacks=["white-box-tree"],
                                  **cps.sets(last))  # fmt: skip


def test_no_private_value_reaches_the_report(cps: Cps, leaky_report: Any) -> None:
    x = cps.x.copy()
    x[cps.members[:3], 1] = SENTINEL  # an impossible experience value, planted
    trained = np.r_[cps.members, cps.known]
    model = forest(x[trained], cps.y[trained])
    report = attribute_inference_probe(model, sensitive=cps.region, name="region", seed=1,
                                       **cps.sets(x))  # fmt: skip
    for text in (json.dumps(report.to_dict()), report.summary()):
        assert "987654" not in text
    with pytest.raises(InvalidParameterError) as error:
        bad = x.copy()
        bad[cps.holdout[0], 1] = np.nan
        attribute_inference_probe(model, sensitive=cps.region, **cps.sets(bad))
    assert "1 missing or infinite" in str(error.value) and "987654" not in str(error.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(sensitive=[6, 8]), "adjacent"),
        (dict(sensitive=[40]), "not within"),
        (dict(attacks=["telepathy"]), "unknown attack"),
        (dict(attacks=["posterior"], knows_label=False), "know the label"),
        (dict(attacks=["white-box-tree"]), "DecisionTreeClassifier"),
        (dict(attacks=[]), "at least one attack"),
        (dict(confidence=0.2), "confidence"),
    ],
)
def test_bad_input_is_a_clear_error(cps: Cps, leaky_report: Any, change: dict[str, Any],
                                    message: str) -> None:  # fmt: skip
    model = forest(cps.x[cps.known], cps.y[cps.known])
    options = dict(sensitive=cps.region, **cps.sets()) | change
    with pytest.raises(InvalidParameterError, match=message):
        attribute_inference_probe(model, **options)


def test_set_shapes_are_checked(cps: Cps) -> None:
    model = forest(cps.x[cps.known], cps.y[cps.known])
    sets = cps.sets()
    with pytest.raises(InvalidParameterError, match="at least 20"):
        attribute_inference_probe(model, sensitive=cps.region,
                                  **(sets | {"members": (cps.x[:5], cps.y[:5])}))  # fmt: skip
    with pytest.raises(InvalidParameterError, match="same columns"):
        attribute_inference_probe(model, sensitive=cps.region, **(
            sets | {"auxiliary": (cps.x[cps.known][:, :5], cps.y[cps.known])}))  # fmt: skip
    with pytest.raises(InvalidParameterError, match="exactly one 1"):
        broken = cps.x.copy()
        broken[cps.known[0], cps.region] = 0
        attribute_inference_probe(model, sensitive=cps.region, **cps.sets(broken))
    with pytest.raises(InvalidParameterError, match="not among the model's classes"):
        attribute_inference_probe(model, sensitive=cps.region, **(
            sets | {"members": (cps.x[cps.members], cps.y[cps.members] + 5)}))  # fmt: skip
