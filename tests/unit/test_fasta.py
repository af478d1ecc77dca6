"""Unit tests of the FASTA layer (seqcoder.io.fasta): fixtures, expectations, real genomes."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from seqcoder.errors import FormatError
from seqcoder.io.fasta import ParsedFasta, RecordSpan, layout_stats, parse_fasta, render_fasta
from seqcoder.format.varint import VarintReader, decode_uvarints, encode_uvarints

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
FIXTURES = sorted(p for p in DATA.iterdir() if p.suffix in {".fa", ".seq", ".bin"})
NUCLEOTIDE = set(b"ACGTUNRYKMSWBDHVacgtunrykmswbdhv-*")


def reference(data: bytes) -> dict:
    """Slow, obviously correct line-by-line model of what parse_fasta must report."""
    lines = data.split(b"\n")
    if not data or data.endswith(b"\n"):
        lines.pop()
    records: list[list] = []
    codes: list[int] = []
    residues = exceptions = 0
    first_bad = None
    pos = 0
    for i, line in enumerate(lines):
        size = len(line) + (1 if pos + len(line) < len(data) else 0)
        content = line[:-1] if line.endswith(b"\r") else line
        if content.startswith(b">"):
            records.append([content[1:], pos, pos + size, 0, 0])
        else:
            if not records:
                records.append([None, pos, pos + size, 0, 0])
            rec = records[-1]
            for byte in content:
                code = b"ACGT".find(bytes([byte]).upper())
                if code >= 0:
                    codes.append(code)
                    rec[4] += 1
                else:
                    exceptions += 1
                if first_bad is None and byte not in NUCLEOTIDE:
                    first_bad = i + 1
            rec[3] += len(content)
            residues += len(content)
        records[-1][2] = pos + size
        pos += size
    return {
        "records": [RecordSpan(*r) for r in records],
        "codes": codes,
        "residues": residues,
        "exceptions": exceptions,
        "first_non_nucleotide_line": first_bad,
    }


def check(data: bytes) -> ParsedFasta:
    p = parse_fasta(data)
    assert render_fasta(p.codes, p.layout) == data
    assert p.codes.dtype == np.uint8
    ref = reference(data)
    assert p.codes.tolist() == ref["codes"]
    assert p.records == ref["records"]
    assert p.residues == ref["residues"]
    assert p.exceptions == ref["exceptions"]
    assert p.first_non_nucleotide_line == ref["first_non_nucleotide_line"]
    return p


# ------------------------------------------------------------------ fixtures


def test_fixtures_present():
    names = {p.name for p in FIXTURES}
    for name in ["crlf.fa", "ragged.fa", "unwrapped.fa", "blank_lines.fa", "no_final_newline.fa",
                 "softmasked.fa", "n_runs.fa", "iupac.fa", "empty_record.fa",
                 "duplicate_names.fa", "not_fasta.bin", "bare_sequence.seq", "mixed_eol.fa",
                 "gt_alone.fa", "protein.fa"]:
        assert name in names


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_roundtrip(path: Path):
    check(path.read_bytes())


def test_gzip_fixture():
    raw = (DATA / "softmasked.fa").read_bytes()
    assert gzip.decompress((DATA / "softmasked.fa.gz").read_bytes()) == raw
    p = check(raw)
    assert layout_stats(p.layout)["case_toggles"] == 3


@pytest.mark.parametrize("data", [
    b"", b"\n", b"\r", b"\r\n", b"\n\n", b">", b">\n", b">\r", b"A", b"a", b"N", b"\x00",
    b"A\r", b"\rA", b"A\r\r\n", b">a\n>b", b">a\nAC\n\n\n>b\n\nAC", b"\xff" * 5, b"ACGT\n" * 3,
    b">x\r\nAC\nGT\r\nA", b"nnnnACGTNNNNnn\n", b">\x00\n\x00\n", b"--**\n", b";comment\nACGT\n",
])
def test_edge_cases(data: bytes):
    check(data)


@pytest.mark.parametrize("rows", [3, 50, 5000])  # few groups: 2-D views; many: the mask
def test_copy_runs_matches_a_mask(rows: int):
    from seqcoder.io.fasta import _copy_runs, _range_mask

    rng = np.random.default_rng(rows)
    wrapped = rng.random(rows) < 0.8  # mostly one width at one stride, as wrapped records are
    lengths = np.where(wrapped, 60, rng.integers(0, 90, rows))
    gaps = np.where(wrapped, 1, rng.integers(0, 3, rows))
    starts = np.cumsum(gaps) + np.concatenate([[0], np.cumsum(lengths)[:-1]])
    size = int(starts[-1] + lengths[-1])
    src = rng.integers(0, 256, int(lengths.sum()), dtype=np.uint8)
    got, want = np.zeros(size, dtype=np.uint8), np.zeros(size, dtype=np.uint8)
    _copy_runs(got, starts, lengths, src)
    want[_range_mask(size, starts, starts + lengths)] = src
    assert np.array_equal(got, want)
    with pytest.raises(FormatError):
        _copy_runs(got, starts, lengths, src[:-1])


def test_random_bytes():
    rng = np.random.default_rng(7)
    for size in [1, 2, 10, 1000, 5000]:
        check(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
        check(rng.choice(np.frombuffer(b">ACGTNacgt\r\n", dtype=np.uint8), size).tobytes())


# ------------------------------------------------------------------ expectations


def test_expected_records_and_codes():
    p = check(b">r1 one\nACGTN\nac\n>r2\n\n>r1 one\r\nGGT")
    assert p.codes.tolist() == [0, 1, 2, 3, 0, 1, 2, 2, 3]
    assert p.records == [
        RecordSpan(b"r1 one", 0, 17, 7, 6),
        RecordSpan(b"r2", 17, 22, 0, 0),
        RecordSpan(b"r1 one", 22, 34, 3, 3),
    ]
    assert (p.residues, p.exceptions, p.first_non_nucleotide_line) == (10, 1, None)


def test_fixture_expectations():
    p = check((DATA / "empty_record.fa").read_bytes())
    assert [(r.header, r.residues) for r in p.records] == [(b"empty1", 0), (b"full", 80),
                                                          (b"empty2", 0)]
    p = check((DATA / "duplicate_names.fa").read_bytes())
    assert [r.header for r in p.records] == [b"dup"] * 3
    assert [r.bases for r in p.records] == [70, 70, 10]
    p = check((DATA / "bare_sequence.seq").read_bytes())
    assert len(p.records) == 1 and p.records[0].header is None and p.codes.size == 400
    p = check((DATA / "iupac.fa").read_bytes())
    assert p.first_non_nucleotide_line is None and p.exceptions == 13
    p = check((DATA / "protein.fa").read_bytes())
    assert p.first_non_nucleotide_line == 2 and p.exceptions > p.residues // 2
    p = check((DATA / "mixed_eol.fa").read_bytes())
    assert p.first_non_nucleotide_line == 4  # the lone CR inside line 4
    p = check((DATA / "n_runs.fa").read_bytes())
    assert layout_stats(p.layout)["exception_runs"] == 4
    assert p.exceptions == 25 + 100 + 4 + 7
    p = check((DATA / "crlf.fa").read_bytes())
    s = layout_stats(p.layout)
    assert s["crlf_default"] and s["eol_exceptions"] == 0 and s["wrapped_records"] == 2
    p = check((DATA / "gt_alone.fa").read_bytes())
    assert [r.header for r in p.records] == [b"", b"", b""]


def test_line_models():
    s = layout_stats(parse_fasta((DATA / "ragged.fa").read_bytes()).layout)
    assert (s["explicit_records"], s["wrapped_records"]) == (1, 1)
    s = layout_stats(parse_fasta((DATA / "unwrapped.fa").read_bytes()).layout)
    assert s["single_line_records"] == 2
    s = layout_stats(parse_fasta((DATA / "blank_lines.fa").read_bytes()).layout)
    assert s["blank_lines"] == 4 and s["explicit_records"] == 1


def test_80_column_genome_layout_is_small():
    rng = np.random.default_rng(1)
    seq = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, 1_000_003)]
    lines = seq[: len(seq) // 80 * 80].reshape(-1, 80)
    body = b"\n".join(row.tobytes() for row in lines) + b"\n" + seq[len(lines) * 80:].tobytes()
    data = b">NC_000000.1 Synthetic bacterium strain X chromosome, complete genome\n" + body + b"\n"
    p = parse_fasta(data)
    assert render_fasta(p.codes, p.layout) == data
    assert np.array_equal(p.codes, (seq == ord("C")) * 1 + (seq == ord("G")) * 2
                          + (seq == ord("T")) * 3)
    assert len(p.layout) < 100, len(p.layout)


def test_blocks_split_at_line_boundaries():
    data = b"".join((DATA / n).read_bytes() for n in ["crlf.fa", "n_runs.fa", "softmasked.fa",
                                                      "ragged.fa", "blank_lines.fa"])
    whole = parse_fasta(data)
    cuts = [0] + [i + 1 for i in range(len(data)) if data[i] == 10][::7] + [len(data)]
    cuts = sorted(set(cuts))
    codes = []
    for a, b in zip(cuts, cuts[1:]):
        p = check(data[a:b])
        codes.append(p.codes)
    assert np.array_equal(np.concatenate(codes), whole.codes)


def test_render_rejects_bad_input():
    p = parse_fasta(b">a\nACGTNN\n")
    with pytest.raises(FormatError):
        render_fasta(p.codes[:-1], p.layout)
    with pytest.raises(FormatError):
        render_fasta(np.full(p.codes.size, 4, dtype=np.uint8), p.layout)
    with pytest.raises(FormatError):
        render_fasta(p.codes, b"\x09" + p.layout[1:])
    with pytest.raises(FormatError):
        render_fasta(p.codes, p.layout[:-1])
    with pytest.raises(FormatError):
        render_fasta(p.codes, p.layout + b"\x00")
    with pytest.raises(FormatError):
        render_fasta(p.codes, b"")


def test_varints():
    values = np.array([0, 1, 127, 128, 16383, 16384, 2**32, 2**63 - 1, 2**64 - 1], dtype=np.uint64)
    buf = encode_uvarints(values)
    decoded, end = decode_uvarints(buf + b"\x05", 0, values.size)
    assert decoded.tolist() == values.tolist() and end == len(buf)
    r = VarintReader(buf)
    assert [r.one() for _ in range(values.size)] == values.tolist()
    with pytest.raises(FormatError):
        decode_uvarints(b"\x80\x80", 0, 1)


def test_large_genome_round_trips():
    # its speed is measured by benchmarks/fasta_speed.py, not asserted here
    rng = np.random.default_rng(2)
    seq = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, 6_000_000)]
    data = b">chr\n" + b"\n".join(seq.reshape(-1, 80)[i].tobytes() for i in range(75_000)) + b"\n"
    p = parse_fasta(data)
    assert p.codes.size == 6_000_000 and p.exceptions == 0
    assert render_fasta(p.codes, p.layout) == data


# ------------------------------------------------------------------ real genomes


def _real_files() -> list[Path]:
    files = sorted((SHARED / "data" / "genomes").glob("*.fna"))
    files += [SHARED / "data" / "dnacorpus" / n for n in ("EsCo", "BuEb")]
    return [f for f in files if f.is_file()]


@pytest.mark.skipif(not _real_files(), reason="shared data folder absent")
@pytest.mark.parametrize("path", _real_files(), ids=lambda p: p.name)
def test_real_files(path: Path):
    data = path.read_bytes()
    p = parse_fasta(data)
    assert render_fasta(p.codes, p.layout) == data
    seq = b"".join(line for line in data.split(b"\n") if not line.startswith(b">"))
    upper = seq.upper()
    assert p.codes.size == sum(upper.count(c) for c in b"ACGT")
    assert p.first_non_nucleotide_line is None
    # the layout costs about what the headers do: the line structure of a real file is nearly free
    headers = sum(len(line) + 1 for line in data.split(b"\n") if line.startswith(b">"))
    assert len(p.layout) <= headers + 64 + len(data) // 1000, layout_stats(p.layout)


def test_bytes_like_input():
    data = (DATA / "crlf.fa").read_bytes()
    for view in (bytearray(data), memoryview(data)):
        p = parse_fasta(view)
        assert render_fasta(p.codes, p.layout) == data
    p = parse_fasta(data)
    p.codes[0] = p.codes[0]  # codes are writable
    assert render_fasta(p.codes.astype(np.int64), p.layout) == data


def test_layout_bytes_and_object_are_one_grammar():
    # to_bytes and from_bytes walk the same field table: a layout read back writes the same bytes
    from seqcoder.io.fasta import Layout

    for path in sorted(DATA.iterdir()):
        if path.suffix in (".py", ".gz"):
            continue
        layout = parse_fasta(path.read_bytes()).layout
        assert Layout.from_bytes(layout).to_bytes() == layout, path.name
    with pytest.raises(FormatError, match="count"):
        Layout.from_bytes(bytes([1, 0, 0]) + encode_uvarints([0, 1 << 20]))  # 2^20 records in 4 bytes
