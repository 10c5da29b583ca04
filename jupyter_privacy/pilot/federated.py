"""Helpers of the federated pilot (template 07): clients made from the pilot's table by a public
attribute, and the small model they train together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from jupyter_privacy.core.errors import InvalidParameterError


def client_rows(
    dataset: Any, rows: np.ndarray, column: str, groups: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """For each client, the `rows` whose `column` is one of its values. The column must have public
    keys and every key must go to exactly one client: clients are drawn along a public attribute,
    so who holds which rows reveals nothing about the data."""
    keys = getattr(dataset, "keys", {}).get(column)
    if not keys:
        raise InvalidParameterError(
            f"client_column {column!r} has no public keys; split clients by a categorical column "
            f"with declared categories: {', '.join(getattr(dataset, 'keys', {})) or 'none declared'}"
        )
    if not isinstance(groups, Mapping) or len(groups) < 2:
        raise InvalidParameterError(
            "client_groups must map at least two client names to lists of "
            f"{column} values, e.g. {{north: [northeast], rest: [midwest, south, west]}}"
        )
    owner: dict[str, str] = {}
    for client, values in groups.items():
        for value in [values] if isinstance(values, str) else list(values):
            if str(value) not in keys:
                raise InvalidParameterError(
                    f"client {client!r}: {value!r} is not a public value of {column} "
                    f"({', '.join(keys)})"
                )
            if str(value) in owner:
                raise InvalidParameterError(
                    f"{column} value {value!r} is given to both {owner[str(value)]!r} and {client!r}"
                )
            owner[str(value)] = str(client)
    missing = [k for k in keys if k not in owner]
    if missing:
        raise InvalidParameterError(
            f"no client holds the rows with {column} {', '.join(missing)}; give every value to a "
            "client"
        )
    values = dataset.frame[column].astype(str).to_numpy()[rows]
    return {str(client): rows[np.isin(values, [v for v, c in owner.items() if c == str(client)])]
            for client in groups}  # fmt: skip


def federated_model(features: int) -> Any:
    """A linear classifier (two logits): few parameters, so the noise that protects each client
    spreads over few numbers."""
    import tensorflow as tf

    return tf.keras.Sequential([tf.keras.Input((features,)), tf.keras.layers.Dense(2)])
