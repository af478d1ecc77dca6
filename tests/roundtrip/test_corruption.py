"""Random damage to archives ends in an error or the exact original: never other bytes."""

from __future__ import annotations

import random

import pytest

import seqcoder
from seqcoder.errors import SeqcoderError


@pytest.mark.parametrize("codec", ["2bit", "cm"])
def test_flips_and_truncations_never_give_wrong_output(messy_fasta, codec):
    original = (messy_fasta + b"\n") * 20
    archive = seqcoder.compress(original, codec=codec, level=2)
    rng = random.Random(1234)
    cases = [archive[:cut] for cut in range(0, len(archive), max(1, len(archive) // 60))]
    for _ in range(300):
        damaged = bytearray(archive)
        for _ in range(rng.choice((1, 1, 2, 8))):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        cases.append(bytes(damaged))
    errors = 0
    for case in cases:
        try:
            out = seqcoder.decompress(case)
        except SeqcoderError:
            errors += 1
            continue
        assert out == original, "damaged archive decoded to different bytes"
    assert errors >= len(cases) - 5
