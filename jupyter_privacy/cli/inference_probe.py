"""`jupyter privacy probe --attack attribute|inversion`: attribute inference and model inversion
against a saved model, from CSV or Parquet rows. Thin: reading files here, the attacks in core/probes.

The model reads the files' columns in order, without the label column (and without the sensitive
column when it was trained without it: recognised by its input width).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, require_extra

_KERAS = (".keras", ".h5")
_PICKLES = (".joblib", ".pkl", ".pickle")


def add_arguments(probe: argparse.ArgumentParser) -> None:
    group = probe.add_argument_group(
        "attribute inference and model inversion (--attack attribute|inversion)"
    )
    group.add_argument("--model", metavar="FILE",
                       help="the trained model: Keras .keras/.h5, or a scikit-learn .joblib/.pkl "
                       "(a pickle runs code when loaded: load only your own)")  # fmt: skip
    group.add_argument("--auxiliary", metavar="FILE",
                       help="rows the attacker knows in full (every column and the label)")  # fmt: skip
    group.add_argument("--label", default="label", help="the label column (default: label)")
    group.add_argument("--sensitive", metavar="COLUMN",
                       help="the attribute to infer: a column, or the prefix of one-hot columns "
                       "COLUMN=… (inversion: a numeric column; omit it to invert classes)")  # fmt: skip
    group.add_argument("--bounds", metavar="LOW,HIGH",
                       help="inversion of a column: its public range (errors are fractions of it)")  # fmt: skip
    group.add_argument("--clip", metavar="LOW,HIGH", default="0,1",
                       help="inversion of classes: the range of every input (default 0,1)")  # fmt: skip
    knows = group.add_mutually_exclusive_group()
    knows.add_argument("--knows-label", dest="knows_label", action="store_true", default=None,
                       help="the attacker knows each target's label (default for attribute)")  # fmt: skip
    knows.add_argument("--no-label", dest="knows_label", action="store_false",
                       help="the attacker does not know the label (default for inversion)")  # fmt: skip
    group.add_argument("--method", action="append", default=[],
                       help="attack(s) to run (default: every one that applies): black-box, "
                       "posterior, white-box-tree, lifestyle-tree")  # fmt: skip
    group.add_argument("--max-iter", type=int, default=150, help="MIFace gradient steps")
    group.add_argument("--learning-rate", type=float,
                       help="MIFace step size (default 0.1 for Keras, 2 for scikit-learn)")  # fmt: skip
    group.add_argument("--max-advantage", type=float,
                       help="gate: attribute-inference advantage on members must be ≤ this")  # fmt: skip
    group.add_argument("--max-similarity", type=float,
                       help="gate: inversion similarity on members must be ≤ this")  # fmt: skip


def _pair(text: str, flag: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise InvalidParameterError(f"{flag} {text!r}: write LOW,HIGH, e.g. 0,2500") from None
    if not low < high:
        raise InvalidParameterError(f"{flag}: LOW must be below HIGH, got {text!r}")
    return low, high


def _read_table(path: str | None, what: str) -> Any:
    import pandas as pd

    if not path:
        raise InvalidParameterError(f"give --{what} FILE (CSV or Parquet rows)")
    file = Path(path)
    if not file.is_file():
        raise InvalidParameterError(f"file not found: {file}")
    try:
        if file.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(file)
        return pd.read_csv(file)
    except (OSError, ValueError) as error:
        raise InvalidParameterError(f"cannot read {file} as CSV or Parquet "
                                    f"({type(error).__name__})") from None  # fmt: skip


def _rows(path: str | None, what: str, label: str, columns: list[str] | None) -> Any:
    frame = _read_table(path, what)
    if label not in frame.columns:
        raise InvalidParameterError(f"{path} has no label column {label!r} (--label NAME)")
    features = [c for c in frame.columns if c != label]
    if columns is not None and features != columns:
        raise InvalidParameterError(f"{path} has other columns than the members file; give every "
                                    "file the same columns in the same order")  # fmt: skip
    from pandas.api.types import is_numeric_dtype

    text = [c for c in features if not is_numeric_dtype(frame[c])]
    if text:
        raise InvalidParameterError(f"{path}: column(s) {text} are not numeric; encode them as "
                                    "the model saw them (e.g. one-hot)")  # fmt: skip
    return frame[features].to_numpy("float64"), frame[label].to_numpy(), features


def _sensitive(name: str, columns: list[str]) -> list[int]:
    exact = [i for i, c in enumerate(columns) if c == name]
    group = [i for i, c in enumerate(columns) if str(c).startswith(f"{name}=")]
    if not exact and not group:
        raise InvalidParameterError(f"no column {name!r} or one-hot columns {name}=… among "
                                    f"{', '.join(map(str, columns))}")  # fmt: skip
    return exact or group


def load_model(path: str | None) -> Any:
    if not path:
        raise InvalidParameterError("give --model FILE: the trained model to attack")
    file = Path(path)
    if not file.exists():
        raise InvalidParameterError(f"model not found: {file}")
    suffix = file.suffix.lower()
    if suffix in _KERAS:
        tf = require_extra("tensorflow", "tf")
        return tf.keras.models.load_model(file, compile=False)
    if suffix in _PICKLES:
        import joblib

        return joblib.load(file)
    raise InvalidParameterError(f"cannot load {file}: save a Keras model (.keras, .h5) or a "
                                "scikit-learn one with joblib (.joblib)")  # fmt: skip


def run(args: argparse.Namespace) -> Any:
    """The report of `--attack attribute|inversion` (gates are the caller's)."""
    from jupyter_privacy.core.probes import (
        attribute_inference_probe,
        class_inversion_probe,
        feature_reconstruction_probe,
    )

    for flag in ("kind", "members_reference", "non_members_reference"):
        if getattr(args, flag, None):
            raise InvalidParameterError(
                f"--{flag.replace('_', '-')} applies to --attack membership"
            )
    members_x, members_y, columns = _rows(args.members, "members", args.label, None)
    non_x, non_y, _ = _rows(args.non_members, "non-members", args.label, columns)
    model = load_model(args.model)
    options = dict(members=(members_x, members_y), non_members=(non_x, non_y), seed=args.seed,
                   epsilon=args.epsilon, delta=args.delta)  # fmt: skip
    if args.attack == "inversion" and not args.sensitive:
        aux = _rows(args.auxiliary, "auxiliary", args.label, columns)[0] if args.auxiliary else None
        return class_inversion_probe(model, auxiliary=aux, clip_values=_pair(args.clip, "--clip"),
                                     max_iter=args.max_iter, learning_rate=args.learning_rate,
                                     **options)  # fmt: skip
    if not args.sensitive:
        raise InvalidParameterError("give --sensitive COLUMN: the attribute to infer")
    aux_x, aux_y, _ = _rows(args.auxiliary, "auxiliary", args.label, columns)
    sensitive = _sensitive(args.sensitive, columns)
    options.update(auxiliary=(aux_x, aux_y), name=args.sensitive, confidence=args.confidence,
                   attacks=args.method or None)  # fmt: skip
    if args.attack == "attribute":
        knows = True if args.knows_label is None else args.knows_label
        return attribute_inference_probe(model, sensitive=sensitive, knows_label=knows, **options)
    if len(sensitive) != 1:
        raise InvalidParameterError("inversion of a column needs one numeric column, not a one-hot "
                                    "group; use --attack attribute for categories")  # fmt: skip
    if not args.bounds:
        raise InvalidParameterError(f"give --bounds LOW,HIGH: the public range of {args.sensitive}")
    return feature_reconstruction_probe(
        model, feature=sensitive[0], bounds=_pair(args.bounds, "--bounds"),
        knows_label=bool(args.knows_label), **options,
    )  # fmt: skip


def limits(args: argparse.Namespace, threat_model: Any) -> dict[str, float]:
    """Gate limits by metric: the flags', tightened by the threat model's."""
    given = {"attribute_inference_advantage": args.max_advantage,
             "inversion_similarity": args.max_similarity}  # fmt: skip
    chosen = {metric: value for metric, value in given.items() if value is not None}
    if threat_model is not None:
        for metric, value in threat_model.leakage_limits().items():
            chosen[metric] = min(value, chosen.get(metric, value))
    return chosen
