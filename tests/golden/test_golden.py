"""Frozen archives: the bytes seqcoder writes for tiny inputs must not drift silently, and
archives written by earlier versions must keep decoding byte for byte.

A failure here means the on-disk format changed. That needs FORMAT.md, a format version bump,
a CHANGES.md entry, and new golden files. A golden file is written only when it is missing
(delete it to regenerate it); the run that writes one fails, so a new file is always looked
at and committed, never created silently in CI.

The autoencoder archives are decode-only: their encoder runs in floating point, so the bytes
it writes may differ between machines, while decoding them must not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import seqcoder

EXPECTED = Path(__file__).parent / "expected"
INPUT = (b">seq1 golden test\nACGTTGCAACGGTTAACCGGTTAAAACCCGGGTTTAGCTAGCTAGGATCCA\nNNNNacgtacgtRYACGT\n"
         b">seq2\r\nGATTACAGATTACAGATTACA\r\n")
#: (file name, codec, level, input)
ENCODE_CASES = [("2bit-6.sqc", "2bit", 6, INPUT), ("cm-1.sqc", "cm", 1, INPUT), ("cm-6.sqc", "cm", 6, INPUT),
                ("cm-9.sqc", "cm", 9, INPUT), ("cm-4-empty.sqc", "cm", 4, b"")]
#: written by the autoencoder codecs with the shipped model (seqcoder 0.1.0, before issue 13)
DECODE_CASES = [("ae-zstd-4.sqc", INPUT), ("ae-cm-4.sqc", INPUT)]


def _golden(name: str, make: bytes) -> bytes:
    path = EXPECTED / name
    if not path.exists():
        path.write_bytes(make)
        pytest.fail(f"golden file {name} was missing and has been written: check it and commit it")
    return path.read_bytes()


@pytest.mark.parametrize("name,codec,level,data", ENCODE_CASES, ids=[c[0] for c in ENCODE_CASES])
def test_golden_archive(name, codec, level, data):
    archive = seqcoder.compress(data, codec=codec, level=level)
    golden = _golden(name, archive)
    assert archive == golden, "archive bytes changed: see this module's docstring"
    assert seqcoder.decompress(golden) == data


@pytest.mark.parametrize("name,data", DECODE_CASES, ids=[c[0] for c in DECODE_CASES])
def test_golden_decodes(name, data):
    pytest.importorskip("torch")
    assert seqcoder.decompress((EXPECTED / name).read_bytes()) == data


#: members of the golden collection archive: related sequences (a SNP, an indel, a reverse
#: complement), the messy single-archive input and an empty file
_BASE = b"ACGTTGCAACGGTTAACCGGTTAAAACCCGGGTTTAGCTAGCTAGGATCCATTGACCAGTACGATCGGATTACAGGCATTACG" * 3
_RC = _BASE[::-1].translate(bytes.maketrans(b"ACGT", b"TGCA"))
COLLECTION = [("a.fa", b">a\n" + _BASE + b"\n"),
              ("b.fa", b">b\n" + _BASE[:40] + b"T" + _BASE[41:100] + _BASE[103:] + b"\n"),
              ("c.fa", b">c reverse\n" + _RC + b"\n"), ("d.fa", INPUT), ("e.fa", b"")]


@pytest.mark.parametrize("level", [1, 4])
def test_golden_collection(tmp_path, level):
    from seqcoder.collection import Collection

    paths = []
    for name, data in COLLECTION:
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    archive = Collection.create(tmp_path / "set.sqcl", paths, level=level).path.read_bytes()
    name = f"collection-{level}.sqcl"
    golden = _golden(name, archive)
    assert archive == golden, "collection archive bytes changed: see this module's docstring"
    (tmp_path / "old.sqcl").write_bytes(golden)
    assert dict((e.name, d) for e, d in Collection(tmp_path / "old.sqcl").iter_members()) == dict(COLLECTION)


def _decoded_then_added(tmp_path, path, header: bytes = b"f"):
    """A copy of the frozen archive ``path``: every member decoded, then a member added in the
    archive's own version. Returns the archive as opened and as reopened after the add."""
    from seqcoder.collection import Collection

    (tmp_path / "old.sqcl").write_bytes(path.read_bytes())
    old = Collection(tmp_path / "old.sqcl")
    assert dict((e.name, d) for e, d in old.iter_members()) == dict(COLLECTION)
    extra = tmp_path / "f.fa"
    extra.write_bytes(b">" + header + b"\n" + _BASE[5:200] + b"\n")
    old.add([extra])
    again = Collection(old.path)
    assert again.header.version == old.header.version and again.read("f.fa") == extra.read_bytes()
    assert again.test() == len(COLLECTION) + 1
    return old, again


