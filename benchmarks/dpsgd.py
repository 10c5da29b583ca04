"""DP-SGD cost against non-private training of the same MLP on the same data, in the same run.

Prints the median epoch time of each path divided by the non-private epoch time (after a warm-up
epoch that pays graph tracing / XLA compilation), plus accounting timings:

    .venv/bin/python benchmarks/dpsgd.py [--rows-repeat 15] [--epochs 4] [--batch-size 256]

Anchors (STACK.md): TF Privacy's DPKerasSGDOptimizer 2.4–3×, Opacus 4×. Goal: ≤ 1.5× on the
default path (fast gradient clipping); ε for an MNIST-sized setting ≤ 20 ms; a 50-point
ε-versus-σ curve ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def one_epoch(model, x, y, batch_size: int) -> float:
    """Seconds of one epoch, timed inside fit (excludes fit's per-call set-up)."""
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


def training_benchmark(repeat: int, epochs: int, batch_size: int) -> None:
    import numpy as np
    import tensorflow as tf
    from sklearn.datasets import load_digits

    from jupyter_privacy.core.training.models import build_dp_model

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
    models = [("non-private (baseline)", "plain", plain)]
    variants = [
        ("fast gradient clipping (default)", dict(prefer_fast_clipping=True, use_xla=False)),
        ("fast gradient clipping + XLA", dict(prefer_fast_clipping=True, use_xla=True)),
        ("vectorized DP optimizer", dict(prefer_fast_clipping=False)),
    ]
    for label, options in variants:
        dp = build_dp_model(
            mlp(), clip_norm=1.0, noise_multiplier=1.1, learning_rate=0.1,
            loss="sparse_categorical_crossentropy", from_logits=True, **options,
        )  # fmt: skip
        models.append((label, dp.path, dp.model))
    for _, _, model in models:  # warm-up: tracing and XLA compilation
        one_epoch(model, x, y, batch_size)
    # Interleave the timed epochs so background load hits every path alike.
    times: dict[str, list[float]] = {label: [] for label, _, _ in models}
    for _ in range(epochs):
        for label, _, model in models:
            times[label].append(one_epoch(model, x, y, batch_size))
    baseline = statistics.median(times[models[0][0]])
    for label, path, _ in models:
        seconds = statistics.median(times[label])
        print(f"{label:<34}{path:<26}{seconds:8.3f} s/epoch {seconds / baseline:6.2f}×")


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
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    accounting_benchmark()
    if not args.skip_training:
        training_benchmark(args.rows_repeat, args.epochs, args.batch_size)


if __name__ == "__main__":
    main()
