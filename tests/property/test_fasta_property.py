"""Property tests of the FASTA layer: random FASTA layouts and arbitrary bytes round-trip exactly."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqcoder.io.fasta import parse_fasta, render_fasta

#: FASTA_PROPERTY_EXAMPLES=3000 for a longer run (passes; about 3 minutes)
SETTINGS = settings(max_examples=int(os.environ.get("FASTA_PROPERTY_EXAMPLES", "200")),
                    deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _acgt_count(data: bytes) -> int:
    lines = data.split(b"\n")
    seq = b"".join(line for line in lines if not line.startswith(b">")).upper()
    return sum(seq.count(c) for c in b"ACGT")


def _check(data: bytes) -> None:
    p = parse_fasta(data)
    assert render_fasta(p.codes, p.layout) == data
    assert p.codes.size == _acgt_count(data)
    assert p.codes.size == sum(r.bases for r in p.records)
    assert p.residues == sum(r.residues for r in p.records)
    assert p.residues - p.exceptions == p.codes.size
    if p.records:
        assert p.records[0].start == 0 and p.records[-1].end == len(data)
        assert all(a.end == b.start for a, b in zip(p.records, p.records[1:]))


@st.composite
def residues(draw) -> bytes:
    """A residue string: ACGT with runs of N, IUPAC codes, gaps, junk; random case runs."""
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["acgt", "acgt", "acgt", "n", "iupac", "junk"]))
        size = draw(st.integers(0, 120))
        if kind == "acgt":
            seed = draw(st.integers(0, 2**32 - 1))
            rng = np.random.default_rng(seed)
            text = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, size)].tobytes()
        elif kind == "n":
            text = b"N" * size
        elif kind == "iupac":
            text = draw(st.binary(max_size=8).map(
                lambda b: bytes(b"RYKMSWBDHVU-*"[x % 13] for x in b)))
        else:
            text = draw(st.binary(max_size=4).map(lambda b: b.replace(b"\n", b"")))
        if draw(st.booleans()):
            text = text.lower()
        parts.append(text)
    return b"".join(parts)


@st.composite
def fasta_files(draw) -> bytes:
    out = []
    eol_mode = draw(st.sampled_from(["lf", "crlf", "mixed"]))

    def eol() -> bytes:
        if eol_mode == "lf":
            return b"\n"
        if eol_mode == "crlf":
            return b"\r\n"
        return draw(st.sampled_from([b"\n", b"\r\n"]))

    if draw(st.booleans()):  # a block starting inside a record
        out.append(b"ACGT" * draw(st.integers(1, 5)) + eol())
    for _ in range(draw(st.integers(0, 5))):
        header = draw(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b" ")))
        out.append(b">" + header + eol())
        seq = draw(residues())
        style = draw(st.sampled_from(["wrapped", "wrapped", "unwrapped", "ragged"]))
        if style == "wrapped":
            width = draw(st.integers(1, 80))
            lines = [seq[i:i + width] for i in range(0, len(seq), width)]
        elif style == "unwrapped":
            lines = [seq] if seq else []
        else:
            lines, i = [], 0
            while i < len(seq):
                step = draw(st.integers(0, 40))
                lines.append(seq[i:i + step])
                i += step
        for line in lines:
            out.append(line + eol())
        out.append(eol() * draw(st.integers(0, 2)))  # blank lines
    data = b"".join(out)
    cut = draw(st.sampled_from(["keep", "no_final_eol", "lone_cr"]))
    if cut == "no_final_eol":
        data = data.rstrip(b"\r\n")
    elif cut == "lone_cr":
        data = data.rstrip(b"\n")
    return data


@SETTINGS
@given(fasta_files())
def test_random_fasta_roundtrip(data: bytes):
    _check(data)


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_roundtrip(data: bytes):
    _check(data)


@SETTINGS
@given(st.lists(st.sampled_from([b">", b"A", b"c", b"N", b"\n", b"\r", b"\r\n", b"x", b"\x00"]),
                max_size=200).map(b"".join))
def test_fasta_like_tokens_roundtrip(data: bytes):
    _check(data)


@SETTINGS
@given(fasta_files(), st.integers(1, 10))
def test_blocks_roundtrip(data: bytes, every: int):
    """Split at line boundaries like the lead's block splitter; each block round-trips."""
    cuts = [0] + [i + 1 for i, b in enumerate(data) if b == 10][::every] + [len(data)]
    cuts = sorted(set(cuts))
    codes = [parse_fasta(data[a:b]) for a, b in zip(cuts, cuts[1:])]
    for (a, b), p in zip(zip(cuts, cuts[1:]), codes):
        assert render_fasta(p.codes, p.layout) == data[a:b]
    joined = np.concatenate([p.codes for p in codes]) if codes else np.zeros(0, np.uint8)
    assert np.array_equal(joined, parse_fasta(data).codes)


def _raw_layout(layout: bytes) -> bytes:
    """The same layout with both parts stored uncompressed (method 0), to corrupt its fields."""
    import zstandard

    from seqcoder.format.varint import VarintReader, encode_uvarint

    r = VarintReader(layout, 2)
    hpart = r.raw(r.one())
    bpart = layout[r.pos:]
    if layout[1] & 1:
        hpart = zstandard.ZstdDecompressor().decompress(hpart)
    if layout[1] & 2:
        bpart = zstandard.ZstdDecompressor().decompress(bpart)
    return bytes([layout[0], 0]) + encode_uvarint(len(hpart)) + hpart + bpart


@SETTINGS
@given(fasta_files(), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                               min_size=1, max_size=3))
def test_corrupt_layout_raises_format_error(data: bytes, edits):
    """A damaged layout renders to some bytes or raises FormatError, never anything else."""
    from seqcoder.errors import FormatError

    p = parse_fasta(data)
    raw = bytearray(_raw_layout(p.layout))
    assert render_fasta(p.codes, bytes(raw)) == data
    for where, value in edits:
        raw[2 + where % (len(raw) - 2)] = value
    try:
        render_fasta(p.codes, bytes(raw))
    except FormatError:
        pass
