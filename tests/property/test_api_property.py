"""Any bytes, any block size, any codec: compress then decompress gives the same bytes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqcoder.api import Compressor, Decompressor

FASTA_LIKE = st.lists(st.sampled_from([b">", b"r1 x", b"\n", b"\r\n", b"ACGT", b"acgt", b"NNNN", b"RYK",
                                       b"A", b"C", b"G", b"T", b"-", b"\x00", b"\xff"]), max_size=200).map(b"".join)


@pytest.mark.filterwarnings("ignore::seqcoder.errors.SeqcoderWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(FASTA_LIKE, st.binary(max_size=600)), codec=st.sampled_from(["2bit", "cm"]),
       block_size=st.sampled_from([1024, 2048, 1 << 20]))
def test_round_trip(data, codec, block_size):
    archive = Compressor(codec, 1, block_size=block_size).compress(data)
    assert Decompressor().decompress(archive) == data
