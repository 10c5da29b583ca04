"""Encrypted scoring (TenSEAL CKKS) against plaintext scoring of the same logistic regression.

1,000 rows × 30 features by default, the baseline (numpy `x @ w + b`) measured in the same run.
Column packing (one ciphertext per feature, rows in the slots) and row packing (one ciphertext per
row, a dot product with rotations) are each timed in process — encrypt, score, decrypt — with the
median of `--repeat` runs, interleaved so background load hits both alike; then the column-packed
batch goes once through the HTTP service on 127.0.0.1 for the round trip.

    .venv/bin/python benchmarks/he.py [--rows 1000] [--features 30] [--row-rows 1000] [--repeat 5]

Target: column-packed scoring ≤ 0.1 s per 1,000 rows. Anchor (STACK.md): 0.047 s scoring and
0.22 s encrypting 1,000 column-packed rows; 27 ms per row-wise score.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def median_times(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    import numpy as np

    from jupyter_privacy.encrypted import (
        EncryptedClient,
        EncryptedModel,
        EncryptedScorer,
        PeakMemory,
        start_service,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--row-rows", type=int, default=1000, help="rows scored row-wise")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(args.rows, args.features))
    model = EncryptedModel.linear(rng.normal(size=args.features), 0.1)
    plain = median_times(lambda: model.plaintext_scores(x), max(args.repeat, 20))
    column_client = EncryptedClient.for_model(model)
    row_client = EncryptedClient.for_model(model, packing="row")
    column_scorer = EncryptedScorer(model, column_client.public_context())
    row_scorer = EncryptedScorer(model, row_client.public_context())
    x_rows = x[: args.row_rows]

    row_repeat = 1 if args.row_rows >= 500 else args.repeat
    results: dict[str, dict[str, list[float]]] = {"column": {}, "row": {}}
    sizes: dict[str, tuple[int, int]] = {}
    errors: dict[str, float] = {}
    peaks: dict[str, int] = {}
    for _ in range(args.repeat):  # interleaved
        for packing, client, scorer, data in (("column", column_client, column_scorer, x),
                                              ("row", row_client, row_scorer, x_rows)):  # fmt: skip
            if packing == "row" and len(results["row"].get("score", [])) >= row_repeat:
                continue  # row-wise at 1,000 rows takes tens of seconds: one run is enough
            with PeakMemory() as peak:
                t0 = time.perf_counter()
                batch = client.encrypt(data, packing=packing)
                t1 = time.perf_counter()
                scores = scorer.score(batch)
                t2 = time.perf_counter()
                values = client.decrypt(scores)
                t3 = time.perf_counter()
            for phase, seconds in (("encrypt", t1 - t0), ("score", t2 - t1), ("decrypt", t3 - t2)):
                results[packing].setdefault(phase, []).append(seconds)
            sizes[packing] = (batch.nbytes, scores.nbytes)
            errors[packing] = float(np.max(np.abs(values - model.plaintext_scores(data))))
            peaks.setdefault(packing, peak.increase_bytes)  # RSS growth on its first run

    print(f"{args.rows} rows × {args.features} features; {column_client.parameters.describe()}")
    print(f"plaintext scoring (numpy), {args.rows} rows: {plain * 1e3:.4f} ms "
          f"({plain / args.rows * 1e6:.3f} µs per row)\n")  # fmt: skip
    header = (f"{'packing':8} {'rows':>6} {'encrypt s':>10} {'score s':>9} {'decrypt s':>10} "
              f"{'score/1k s':>10} {'vs plain':>10} {'MiB up/1k':>10} {'MiB down/1k':>11} "
              f"{'max err':>9} {'+RSS MiB':>9} {'runs':>5}")  # fmt: skip
    print(header)
    for packing, measured_rows in (("column", args.rows), ("row", len(x_rows))):
        med = {phase: statistics.median(v) for phase, v in results[packing].items()}
        per_1000 = 1000 / measured_rows if packing == "row" else 1.0
        plain_1000 = plain * 1000 / args.rows
        up, down = sizes[packing]
        print(f"{packing:8} {measured_rows:>6} {med['encrypt']:>10.4f} {med['score']:>9.4f} "
              f"{med['decrypt']:>10.4f} {med['score'] * per_1000:>10.4f} "
              f"{med['score'] * per_1000 / plain_1000:>9.0f}× {up * per_1000 / 2**20:>10.2f} "
              f"{down * per_1000 / 2**20:>11.2f} {errors[packing]:>9.2g} "
              f"{peaks[packing] / 2**20:>9.0f} {len(results[packing]['score']):>5}")  # fmt: skip
    target = statistics.median(results["column"]["score"]) * 1000 / args.rows
    print(f"\ncolumn-packed scoring per 1,000 rows: {target:.4f} s "
          f"({'meets' if target <= 0.1 else 'MISSES'} the 0.1 s target)")  # fmt: skip

    with tempfile.TemporaryDirectory() as folder:
        path = model.save(Path(folder) / "model.json")
        with start_service(path) as service:
            api = service.client()
            api.register(column_client)
            batch = column_client.encrypt(x)
            round_trips = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                api.score(batch)
                round_trips.append((time.perf_counter() - start, api.last_server_seconds))
            rt, server = sorted(round_trips)[len(round_trips) // 2]
            print(f"through the service on 127.0.0.1: round trip {rt:.4f} s per {args.rows} rows "
                  f"(scoring {server:.4f} s, the rest is HTTP and (de)serialization of "
                  f"{batch.nbytes / 2**20:.1f} MiB); service peak RSS "
                  f"{(api.last_server_peak_bytes or 0) / 2**20:.0f} MiB")  # fmt: skip
    from jupyter_privacy.core.encrypted.measure import peak_rss_bytes

    print(f"benchmark process peak RSS: {peak_rss_bytes() / 2**20:.0f} MiB (all of the above); "
          "+RSS is the growth during each packing's first run")  # fmt: skip
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
