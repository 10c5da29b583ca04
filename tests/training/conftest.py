"""A small digits task shared by the training tests: real DP-SGD in a few seconds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest


@dataclass(frozen=True)
class DigitsTask:
    """`x, y = task` unpacks the data; `task.model()` builds a fresh 64 → hidden → 10 MLP."""

    x: np.ndarray
    y: np.ndarray
    hidden: int

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.x, self.y))

    def model(self) -> Any:
        import tensorflow as tf

        return tf.keras.Sequential(
            [tf.keras.Input((64,)), tf.keras.layers.Dense(self.hidden, activation="relu"),
             tf.keras.layers.Dense(10)]
        )  # fmt: skip


@pytest.fixture(scope="session")
def digits_task() -> Callable[..., DigitsTask]:
    """`digits_task(rows, hidden=16)`: scikit-learn's digits scaled to [0, 1], first `rows` rows."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")

    def make(rows: int, hidden: int = 16) -> DigitsTask:
        return DigitsTask(x[:rows], y[:rows], hidden)

    return make
