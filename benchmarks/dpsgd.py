"""DP-SGD cost against non-private training of the same MLP on the same data, in the same run, and
the pilot's accuracy at its ε under each sampling.

Prints the median epoch time of each path divided by the non-private epoch time (after a warm-up
epoch that pays graph tracing / XLA compilation), accounting timings, and the pilot's validation
accuracy under Poisson and shuffle sampling at the same ε target:

    .venv/bin/python benchmarks/dpsgd.py [--rows-repeat 15] [--epochs 4] [--batch-size 256]
                                         [--pilot-repeats 3] [--skip-training] [--skip-pilot]

A DP epoch is timed from drawing its batches (Poisson: one Bernoulli draw per example and step)
to its last update, so the sampling is part of the cost. Anchors (STACK.md): TF Privacy's
DPKerasSGDOptimizer 2.4–3×, Opacus 4×. Goal: ≤ 1.5× non-private on the default path (Poisson,
fast gradient clipping); ε for an MNIST-sized setting ≤ 20 ms; a 50-point ε-versus-σ curve ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def keras_epoch(model, x, y, batch_size: int) -> float:
    """Seconds of one non-private epoch, timed inside fit (excludes fit's per-call set-up)."""
    import tensorflow as tf

    seconds: list[float] = []

    class Timer(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, callbacks=[Timer()])
    return seconds[0]


def mlp():
    import tensorflow as tf

    return tf.keras.Sequential(
        [
            tf.keras.Input((64,)),
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dense(10),
        ]
    )


def dp_runner(x, y, batch_size: int, *, sampling: str, fast: bool, use_xla: bool):
    """A function running one DP-SGD epoch of train_dp_sgd's own engine and batch planner."""
    from jupyter_privacy.core.accounting import DpSgdSetting
    from jupyter_privacy.core.training.engine import DpSgdEngine
    from jupyter_privacy.core.training.models import prepare_model
    from jupyter_privacy.core.training.sampling import BatchPlanner

    loss = "sparse_categorical_crossentropy"
    prepared = prepare_model(mlp(), learning_rate=0.1, loss=loss, from_logits=True,
                             prefer_fast_clipping=fast)  # fmt: skip
    setting = DpSgdSetting(len(x), batch_size, 1.1, 1e-5, epochs=1.0, sampling=sampling)
    planner = BatchPlanner(setting, epochs=1)
    engine = DpSgdEngine(
        prepared, x, y, loss=loss, from_logits=True, clip_norm=1.0, noise_multiplier=1.1,
        expected_batch_size=batch_size, physical_batch=planner.physical_batch, use_xla=use_xla,
    )  # fmt: skip

    def epoch() -> float:
        start = time.perf_counter()
        engine.run_epoch(planner.epoch(1))
        return time.perf_counter() - start

    return prepared.path, epoch


def training_benchmark(repeat: int, epochs: int, batch_size: int) -> None:
    import numpy as np
    import tensorflow as tf
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = np.tile((x / 16.0).astype("float32"), (repeat, 1))
    y = np.tile(y, repeat)
    print(f"data: digits tiled ×{repeat} = {len(x)} rows; batch {batch_size}; MLP 64-64-64-10")

    plain = mlp()
    plain.compile(
        optimizer=tf.keras.optimizers.SGD(0.1),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    runs = [("non-private Keras fit (baseline)", "plain",
             lambda: keras_epoch(plain, x, y, batch_size))]  # fmt: skip
    variants = [
        ("Poisson, fast clipping (default)", dict(sampling="poisson", fast=True, use_xla=False)),
        ("Poisson, fast clipping + XLA", dict(sampling="poisson", fast=True, use_xla=True)),
        ("shuffle, fast clipping", dict(sampling="shuffle", fast=True, use_xla=False)),
        ("Poisson, per-example Jacobians", dict(sampling="poisson", fast=False, use_xla=False)),
    ]
    for label, options in variants:
        path, epoch = dp_runner(x, y, batch_size, **options)
        runs.append((label, path, epoch))
    for _, _, epoch in runs:  # warm-up: tracing and XLA compilation
        epoch()
    # Interleave the timed epochs so background load hits every path alike.
    times: dict[str, list[float]] = {label: [] for label, _, _ in runs}
    for _ in range(epochs):
        for label, _, epoch in runs:
            times[label].append(epoch())
    baseline = statistics.median(times[runs[0][0]])
    for label, path, _ in runs:
        seconds = statistics.median(times[label])
        print(f"{label:<34}{path:<26}{seconds:8.3f} s/epoch {seconds / baseline:6.2f}×")


def pilot_benchmark(repeats: int) -> None:
    """The pilot's DP-SGD step (template 03's defaults: CPS 1988, 6 epochs, batch 1024, target
    ε 4 with DP validation ε 0.25) under each sampling; accuracy measured exactly on the
    validation rows (the bundled data are public), median over `repeats` trainings."""
    import numpy as np

    from jupyter_privacy.core.ledger import open_ledger
    from jupyter_privacy.core.training import train_dp_sgd
    from jupyter_privacy.pilot.steps import model_matrix, pilot_dataset, pilot_model, split_rows

    x, y, _ = model_matrix(pilot_dataset(), "wage", 500.0)
    split = split_rows(len(x), 7)
    train, validation = split["train"], split["validation"]
    majority = max(np.mean(y[validation]), 1 - np.mean(y[validation]))
    print(f"pilot: {len(train)} training rows, {len(validation)} validation rows; "
          f"majority-class accuracy {majority:.3f}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder, open_ledger(f"sqlite:///{folder}/l.db") as ledger:
        ledger.create_budget("pilot", 1000.0, 1e-2)
        for sampling in ("shuffle", "poisson"):
            accuracies, sigmas = [], []
            for _ in range(repeats):
                result = train_dp_sgd(
                    pilot_model(x.shape[1]), x[train], y[train], budget="pilot", ledger=ledger,
                    validation_data=(x[validation], y[validation]), epochs=6, batch_size=1024,
                    target_epsilon=4.0, delta=1e-5, learning_rate=2.0, sampling=sampling,
                    progress_bar=False, fresh=True, model_store=folder,
                )  # fmt: skip
                predicted = np.argmax(result.model.predict(x[validation], verbose=0), axis=1)
                accuracies.append(float(np.mean(predicted == y[validation])))
                sigmas.append(result.plan.noise_multiplier)
            print(f"pilot, {sampling:<8} σ {sigmas[0]:.3f}, model ε {result.epsilon.epsilon:.3f}"
                  f" + validation 0.25: accuracy median {statistics.median(accuracies):.3f} "
                  f"(min {min(accuracies):.3f}, max {max(accuracies):.3f}, n={repeats})")  # fmt: skip


def accounting_benchmark() -> None:
    import numpy as np

    from jupyter_privacy.core.accounting import DpSgdSetting, dp_sgd_epsilon, epsilon_curve

    setting = DpSgdSetting(60000, 256, 1.1, 1e-5, epochs=60)
    dp_sgd_epsilon(setting)  # imports and dp-accounting warm-up
    sigmas = [1.05 + 0.0137 * i for i in range(10)]  # new σ each time: nothing cached
    timings = []
    for sigma in sigmas:
        start = time.perf_counter()
        dp_sgd_epsilon(setting.with_changes(noise_multiplier=sigma))
        timings.append(time.perf_counter() - start)
    print(
        f"ε, MNIST setting (n 60000, batch 256, 60 epochs, RDP), uncached σ: median "
        f"{1000 * statistics.median(timings):.1f} ms, max {1000 * max(timings):.1f} ms (goal ≤ 20)"
    )
    start = time.perf_counter()
    dp_sgd_epsilon(setting.with_changes(noise_multiplier=sigmas[0]))
    print(f"ε, same σ again (cached RDP curve): {1000 * (time.perf_counter() - start):.2f} ms")
    grid = list(np.linspace(0.5, 3.0, 50) + 0.0011)  # offset: none of these σ were cached above
    start = time.perf_counter()
    epsilon_curve(setting, grid)
    print(f"50-point ε-versus-σ curve (RDP): {time.perf_counter() - start:.3f} s (goal ≤ 1)")
    start = time.perf_counter()
    dp_sgd_epsilon(setting, "pld")
    print(f"ε, MNIST setting, PLD (for comparison): {1000 * (time.perf_counter() - start):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-repeat", type=int, default=15)
    parser.add_argument("--epochs", type=int, default=4, help="timed epochs after one warm-up")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--pilot-repeats", type=int, default=3)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-pilot", action="store_true")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    accounting_benchmark()
    if not args.skip_training:
        training_benchmark(args.rows_repeat, args.epochs, args.batch_size)
    if not args.skip_pilot:
        pilot_benchmark(args.pilot_repeats)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
