"""Frozen archives: the bytes seqcoder writes for tiny inputs must not drift silently.

A failure here means the on-disk format changed. That needs FORMAT.md, a format version bump,
a CHANGES.md entry, and new golden files, made on request with::

    SEQCODER_REGEN_GOLDEN=1 pytest tests/golden
Old golden files of a still-supported version must keep decoding.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import seqcoder

EXPECTED = Path(__file__).parent / "expected"
INPUT = (b">seq1 golden test\nACGTTGCAACGGTTAACCGGTTAAAACCCGGGTTTAGCTAGCTAGGATCCA\nNNNNacgtacgtRYACGT\n"
         b">seq2\r\nGATTACAGATTACAGATTACA\r\n")
CASES = [("2bit", 6), ("cm", 1), ("cm", 6), ("cm", 9)]


@pytest.mark.parametrize("codec,level", CASES)
def test_golden_archive(codec, level):
    path = EXPECTED / f"{codec}-{level}.sqc"
    archive = seqcoder.compress(INPUT, codec=codec, level=level)
    if os.environ.get("SEQCODER_REGEN_GOLDEN"):
        path.write_bytes(archive)
    assert path.exists(), f"no golden file {path.name}; regenerate with SEQCODER_REGEN_GOLDEN=1"
    assert archive == path.read_bytes(), "archive bytes changed: see this module's docstring"
    assert seqcoder.decompress(path.read_bytes()) == INPUT


# Archives written before cm payload version 3 (levels whose model changed with it): they must
# keep decoding byte for byte. Frozen; never regenerated.
FROZEN = sorted((EXPECTED / "cm-v2").glob("*.sqc"))


@pytest.mark.parametrize("path", FROZEN, ids=[p.name for p in FROZEN])
def test_frozen_cm_v2_archive(path):
    assert seqcoder.decompress(path.read_bytes()) == INPUT


def test_frozen_cm_v2_present():
    assert {p.name for p in FROZEN} == {"cm-6.sqc", "cm-9.sqc"}
