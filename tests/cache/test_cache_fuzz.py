"""The differential cache fuzzer (bench/cache_fuzz.py) in the test suite: 60 steps.

Each seed is a test case of its own, so pytest-xdist spreads them over the cores. Every step
is a random repository operation followed by a scan with the cache and one without; any
difference fails with the steps that led to it (`python bench/cache_fuzz.py --seed S
--steps N` replays them). `bench/cache_fuzz.py --steps 20000` runs the long version.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_support import load_bench

# Many short runs rather than a few long ones: the scan without the cache reads every blob
# at every step, so a step costs more the longer the history grows.
# A step is two scans and costs about 0.15 s: 400 steps were 62 s of CPU, the largest share
# of the suite once the rule pack's per-rule tests tripled the test count; 100 (about 40 s of
# CPU with 718 rules) kept CI under its limit, and 60 (one seed) once the machine slowed.
# `bench/cache_fuzz.py --steps 20000` is the long run.
SEEDS = range(1)
STEPS = 60  # one seed of 60 steps: every operation and every cache answer, in about 8 s


cache_fuzz = load_bench("cache_fuzz")


@pytest.mark.parametrize("seed", SEEDS)
def test_a_cached_scan_agrees_with_a_scan_without_the_cache(seed: int, tmp_path: Path) -> None:
    outcome = cache_fuzz.run(STEPS, seed, tmp_path / "lab")
    assert outcome.steps == STEPS
    # The walk did what it is for: findings came and went, every kind of operation ran, and
    # the cache answered every way it can (not a cache that always falls back).
    assert 0 < outcome.findings_seen < STEPS
    assert set(outcome.operations) == set(cache_fuzz.OPERATIONS)
    assert set(outcome.answers) == {
        "saved result",
        "saved history",
        "extended history",
        "full read",
    }
