"""Small helpers the pilot template notebooks share, so each notebook reads as its story, not as
plumbing: budgets that are created once and reused on re-runs, the pilot's private table, the model
matrix for DP-SGD and the seeded member/non-member split the probe needs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.files import read_json_file
from jupyter_privacy.core.ledger import Budget, Ledger
from jupyter_privacy.core.ledger.chain import to_jsonable
from jupyter_privacy.pilot.parameters import mapping_parameter
from jupyter_privacy.pilot.private_data import DEFAULT_EXAMPLE, load_private_frame


class EarlierStepsMissing(InvalidParameterError):
    """A pilot step opened before the steps whose results it reads. In a notebook it shows as one
    line (IPython prints what `_render_traceback_` returns instead of a traceback)."""

    code = "earlier_steps_missing"

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[0;31m{self.message}\x1b[0m"]


def require_steps(out_dir: str | Path, *steps: str | None) -> None:
    """Stop, in one line, unless each earlier step (a template name) has run into `out_dir`: every
    step records its gates in `<out_dir>/gates/<step>.json` when it finishes. A step written
    `"03_dpsgd_pilot|07_federated_pilot"` is met by any one of them (each pilot track trains its
    model in its own step); None stands for a step this run does not need."""
    done = Path(out_dir) / "gates"
    missing = [
        step.split("|")
        for step in steps
        if step and not any((done / f"{name}.json").is_file() for name in step.split("|"))
    ]
    if missing:
        names = " and ".join(
            _step_name(alternatives[0])
            if len(alternatives) == 1
            else "one of " + ", ".join(_step_name(name) for name in alternatives)
            for alternatives in missing
        )
        raise EarlierStepsMissing(
            f"This step needs {names} first: their results are not in {out_dir}/. Open and run "
            f"them (launcher: Privacy pilot), or run the whole pilot: "
            f"jupyter privacy pilot run --out {out_dir}"
        )


def _step_name(template: str) -> str:
    return f"step {int(template[:2])} ({template})" if template[:2].isdigit() else template


def ensure_budget(
    ledger: Ledger, name: str, epsilon: float, delta: float = 0.0, **options: Any
) -> Budget:
    """Create the budget on the first run; on a re-run reuse it if its totals are the same."""
    if name in {b.name for b in ledger.budgets()}:
        budget = ledger.budget(name)
        if budget.epsilon_total != epsilon or budget.delta_total != delta:
            raise InvalidParameterError(
                f"budget '{name}' already exists with ε {budget.epsilon_total:g}, δ "
                f"{budget.delta_total:g}, not ε {epsilon:g}, δ {delta:g}; use another budget name, "
                f"or raise it explicitly: jupyter privacy budget raise {name} --epsilon {epsilon:g}"
            )
        return budget
    return ledger.create_budget(name, epsilon, delta, **options)


def pilot_dataset(
    data_path: str = "",
    bounds: Mapping[str, Any] | str | None = None,
    keys: Mapping[str, Any] | str | None = None,
) -> Any:
    """The pilot's private data with its public bounds and keys (the bundled CPS 1988 by default).

    Your own file needs your own public `bounds` (numeric columns) and `keys` (categories), as
    mappings or YAML strings (plain papermill's `-p` passes strings).
    """
    from jupyter_privacy.core.queries import ExampleDataset, load_example

    public_bounds, public_keys = (
        mapping_parameter(bounds, "bounds"),
        mapping_parameter(keys, "keys"),
    )
    if not data_path:
        return load_example(DEFAULT_EXAMPLE)
    if not public_bounds:
        raise InvalidParameterError(
            "with data_path, also give bounds, e.g. -p bounds '{income: [0, 200000]}': public "
            "ranges of the numeric columns, never read from the data"
        )
    frame = load_private_frame(data_path)
    return ExampleDataset(
        name=Path(data_path).stem, description=f"private data from {data_path}", frame=frame,
        bounds={k: (float(v[0]), float(v[1])) for k, v in public_bounds.items()},
        keys={k: tuple(str(x) for x in v) for k, v in public_keys.items()},
    )  # fmt: skip


def model_matrix(
    dataset: Any, label_column: str, label_threshold: float
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features scaled by the public bounds to [0, 1] and one-hot over the public keys; the label is
    `label_column > label_threshold`. Nothing here is learned from the data."""
    frame: pd.DataFrame = dataset.frame
    if label_column not in frame.columns:
        raise InvalidParameterError(
            f"label_column {label_column!r} is not a column; columns: {', '.join(frame.columns)}"
        )
    columns, names = [], []
    for column, (low, high) in dataset.bounds.items():
        if column == label_column:
            continue
        values = pd.to_numeric(frame[column], errors="coerce").fillna((low + high) / 2)
        columns.append(((values.clip(low, high) - low) / (high - low)).to_numpy("float32"))
        names.append(column)
    for column, categories in dataset.keys.items():
        if column == label_column:
            continue
        text = frame[column].astype(str)
        for category in categories:
            columns.append((text == category).to_numpy("float32"))
            names.append(f"{column}={category}")
    x = np.stack(columns, axis=1)
    y = (pd.to_numeric(frame[label_column], errors="coerce") > label_threshold).to_numpy("int32")
    return x, y, names


def split_rows(n: int, seed: int) -> dict[str, np.ndarray]:
    """Seeded split: 70% train (members), 10% validation, 20% held out as probe non-members."""
    order = np.random.default_rng(seed).permutation(n)  # a data split, not noise
    train_end, validation_end = int(0.7 * n), int(0.8 * n)
    return {
        "train": order[:train_end],
        "validation": order[train_end:validation_end],
        "holdout": order[validation_end:],
    }


def pilot_model(features: int) -> Any:
    """The pilot's classifier: a small MLP whose Dense layers allow fast gradient clipping."""
    import tensorflow as tf

    return tf.keras.Sequential([
        tf.keras.Input((features,)),
        tf.keras.layers.Dense(32, activation="relu"),
        tf.keras.layers.Dense(2),
    ])  # fmt: skip


def pilot_linear_model(features: int) -> Any:
    """A logistic regression as a Keras model (two softmax logits): what encrypted scoring can
    evaluate at depth 1, trained with the same DP-SGD path as the MLP."""
    import tensorflow as tf

    return tf.keras.Sequential([tf.keras.Input((features,)), tf.keras.layers.Dense(2)])


def training_record(result: Any, budget: str, **context: Any) -> dict[str, Any]:
    """What `training.json` holds about a DP-SGD release, for the later steps (probe, card,
    summary); `context` adds the step's own facts (label, features, seed)."""
    release = result.release
    details = release.details
    return {
        "budget": budget, "release_id": release.id, "replayed": release.replayed,
        "epsilon": release.epsilon, "delta": release.delta,
        **{key: details.get(key) for key in ("accountant", "conversion", "sampling",
                                             "privacy_unit", "training_path", "hyper_parameters")},
        "val_accuracy": (release.value or {}).get("val_accuracy"),
        **context,
        "statement": result.statement,
        "per_epoch": [r.releasable().to_dict() for r in result.records],  # no exact training figure
    }  # fmt: skip


def write_json(path: str | Path, data: Any) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")
    return target


def read_json(path: str | Path) -> Any:
    """An earlier step's artifact; missing means that step has not run."""
    if not Path(path).is_file():
        raise InvalidParameterError(
            f"{path} is missing: run the earlier pilot steps first (jupyter privacy pilot run)"
        )
    return read_json_file(path, "pilot artifact")
