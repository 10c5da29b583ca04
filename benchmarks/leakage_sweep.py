"""Attribute inference and model inversion against ε: does the leak shrink as ε shrinks?

Trains the same MLP without privacy and with DP-SGD (`train_dp_sgd`, a throw-away ledger) at a few
ε, probes each model, and prints one row per model; with --chart it also writes the Altair chart
(SVG through vl-convert, offline) that docs/probes.md shows:

    .venv/bin/python benchmarks/leakage_sweep.py [--epsilons 0.5,2,8,64,1000] [--chart docs/images/leakage-sweep.svg]

Attribute inference: CPS 1988, the attribute `region` (four one-hot columns the model reads); 1,000
training rows, the attacker knows 500 of them in full and attacks the other 500 members and 500
non-members, knowing their label (ART black-box and posterior attacks, the stronger one counts).
Model inversion: scikit-learn digits, MIFace class representatives against the class means.
"gated" is the figure the gates read (attribute: members minus non-members, with its interval;
MIFace: the members' similarity); "non-members" the strongest attack's figure for non-members.
Every split and model seed is fixed; timings are printed as a ratio to the model's training time.
The chart's table is saved beside it (.json); --replot TABLE.json --chart FILE redraws it.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SEED = 7
TRAIN, HALF = 1000, 500


def mlp(inputs: int, outputs: int, width: int):
    import tensorflow as tf

    return tf.keras.Sequential([
        tf.keras.Input((inputs,)),
        tf.keras.layers.Dense(width, activation="relu"),
        tf.keras.layers.Dense(width, activation="relu"),
        tf.keras.layers.Dense(outputs),
    ])  # fmt: skip


def fit_plain(model, x, y, epochs: int):
    import tensorflow as tf

    model.compile(tf.keras.optimizers.Adam(3e-3),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    return model


def cps_sets():
    from jupyter_privacy.core.queries import load_example
    from jupyter_privacy.pilot.steps import model_matrix, split_rows

    x, y, names = model_matrix(load_example("cps1988"), "wage", 500.0)
    split = split_rows(len(x), SEED)
    train = split["train"][:TRAIN]
    region = [i for i, n in enumerate(names) if n.startswith("region=")]
    return x, y, train, split["holdout"][:HALF], region


def digits_sets():
    import numpy as np
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16).astype("float32")
    order = np.random.default_rng(SEED).permutation(len(y))
    return x, y, order[:900], order[900:1350], order[1350:]


def models(kind: str, epsilons: list[float], ledger):
    """(label, ε or None, model, training seconds): the plain model first, then DP-SGD ones."""
    import tensorflow as tf

    from jupyter_privacy.core.training import train_dp_sgd

    if kind == "cps":
        x, y, train, _, _ = cps_sets()
        shape, epochs, dp = (
            (x.shape[1], 2, 256),
            300,
            dict(epochs=200, batch_size=100, learning_rate=1.0),
        )
    else:
        x, y, train, _, _ = digits_sets()
        shape, epochs, dp = (64, 10, 64), 100, dict(epochs=40, batch_size=64, learning_rate=1.0)
    tf.keras.utils.set_random_seed(SEED)
    start = time.perf_counter()
    yield (
        "non-private",
        None,
        fit_plain(mlp(*shape), x[train], y[train], epochs),
        time.perf_counter() - start,
    )
    for eps in epsilons:
        budget = f"{kind}-{eps:g}"
        ledger.create_budget(budget, eps, 1e-4)
        tf.keras.utils.set_random_seed(SEED)
        start = time.perf_counter()
        result = train_dp_sgd(mlp(*shape), x[train], y[train], budget=budget, ledger=ledger,
                              target_epsilon=eps, progress_bar=False, **dp)  # fmt: skip
        yield f"DP-SGD ε {eps:g}", result.release.epsilon, result.model, time.perf_counter() - start


def attribute_rows(epsilons: list[float], ledger) -> list[dict]:
    from jupyter_privacy.core.probes import attribute_inference_probe

    x, y, train, holdout, region = cps_sets()
    members, known = train[:HALF], train[HALF:]
    rows = []
    for label, eps, model, seconds in models("cps", epsilons, ledger):
        start = time.perf_counter()
        report = attribute_inference_probe(
            model, members=(x[members], y[members]), non_members=(x[holdout], y[holdout]),
            auxiliary=(x[known], y[known]), sensitive=region, name="region", seed=SEED,
        )  # fmt: skip
        probe = time.perf_counter() - start
        accuracy = float((model.predict(x[holdout], verbose=0).argmax(1) == y[holdout]).mean())
        rows.append({"probe": "attribute inference (region)", "model": label, "epsilon": eps,
                     "members": report.value, "low": report.interval[0],
                     "high": report.interval[1], "non_members": report.non_member_value(),
                     "attack": report.attack, "accuracy": accuracy, "ratio": probe / seconds})  # fmt: skip
    return rows


def inversion_rows(epsilons: list[float], ledger) -> list[dict]:
    from jupyter_privacy.core.probes import class_inversion_probe

    x, y, members, non_members, known = digits_sets()
    rows = []
    for label, eps, model, seconds in models("digits", epsilons, ledger):
        start = time.perf_counter()
        report = class_inversion_probe(model, members=(x[members], y[members]),
                                       non_members=(x[non_members], y[non_members]),
                                       auxiliary=x[known], seed=SEED)  # fmt: skip
        probe = time.perf_counter() - start
        accuracy = float(
            (model.predict(x[non_members], verbose=0).argmax(1) == y[non_members]).mean()
        )
        rows.append({"probe": "model inversion (digits)", "model": label, "epsilon": eps,
                     "members": report.value, "low": None, "high": None,
                     "non_members": report.non_member_value(), "attack": report.attack,
                     "accuracy": accuracy, "ratio": probe / seconds})  # fmt: skip
    return rows


def chart(rows: list[dict], path: str) -> None:
    import altair as alt
    import pandas as pd

    from jupyter_privacy.charts.rendering import save_chart

    frame = pd.DataFrame(rows)
    frame["ε"] = frame["model"].str.replace("DP-SGD ", "")
    names = list(dict.fromkeys(frame["ε"]))
    order = names[1:] + names[:1]  # ε rising left to right, the non-private model last
    base = alt.Chart(frame).encode(
        x=alt.X("ε:N", sort=order, title="DP-SGD target ε (non-private: no DP)"),
    )
    points = base.mark_point(filled=True, size=70).encode(
        y=alt.Y("members:Q", title="gated figure (95% interval)"),
        color=alt.Color("probe:N", legend=None),
        tooltip=["model", "members", "non_members", "accuracy"],
    )
    bars = base.mark_rule().encode(y="low:Q", y2="high:Q", color="probe:N")
    plot = (bars + points).properties(width=360, height=220).facet(
        column=alt.Column("probe:N", title=None)
    ).resolve_scale(y="independent")  # fmt: skip
    save_chart(plot, path)
    Path(path).with_suffix(".json").write_text(json.dumps(rows, indent=1) + "\n")
    print(f"wrote {path} and its table {Path(path).with_suffix('.json')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epsilons", default="0.5,2,8,64,1000")
    parser.add_argument("--chart", help="write the chart (.svg, .png or .html) here")
    parser.add_argument("--only", choices=["attribute", "inversion"])
    parser.add_argument("--replot", metavar="TABLE.json", help="redraw --chart from a saved table")
    args = parser.parse_args()
    if args.replot:
        chart(json.loads(Path(args.replot).read_text()), args.chart)
        return
    epsilons = [float(e) for e in args.epsilons.split(",")]
    import jupyter_privacy as jp

    ledger = jp.open_ledger(f"sqlite:///{tempfile.mkdtemp()}/sweep.db")
    rows = []
    if args.only != "inversion":
        rows += attribute_rows(epsilons, ledger)
    if args.only != "attribute":
        rows += inversion_rows(epsilons, ledger)
    print(f"{'probe':<30} {'model':<17} {'ε charged':>9} {'gated':>16} {'non-members':>11} "
          f"{'accuracy':>8} {'probe/training':>14}")  # fmt: skip
    for r in rows:
        spread = f" [{r['low']:+.3f},{r['high']:+.3f}]" if r["low"] is not None else ""
        charged = f"{r['epsilon']:.3g}" if r["epsilon"] is not None else "∞"
        print(f"{r['probe']:<30} {r['model']:<17} {charged:>9} {r['members']:+.3f}{spread:<17} "
              f"{r['non_members']:+11.3f} {r['accuracy']:8.3f} {r['ratio']:13.2f}×")  # fmt: skip
    if args.chart:
        chart(rows, args.chart)


if __name__ == "__main__":
    main()
