"""Shared scikit-learn targets for the probe tests: trained once per session (seconds, not minutes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier

from jupyter_privacy.core.probes import probability_losses, train_reference_models


@dataclass
class Split:
    members: tuple[Any, Any]
    non_members: tuple[Any, Any]
    population: tuple[Any, Any]


def fit_forest(x: Any, y: Any, seed: int) -> Any:
    """Fully grown trees memorise their training rows: a deliberately leaky, non-private model."""
    model = RandomForestClassifier(n_estimators=30, random_state=seed).fit(x, y)
    return probability_losses(model.predict_proba)


@pytest.fixture(scope="session")
def digits_split() -> Split:
    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    m, n, p = order[:500], order[500:1000], order[1000:]
    return Split((x[m], y[m]), (x[n], y[n]), (x[p], y[p]))


@pytest.fixture(scope="session")
def overfit_model(digits_split: Split) -> Any:
    return fit_forest(*digits_split.members, seed=0)


@pytest.fixture(scope="session")
def reference_models(digits_split: Split) -> list[Any]:
    return train_reference_models(fit_forest, *digits_split.population, count=8, seed=1)
