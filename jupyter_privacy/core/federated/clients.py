"""The clients' data and the Keras model they train, as plain picklable values.

The model travels as its architecture (Keras JSON) plus weights, never as a Python object, so the
same description works in Ray actors (simulation) and in ClientApp processes started by a
SuperNode (deployment). TensorFlow is imported only when a model is built (the `tf` extra).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from jupyter_privacy.core.errors import InvalidParameterError, require_extra
from jupyter_privacy.core.ledger.secret import DataKey
from jupyter_privacy.core.training.fingerprint import data_fingerprint
from jupyter_privacy.core.training.models import LOSSES, make_loss

Weights = list[npt.NDArray[Any]]


@dataclass(frozen=True)
class ClientData:
    """One client's training data. `name` is public (e.g. the region the client stands for)."""

    name: str
    x: npt.NDArray[Any]
    y: npt.NDArray[Any]


def check_client_datasets(client_datasets: Any) -> list[ClientData]:
    """A mapping name → (x, y), or a sequence of (x, y) pairs; at least two, same feature shape."""
    if isinstance(client_datasets, Mapping):
        items = [(str(name), pair) for name, pair in client_datasets.items()]
    elif isinstance(client_datasets, Sequence) and not isinstance(client_datasets, (str, bytes)):
        items = [(f"client-{index}", pair) for index, pair in enumerate(client_datasets)]
    else:
        raise InvalidParameterError(
            "client_datasets must be a list of (x, y) pairs, one per client, or a dict "
            "{client name: (x, y)}",
            parameter="client_datasets",
        )
    if len(items) < 2:
        raise InvalidParameterError(
            f"federated training needs at least 2 clients, got {len(items)}; with one client's "
            "data, use train_dp_sgd",
            parameter="client_datasets",
        )
    clients = [_client(name, pair) for name, pair in items]
    shapes = {client.x.shape[1:] for client in clients}
    if len(shapes) != 1:
        raise InvalidParameterError(
            "every client's x must have the same feature shape; got "
            + ", ".join(f"{c.name}: {c.x.shape[1:]}" for c in clients),
            parameter="client_datasets",
        )
    return clients


def _client(name: str, pair: Any) -> ClientData:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise InvalidParameterError(
            f"client {name}: give its data as an (x, y) pair", parameter="client_datasets"
        )
    x, y = np.asarray(pair[0]), np.asarray(pair[1])
    if x.ndim < 2 or len(x) == 0:
        raise InvalidParameterError(
            f"client {name}: x must be a non-empty 2-D (or higher) array of features, got shape "
            f"{x.shape}",
            parameter="client_datasets",
        )
    if len(y) != len(x):
        raise InvalidParameterError(
            f"client {name}: x has {len(x)} rows but y has {len(y)}; give one label per row",
            parameter="client_datasets",
        )
    for label, array in (("x", x), ("y", y)):
        if array.dtype.kind not in "biuf":
            raise InvalidParameterError(
                f"client {name}: {label} must be numeric (got dtype {array.dtype}); encode "
                "categories with public keys first",
                parameter="client_datasets",
            )
    return ClientData(name=name, x=x, y=y)


def clients_fingerprint(clients: Sequence[ClientData], key: DataKey) -> str:
    """The keyed data fingerprint over every client's arrays, in client order."""
    arrays = (array for client in clients for array in (client.x, client.y))
    return data_fingerprint(*arrays, key=key)


def keras_model(model_fn: Any) -> Any:
    """The Keras model `model_fn` returns (or `model_fn` itself when it is one), checked to be
    rebuildable from its JSON architecture."""
    tf = require_extra("tensorflow", "tf")
    model = (
        model_fn() if callable(model_fn) and not isinstance(model_fn, tf.keras.Model) else model_fn
    )
    if not isinstance(model, tf.keras.Model):
        raise InvalidParameterError(
            "model_fn must be a function returning a Keras model (or a Keras model), got "
            f"{type(model).__name__}",
            parameter="model_fn",
        )
    if not model.built:
        raise InvalidParameterError(
            "the model has no input shape yet; start it with tf.keras.Input(shape=...)",
            parameter="model_fn",
        )
    try:
        tf.keras.models.model_from_json(model.to_json())
    except (NotImplementedError, TypeError, ValueError) as error:
        raise InvalidParameterError(
            f"the model cannot be rebuilt from its architecture ({type(error).__name__}); "
            "federated clients rebuild it, so use tf.keras.Sequential or the functional API with "
            "built-in layers",
            parameter="model_fn",
        ) from None
    return model


@dataclass(frozen=True)
class LocalTraining:
    """How every client trains the global model on its own data in one round."""

    architecture: str
    loss: str
    from_logits: bool
    epochs: int
    batch_size: int
    learning_rate: float

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise InvalidParameterError(
                f"unknown loss {self.loss!r}; use one of: {', '.join(LOSSES)}", parameter="loss"
            )

    def config(self) -> dict[str, str | int | float | bool]:
        """Flat values for a Flower run config (what a deployed ClientApp receives)."""
        return {
            "architecture": self.architecture, "loss": self.loss,
            "from-logits": self.from_logits, "local-epochs": self.epochs,
            "batch-size": self.batch_size, "learning-rate": self.learning_rate,
        }  # fmt: skip

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LocalTraining:
        return cls(
            architecture=str(config["architecture"]), loss=str(config["loss"]),
            from_logits=bool(config["from-logits"]), epochs=int(config["local-epochs"]),
            batch_size=int(config["batch-size"]), learning_rate=float(config["learning-rate"]),
        )  # fmt: skip

    def train(self, weights: Weights, x: Any, y: Any) -> Weights:
        """Start from the global `weights`, train locally, return the new weights. Nothing else
        leaves the client: no loss, no accuracy, no example count."""
        model = _compiled(self.architecture, self.loss, self.from_logits, self.learning_rate)
        model.set_weights(weights)
        model.fit(x, y, epochs=self.epochs, batch_size=self.batch_size, shuffle=True, verbose=0)
        return [np.asarray(w) for w in model.get_weights()]


_MODELS: dict[tuple[str, str, bool, float], Any] = {}


def _compiled(architecture: str, loss: str, from_logits: bool, learning_rate: float) -> Any:
    """One compiled model per process and setting: rounds reuse it (and its traced graph)."""
    key = (architecture, loss, from_logits, learning_rate)
    if key not in _MODELS:
        tf = require_extra("tensorflow", "tf")
        model = tf.keras.models.model_from_json(architecture)
        model.compile(
            optimizer=tf.keras.optimizers.SGD(learning_rate=learning_rate),
            loss=make_loss(tf, loss, from_logits=from_logits, per_example=False),
        )
        _MODELS[key] = model
    return _MODELS[key]
