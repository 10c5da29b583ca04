"""Poisson subsampling and the step count, without TensorFlow: batch sizes follow Binomial(n, q),
every example of a step is processed (several chunks when a step outgrows one), padding is masked,
and the steps run are exactly the steps the accountant composes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from jupyter_privacy.core.accounting import DpSgdSetting
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.training.sampling import (
    BatchPlanner,
    default_physical_batch,
    inclusion_threshold,
)


def setting(n: int = 1500, batch: int = 64, sampling: str = "poisson") -> DpSgdSetting:
    return DpSgdSetting(n, batch, 1.0, 1e-5, epochs=1.0, sampling=sampling)


def steps_of(batches) -> list[np.ndarray]:
    """The example indices of each step, reassembled from its chunks (padding dropped)."""
    steps, current = [], []
    for row, mask, end in zip(batches.indices, batches.mask, batches.step_ends, strict=True):
        current.extend(row[mask == 1].tolist())
        if end:
            steps.append(np.array(current))
            current = []
    assert current == []
    return steps


def test_batch_sizes_follow_the_binomial_distribution() -> None:
    n, batch = 1500, 64
    planner = BatchPlanner(setting(n, batch), epochs=60, seed=11)
    sizes = np.concatenate([planner.epoch(e).batch_sizes for e in range(1, 61)])
    assert len(sizes) == planner.total_steps == math.ceil(60 * n / batch)
    q = batch / n
    # χ² goodness of fit against Binomial(n, q), tails pooled so every bin expects ≥ 5 steps.
    edges = np.arange(int(stats.binom.ppf(0.02, n, q)), int(stats.binom.ppf(0.98, n, q)) + 1)
    observed = np.array([np.sum(sizes < edges[0])]
                        + [np.sum(sizes == k) for k in edges[:-1]]
                        + [np.sum(sizes >= edges[-1])])  # fmt: skip
    probabilities = np.r_[stats.binom.cdf(edges[0] - 1, n, q),
                          stats.binom.pmf(edges[:-1], n, q),
                          stats.binom.sf(edges[-1] - 1, n, q)]  # fmt: skip
    expected = probabilities * len(sizes)
    assert expected.min() >= 5
    chi2, p_value = stats.chisquare(observed, expected)
    assert p_value > 0.001, (chi2, p_value)
    assert abs(sizes.mean() - batch) < 4 * math.sqrt(batch * (1 - q) / len(sizes))
    # A fixed-size pipeline would fail this test: every size the same.
    assert sizes.std() > 0.5 * math.sqrt(batch * (1 - q))


def test_each_example_is_included_independently_with_probability_q() -> None:
    n, batch = 200, 20
    planner = BatchPlanner(setting(n, batch), epochs=200, seed=3)
    counts = np.zeros(n)
    for epoch in range(1, 201):
        for step in steps_of(planner.epoch(epoch)):
            assert len(set(step.tolist())) == len(step)  # no example twice in a step
            counts[step] += 1
    trials = planner.total_steps
    # Per-example inclusion counts are Binomial(steps, q): KS test of their normalised values.
    z = (counts - trials * 0.1) / math.sqrt(trials * 0.1 * 0.9)
    assert stats.kstest(z, "norm").pvalue > 0.001


def test_steps_run_are_exactly_the_steps_the_accountant_composes() -> None:
    n, batch, epochs = 1500, 64, 2
    poisson = BatchPlanner(setting(n, batch), epochs=epochs, seed=1)
    shuffle = BatchPlanner(setting(n, batch, "shuffle"), epochs=epochs, seed=1)
    ran = {name: sum(p.epoch(e).steps for e in range(1, epochs + 1))
           for name, p in (("poisson", poisson), ("shuffle", shuffle))}  # fmt: skip
    assert ran == {"poisson": 47, "shuffle": 48}  # ⌈2·1500/64⌉ and 2·⌈1500/64⌉
    for name, steps in ran.items():
        composed = DpSgdSetting(n, batch, 1.0, 1e-5, epochs=float(epochs), sampling=name)
        assert composed.total_steps == steps
    assert [poisson.steps_in_epoch(e) for e in (1, 2)] == [24, 23]  # epoch e ends at ⌈e·n/B⌉


def test_shuffle_uses_every_example_once_per_epoch() -> None:
    planner = BatchPlanner(setting(1500, 64, "shuffle"), epochs=1, seed=5)
    steps = steps_of(planner.epoch(1))
    assert [len(s) for s in steps] == [64] * 23 + [28]
    assert sorted(np.concatenate(steps).tolist()) == list(range(1500))


def test_a_step_larger_than_one_chunk_runs_as_several_and_drops_nothing() -> None:
    planner = BatchPlanner(setting(1500, 64), epochs=3, physical_batch=16, seed=9)
    batches = planner.epoch(1)
    steps = steps_of(batches)
    assert [len(s) for s in steps] == batches.batch_sizes.tolist()
    assert batches.indices.shape[1] == 16 and len(batches.indices) > len(steps)
    # Padding rows are masked out and only ever in a step's last chunk.
    for row in np.flatnonzero(batches.mask.sum(axis=1) < 16):
        assert batches.step_ends[row]


def test_an_empty_step_still_runs_as_one_masked_chunk() -> None:
    planner = BatchPlanner(setting(50, 1), epochs=1, seed=0)  # q = 0.02: many empty steps
    batches = planner.epoch(1)
    assert batches.steps == 50
    empty = [i for i, size in enumerate(batches.batch_sizes) if size == 0]
    assert empty  # with this seed some steps draw nobody; each is still a (noise-only) step
    assert batches.mask[batches.step_ends].sum() == batches.batch_sizes.sum()


def test_inclusion_probability_never_exceeds_q() -> None:
    for n, batch in ((3, 1), (1500, 64), (60000, 256), (7, 7)):
        q = batch / n
        planner = BatchPlanner(setting(n, batch), epochs=1)
        assert planner.inclusion_probability <= q
        assert q - planner.inclusion_probability < 2**-52
    assert inclusion_threshold(1.0) == 2**53
    with pytest.raises(InvalidParameterError):
        inclusion_threshold(0.0)


def test_default_chunk_covers_three_standard_deviations() -> None:
    assert default_physical_batch(setting(1500, 64, "shuffle")) == 64
    chunk = default_physical_batch(setting(60000, 256))
    assert chunk % 8 == 0 and 256 + 3 * 16 * math.sqrt(1 - 256 / 60000) <= chunk < 256 + 60
    with pytest.raises(InvalidParameterError, match="max_physical_batch"):
        BatchPlanner(setting(), epochs=1, physical_batch=0)
