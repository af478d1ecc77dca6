"""Collection archives on small collections made here: related genomes with SNPs, indels,
inversions and new genes, messy FASTA, empty and non-FASTA members."""

from __future__ import annotations

import gzip
import hashlib
import json

import numpy as np
import pytest

from seqcoder.cli import main
from seqcoder.collection import Collection, member_name
from seqcoder.errors import SeqcoderWarning
from seqcoder.collection.coder import MatchParams, ReferenceText
from seqcoder.errors import ChecksumError, FastaError, FormatError, SeqcoderError

BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def _mutate(rng: np.random.Generator, seq: np.ndarray) -> np.ndarray:
    """SNPs, small indels, an inversion and an inserted new gene."""
    s = seq.copy()
    snps = rng.choice(len(s), size=len(s) // 300, replace=False)
    s[snps] = (s[snps] + rng.integers(1, 4, size=snps.size)) % 4
    a = int(rng.integers(1000, len(s) // 2))
    s[a:a + 800] = (3 - s[a:a + 800])[::-1]
    b = int(rng.integers(len(s) // 2, len(s) - 100))
    parts = [s[:b], rng.integers(0, 4, size=int(rng.integers(1, 9))).astype(np.uint8), s[b + 5:]]
    c = int(rng.integers(100, len(s) - 100))
    parts.insert(1, rng.integers(0, 4, size=1500).astype(np.uint8))
    out = np.concatenate(parts[:1] + parts[1:2] + parts[2:])
    return np.concatenate([out[:c], out[c + 3:]])


def _fasta(name: str, codes: np.ndarray, width: int = 70, eol: bytes = b"\n") -> bytes:
    text = BASES[codes].tobytes()
    lines = [b">" + name.encode() + b" test genome"] + [text[i:i + width] for i in range(0, len(text), width)]
    return eol.join(lines) + eol


@pytest.fixture(scope="module")
def genomes() -> dict[str, bytes]:
    rng = np.random.default_rng(7)
    root = rng.integers(0, 4, size=30_000).astype(np.uint8)
    out = {}
    prev = root
    for i in range(5):
        g = _mutate(rng, prev if i % 2 else root)
        out[f"g{i}.fa"] = _fasta(f"g{i}", g)
        prev = g
    messy = bytearray(_fasta("messy", _mutate(rng, root), width=61, eol=b"\r\n"))
    messy[200:260] = b"N" * 60
    messy[400:420] = bytes(messy[400:420]).lower()
    out["messy.fa"] = bytes(messy) + b">plasmid\nACGTNNRY\nacgt"  # no final newline
    return out


@pytest.fixture
def files(tmp_path, genomes):
    paths = []
    for name, data in genomes.items():
        p = tmp_path / name
        p.write_bytes(data)
        paths.append(p)
    return paths


def test_round_trip_every_member(tmp_path, files, genomes):
    c = Collection.create(tmp_path / "set.sqcl", files)
    assert [m.name for m in c.members] == [p.name for p in files]  # input order
    got = dict((e.name, d) for e, d in c.iter_members())
    assert got == genomes
    assert c.archive_size < sum(len(d) for d in genomes.values()) / 10
    # what the later genomes share costs far less than their first copy
    first, later = c.members[0], c.members[1:5]
    assert all(m.size < first.size / 4 for m in later)


def test_member_index_reads_without_decoding(tmp_path, files, genomes):
    Collection.create(tmp_path / "set.sqcl", files)
    c = Collection(tmp_path / "set.sqcl")
    for m in c.members:
        data = genomes[m.name]
        assert m.original_size == len(data)
        assert m.sha256 == hashlib.sha256(data).digest()
    assert c.entry("messy.fa").records == 2


@pytest.mark.parametrize("max_depth", [0, 1, 2])
def test_bounded_chains_round_trip(tmp_path, files, genomes, max_depth):
    c = Collection.create(tmp_path / "set.sqcl", files, max_depth=max_depth)
    assert c.read("g4.fa") == genomes["g4.fa"]
    if max_depth == 0:
        assert all(not m.parents for m in c.members)
    assert dict((e.name, d) for e, d in c.iter_members()) == genomes


def test_bytes_do_not_depend_on_threads(tmp_path, files):
    a = Collection.create(tmp_path / "a.sqcl", files, threads=1)
    b = Collection.create(tmp_path / "b.sqcl", files, threads=3)
    assert a.path.read_bytes() == b.path.read_bytes()
    one = dict((e.name, d) for e, d in a.iter_members(threads=1))
    assert dict((e.name, d) for e, d in a.iter_members(threads=3)) == one
    assert a.read("g3.fa", threads=2) == one["g3.fa"]


def test_compressed_inputs_are_named_without_suffix(tmp_path, genomes):
    p = tmp_path / "g0.fa.gz"
    p.write_bytes(gzip.compress(genomes["g0.fa"]))
    c = Collection.create(tmp_path / "set.sqcl", [p])
    assert c.members[0].name == "g0.fa" == member_name(p)
    assert c.read("g0.fa") == genomes["g0.fa"]


def test_add_appends_without_touching_existing_bytes(tmp_path, files, genomes):
    whole = Collection.create(tmp_path / "whole.sqcl", files)
    part = Collection.create(tmp_path / "part.sqcl", files[:3])
    before = part.path.read_bytes()
    part.add(files[3:])
    after = part.path.read_bytes()
    assert after.startswith(before)  # appended after the old trailer: no byte rewritten
    assert dict((e.name, d) for e, d in part.iter_members()) == genomes
    # the new members are coded exactly as if packed at once
    for m_whole, m_part in zip(whole.members, part.members):
        assert m_whole.size == m_part.size


def test_failed_add_leaves_archive_exactly_as_it_was(tmp_path, files):
    c = Collection.create(tmp_path / "set.sqcl", files[:2])
    before = c.path.read_bytes()
    with pytest.raises(SeqcoderError, match="named 'g0.fa'"):
        c.add([files[2], files[0]])  # duplicate name: refused before anything is written
    missing = tmp_path / "nope.fa"
    with pytest.raises(OSError):
        c.add([files[2], missing])  # fails half-way: cut back
    assert c.path.read_bytes() == before
    bad = tmp_path / "bad.fa"
    bad.write_bytes(b">x\nACGT\x00\x01PROTEIN\n" * 50)
    with pytest.raises(FastaError):
        c.add([files[2], bad], strict=True)
    assert c.path.read_bytes() == before
    assert Collection(c.path).test() == 2


def test_duplicate_names_refused_before_writing(tmp_path, files):
    other = tmp_path / "sub"
    other.mkdir()
    dup = other / files[0].name
    dup.write_bytes(b">x\nACGT\n")
    with pytest.raises(SeqcoderError, match="two members"):
        Collection.create(tmp_path / "set.sqcl", [files[0], dup])
    assert not (tmp_path / "set.sqcl").exists()


def test_empty_and_non_fasta_members(tmp_path, files, genomes):
    empty = tmp_path / "empty.fa"
    empty.write_bytes(b"")
    binary = tmp_path / "notes.bin"
    blob = bytes(range(256)) * 40
    binary.write_bytes(blob)
    with pytest.warns(SeqcoderWarning, match="not nucleotide"):
        c = Collection.create(tmp_path / "set.sqcl", [empty, files[0], binary])
    assert c.read("empty.fa") == b""
    assert c.read("notes.bin") == blob
    assert c.read("g0.fa") == genomes["g0.fa"]
    with pytest.raises(FastaError, match="notes.bin"):
        Collection.create(tmp_path / "strict.sqcl", [files[0], binary], strict=True)


def test_only_empty_members(tmp_path):
    empty = tmp_path / "e.fa"
    empty.write_bytes(b"")
    c = Collection.create(tmp_path / "set.sqcl", [empty])
    assert c.read("e.fa") == b""


def test_damaged_member_is_named_and_never_output(tmp_path, files, genomes):
    c = Collection.create(tmp_path / "set.sqcl", files)
    victim = c.entry("g2.fa")
    data = bytearray(c.path.read_bytes())
    data[victim.offset + victim.size // 2] ^= 0x10
    c.path.write_bytes(bytes(data))
    c = Collection(c.path)
    assert c.read("g0.fa") == genomes["g0.fa"]  # members before it are fine
    with pytest.raises(ChecksumError, match="g2.fa"):
        c.read("g2.fa")
    with pytest.raises(ChecksumError, match="g2.fa"):
        c.test()


def test_every_flipped_byte_is_an_error_or_the_original(tmp_path, files, genomes):
    c = Collection.create(tmp_path / "set.sqcl", files[:3])
    good = c.path.read_bytes()
    rng = np.random.default_rng(1)
    for pos in rng.choice(len(good), size=40, replace=False):
        bad = bytearray(good)
        bad[pos] ^= 1 << int(rng.integers(0, 8))
        c.path.write_bytes(bytes(bad))
        try:
            out = dict((e.name, d) for e, d in Collection(c.path).iter_members())
        except (FormatError, SeqcoderError):
            continue
        assert out == {p.name: genomes[p.name] for p in files[:3]}
    c.path.write_bytes(good[:-3])
    with pytest.raises(FormatError, match="trailer"):
        Collection(c.path)


def test_record_of_a_member(tmp_path, files):
    c = Collection.create(tmp_path / "set.sqcl", files)
    assert c.read_record("messy.fa", "plasmid") == b">plasmid\nACGTNNRY\nacgt"
    assert c.read_record("messy.fa", "#2") == b">plasmid\nACGTNNRY\nacgt"
    with pytest.raises(SeqcoderError, match="no record"):
        c.read_record("messy.fa", "chr9")


def test_kernel_twin_gives_the_same_bytes(genomes):
    from seqcoder.collection import kernel
    from seqcoder.io.fasta import parse_fasta

    params = MatchParams(hash_bits=12)
    a = parse_fasta(genomes["g0.fa"]).codes[:3000]
    b = parse_fasta(genomes["g1.fa"]).codes[:3000]
    compiled, twin = ReferenceText(params), ReferenceText(params)
    compiled.extend(a)
    twin.extend(a)
    tok1, lit1, _ = compiled.encode(b, keep=True)
    # the same call sequence with the interpreted kernel
    from unittest import mock

    with mock.patch.object(kernel, "encode_member", kernel.encode_member.py_func), \
            mock.patch.object(kernel, "index_insert", kernel.index_insert.py_func):
        twin2 = ReferenceText(params)
        twin2.extend(a)
        tok2, lit2, _ = twin2.encode(b, keep=True)
    assert tok1 == tok2 and (lit1 == lit2).all()
    dec = ReferenceText(None)
    dec.extend(a)
    with mock.patch.object(kernel, "decode_member", kernel.decode_member.py_func):
        assert (dec.decode(len(b), tok1, lit1, True, "b") == b).all()


def test_cli_pack_get_unpack_list(tmp_path, files, genomes, capsys):
    archive = tmp_path / "set.sqcl"
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(str(p) for p in files[2:]) + "\n")
    assert main(["pack", "-q", str(archive), str(files[0]), str(files[1]), "--files-from", str(listing)]) == 0
    assert main(["pack", "-q", str(archive), str(files[0])]) == 1  # exists
    assert "already exists" in capsys.readouterr().err
    out = tmp_path / "out"
    assert main(["unpack", "-q", str(archive), "-C", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == genomes
    assert main(["get", str(archive), "g3.fa", "-o", str(tmp_path / "one.fa")]) == 0
    assert (tmp_path / "one.fa").read_bytes() == genomes["g3.fa"]
    capsys.readouterr()
    assert main(["get", str(archive), "g1.fa", "g0.fa", "-c"]) == 0
    assert capsys.readouterr().out == (genomes["g0.fa"] + genomes["g1.fa"]).decode()
    assert main(["get", str(archive), "nope.fa", "-c"]) == 1
    assert "no member named 'nope.fa'" in capsys.readouterr().err
    assert main(["list", str(archive)]) == 0
    text = capsys.readouterr().out
    assert "g4.fa" in text and "bits/base" in text
    assert main(["test", "-v", str(archive)]) == 0
    assert "OK (6 members)" in capsys.readouterr().out
    assert main(["info", "--json", str(archive)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "collection" and len(info["member_list"]) == 6
    assert sum(info["section_bytes"].values()) < info["archive_bytes"]


def test_cli_add_and_record(tmp_path, files, genomes, capsys):
    archive = tmp_path / "set.sqcl"
    assert main(["pack", "-q", str(archive)] + [str(p) for p in files[:4]]) == 0
    assert main(["add", "-q", str(archive)] + [str(p) for p in files[4:]]) == 0
    assert main(["add", "-q", str(archive), str(files[0])]) == 1
    capsys.readouterr()
    assert main(["get", str(archive), "messy.fa", "--record", "plasmid", "-c"]) == 0
    assert capsys.readouterr().out == ">plasmid\nACGTNNRY\nacgt"


def test_token_buffer_overflow_is_retried(genomes):
    from seqcoder.io.fasta import parse_fasta

    a, b, c = (parse_fasta(genomes[f"g{i}.fa"]).codes for i in range(3))
    enc = ReferenceText(MatchParams())
    enc.encode(a, keep=True)
    whole = ReferenceText(MatchParams())
    whole.encode(a, keep=True)
    expected = whole.encode(b, keep=True)
    enc._buf = np.empty(16, dtype=np.uint8)  # far too small for b's tokens
    tokens, literals, _ = enc.encode(b, keep=True)
    assert tokens == expected[0] and (literals == expected[1]).all()
    assert enc.encode(c, keep=False)[0] == whole.encode(c, keep=False)[0]  # the index was restored


def test_small_members_code_literals_with_the_generic_kernel(tmp_path):
    """A member under SMALL_MEMBER_BASES codes its literals at cm level 3 at least; a larger one
    keeps its level's literal coder, and version-1 archives keep one level for all."""
    from seqcoder.collection import coder

    small, large = coder.SMALL_MEMBER_BASES - 1, coder.SMALL_MEMBER_BASES
    assert [coder.literal_level(lv, small) for lv in (1, 4, 5, 9)] == [3, 3, 3, 9]
    assert [coder.literal_level(lv, large) for lv in (1, 4, 5, 9)] == [1, 1, 2, 9]
    assert coder.literal_level(4) == 1
    rng = np.random.default_rng(5)
    path = tmp_path / "p.fa"
    path.write_bytes(b">p\n" + rng.choice(np.frombuffer(b"ACGT", np.uint8), 3000).tobytes() + b"\n")
    c = Collection.create(tmp_path / "s.sqcl", [path], level=4)
    assert c.members[0].level == 3 and c.read("p.fa") == path.read_bytes()