# Collection archives of format version 1 (one shared reference text): they keep decoding, and
# ``add`` goes on coding them as version 1. Frozen; never regenerated.
FROZEN_COLLECTIONS = sorted(EXPECTED.glob("collection-v1/*.sqcl"))


@pytest.mark.parametrize("path", FROZEN_COLLECTIONS, ids=[p.name for p in FROZEN_COLLECTIONS])
def test_frozen_collection_v1(tmp_path, path):
    old, again = _decoded_then_added(tmp_path, path)
    assert old.header.version == 1 and again.read("c.fa") == dict(COLLECTION)["c.fa"]


def test_frozen_collections_present():
    assert {p.name for p in FROZEN_COLLECTIONS} == {"collection-1.sqcl", "collection-4.sqcl"}


# Collection archives of format version 2 written before members under
# ``coder.SMALL_MEMBER_BASES`` bases coded their literals with the generic cm kernel (every
# member's literals at the lean kernel's level 1): the decoder reads each member's level, so they
# keep decoding, and ``add`` appends to them. Frozen; never regenerated.
FROZEN_LEAN = sorted(EXPECTED.glob("collection-v2-lean/*.sqcl"))


@pytest.mark.parametrize("path", FROZEN_LEAN, ids=[p.name for p in FROZEN_LEAN])
def test_frozen_collection_v2_lean(tmp_path, path):
    old, _ = _decoded_then_added(tmp_path, path)
    assert old.header.version == 2 and {e.level for e in old.members if e.literals} == {1}


def test_frozen_collections_v2_lean_present():
    assert {p.name for p in FROZEN_LEAN} == {"collection-1.sqcl", "collection-4.sqcl"}


# Collection archives of format version 2 (each member's header lines in its LAYOUT section, the
# records' ids in the index): they keep decoding and listing their records, and ``add`` goes on
# coding them as version 2. Frozen; never regenerated.
FROZEN_V2 = sorted(EXPECTED.glob("collection-v2/*.sqcl"))


@pytest.mark.parametrize("path", FROZEN_V2, ids=[p.name for p in FROZEN_V2])
def test_frozen_collection_v2(tmp_path, path):
    old, again = _decoded_then_added(tmp_path, path, b"f extra words")
    assert old.header.version == 2 and ("d.fa", "seq1", 69) in old.records()
    assert again.entry("f.fa").header_lines == b"f\n"  # version 2 keeps ids only


def test_frozen_collections_v2_present():
    assert {p.name for p in FROZEN_V2} == {"collection-1.sqcl", "collection-4.sqcl"}


# Archives written with earlier cm payload versions (by levels whose model changed since):
# they must keep decoding byte for byte. Frozen; never regenerated.
FROZEN = sorted(EXPECTED.glob("cm-v*/*.sqc"))


@pytest.mark.parametrize("path", FROZEN, ids=[f"{p.parent.name}/{p.name}" for p in FROZEN])
def test_frozen_cm_archive(path):
    assert seqcoder.decompress(path.read_bytes()) == INPUT


def test_frozen_cm_archives_present():
    assert {f"{p.parent.name}/{p.name}" for p in FROZEN} == {
        "cm-v2/cm-6.sqc", "cm-v2/cm-9.sqc", "cm-v3/cm-6.sqc", "cm-v3/cm-9.sqc",
        "cm-v4/cm-6.sqc", "cm-v4/cm-9.sqc"}
