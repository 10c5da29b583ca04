"""DP federated averaging (Flower) against local training of the same model on the same data.

    .venv/bin/python benchmarks/federated.py [--rounds 3] [--engine simulation] [--template]

On the pilot's data (CPS 1988 train rows, three clients by region, the template's linear model)
it prints, from one run:

- the baseline: one epoch of ordinary (non-private, central) Keras training over all train rows,
  median of 3 after a warm-up epoch;
- one federated round: the first (it pays Ray's start and every actor's TensorFlow import) and
  the median of the later ones, each as a ratio to the baseline epoch;
- the whole `train_federated` call (planning, simulation, ledger release);
- with --template: template 07 executed by papermill on a fresh ledger (goal ≤ 3 min on 2 cores).

Spends only on a temporary ledger. Record results in docs/benchmarks.md with the date, machine and
load (`uptime`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pilot_clients():
    from jupyter_privacy.pilot.federated import client_rows
    from jupyter_privacy.pilot.steps import model_matrix, pilot_dataset, split_rows

    dataset = pilot_dataset()
    x, y, _ = model_matrix(dataset, "wage", 500.0)
    split = split_rows(len(x), 7)
    groups = {"northeast": ["northeast"], "midwest": ["midwest"], "south & west": ["south", "west"]}
    clients = client_rows(dataset, split["train"], "region", groups)
    return x, y, split, {name: (x[rows], y[rows]) for name, rows in clients.items()}


def local_epoch_seconds(x, y, batch_size: int, learning_rate: float) -> float:
    import tensorflow as tf

    from jupyter_privacy.pilot.federated import federated_model

    model = federated_model(x.shape[1])
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)  # warm-up: graph tracing
    times = []
    for _ in range(3):
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def federated_benchmark(rounds: int, engine: str, batch_size: int, learning_rate: float) -> None:
    import jupyter_privacy as jp
    from jupyter_privacy.federated import train_federated
    from jupyter_privacy.pilot.federated import federated_model

    x, y, split, clients = pilot_clients()
    train = split["train"]
    print(f"data: CPS 1988, {len(train)} train rows in {len(clients)} clients "
          f"({', '.join(clients)}); linear model; batch {batch_size}")  # fmt: skip
    baseline = local_epoch_seconds(x[train], y[train], batch_size, learning_rate)
    print(f"baseline: one local (non-private, central) epoch over the same rows: {baseline:.3f} s")
    with tempfile.TemporaryDirectory() as folder:
        ledger = jp.open_ledger(f"sqlite:///{folder}/ledger.db")
        ledger.create_budget("bench", 100.0, 1e-4)
        start = time.perf_counter()
        result = train_federated(
            lambda: federated_model(x.shape[1]), clients, budget="bench", ledger=ledger,
            rounds=rounds, target_epsilon=4.0, delta=1e-5, learning_rate=learning_rate,
            batch_size=batch_size, validation_data=(x[split["validation"]], y[split["validation"]]),
            engine=engine, model_store=f"{folder}/models", progress_bar=False,
        )  # fmt: skip
        total = time.perf_counter() - start
        ledger.close()
    seconds = [record.seconds for record in result.records]
    first, later = seconds[0], seconds[1:]
    print(f"{engine}: round 1 {first:.1f} s (includes start-up) = {first / baseline:.0f}× an epoch")
    if later:
        steady = statistics.median(later)
        print(f"{engine}: later rounds, median {steady:.2f} s = {steady / baseline:.1f}× an epoch")
    print(f"{engine}: train_federated total {total:.1f} s for {rounds} rounds; "
          f"{result.plan.describe()}; validation accuracy {result.records[-1].val_accuracy:.3f}")  # fmt: skip


def template_benchmark() -> None:
    import papermill

    from jupyter_privacy.core.templates import templates_dir

    source = templates_dir() / "07_federated_pilot.ipynb"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        start = time.perf_counter()
        papermill.execute_notebook(
            str(source), str(out / "07.ipynb"), cwd=str(out), progress_bar=False,
            parameters={"out_dir": str(out), "ledger_url": f"sqlite:///{out}/ledger.db"},
            log_output=False,
        )  # fmt: skip
        print(f"template 07 (papermill, default parameters): {time.perf_counter() - start:.1f} s "
              "(goal ≤ 180 s on 2 cores)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engine", choices=["simulation", "deployment"], default="simulation")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.5)
    parser.add_argument("--template", action="store_true", help="also time template 07")
    args = parser.parse_args()
    print(
        f"load: {os.getloadavg()[0]:.2f} (1 min); cpus: {os.cpu_count()}; python {sys.version.split()[0]}"
    )
    federated_benchmark(args.rounds, args.engine, args.batch_size, args.learning_rate)
    if args.template:
        template_benchmark()


if __name__ == "__main__":
    main()
