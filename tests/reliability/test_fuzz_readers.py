"""A short seeded fuzz run over every reader (the long, coverage-guided one is
``benchmarks/fuzz_readers.py``): no exception but seqcoder's own, and found crashers kept."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_targets import TARGETS, check
from mutations import apply, mutations
from seqcoder.errors import SeqcoderError


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_are_read_without_error(name):
    target = TARGETS[name]
    for seed in target.seeds():
        target.run(seed)  # the unmutated inputs are valid: no error at all


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_mutated_inputs_give_seqcoder_errors_only(name):
    target = TARGETS[name]
    seeds = target.seeds()

    @settings(max_examples=200, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(0, len(seeds) - 1), mutations())
    def one(which, changes):
        check(target, apply(seeds[which], changes))

    one()


CRASHERS = Path(__file__).parent / "crashers"


@pytest.mark.parametrize("crasher", sorted(p.name for p in CRASHERS.iterdir()))
def test_every_crasher_found_is_a_seqcoder_error_now(crasher):
    """Inputs the fuzzers once crashed a reader with (``TARGET-what.bin``), kept for good."""
    target = TARGETS[crasher.split("-")[0]]
    data = (CRASHERS / crasher).read_bytes()
    tracemalloc.start()
    try:
        with pytest.raises(SeqcoderError):
            target.run(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20  # a small input that claims a huge output fails before allocating it
