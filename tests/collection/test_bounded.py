"""Collection format version 2: bounded decoding per member, regions and records, on a small
family of genomes made here (a tree of descendants with SNPs, new genes and contigs)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from seqcoder.cli import main
from seqcoder.collection import Collection
from seqcoder.collection.format import VERSION, CollectionIndex
from seqcoder.collection.references import MAX_CLOSURE, ParentChooser
from seqcoder.errors import SeqcoderError
from seqcoder.io.fasta import parse_fasta

BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def _child(rng: np.random.Generator, seq: np.ndarray, donor: np.ndarray) -> np.ndarray:
    s = seq.copy()
    snps = rng.choice(len(s), size=len(s) // 400, replace=False)
    s[snps] = (s[snps] + rng.integers(1, 4, size=snps.size)) % 4
    at = int(rng.integers(0, len(s)))
    gene = donor[at % (len(donor) - 900):][:900]  # a gene "gained" from another lineage
    return np.concatenate([s[:at], gene, s[at:]])


def _fasta(i: int, seq: np.ndarray) -> bytes:
    """Two contigs; 60 columns; an N run and a lowercase stretch in the first."""
    text = bytearray(BASES[seq].tobytes())
    text[1000:1030] = b"N" * 30
    text[2000:2100] = bytes(text[2000:2100]).lower()
    cut = len(text) * 2 // 3
    out = b""
    for k, part in enumerate((bytes(text[:cut]), bytes(text[cut:]))):
        out += f">g{i:02d}_c{k + 1} simulated contig {k + 1}\n".encode()
        out += b"".join(part[j:j + 60] + b"\n" for j in range(0, len(part), 60))
    return out


@pytest.fixture(scope="module")
def family(tmp_path_factory) -> list:
    """Fourteen genomes: two founders, each member descending from a random earlier one."""
    rng = np.random.default_rng(11)
    founders = [rng.integers(0, 4, size=40_000).astype(np.uint8) for _ in range(2)]
    seqs = list(founders)
    while len(seqs) < 14:
        seqs.append(_child(rng, seqs[int(rng.integers(0, len(seqs)))], founders[len(seqs) % 2]))
    d = tmp_path_factory.mktemp("family")
    paths = []
    for i, s in enumerate(seqs):
        p = d / f"g{i:02d}.fa"
        p.write_bytes(_fasta(i, s))
        paths.append(p)
    return paths


def _reads(c: Collection, monkeypatch) -> list[int]:
    """Record which members' blocks a decode reads."""
    read: list[int] = []
    original = Collection._read_block

    def spy(self, f, entry):
        read.append(self.members.index(entry))
        return original(self, f, entry)

    monkeypatch.setattr(Collection, "_read_block", spy)
    return read


DEPTH = 2


def _depth(c: Collection, i: int) -> int:
    """Length of member i's chain of first parents."""
    d = 0
    while c.members[i].parents:
        i, d = c.members[i].parents[0], d + 1
    return d


def test_chains_stay_within_the_bound_and_get_reads_only_them(tmp_path, family, monkeypatch):
    c = Collection.create(tmp_path / "f.sqcl", family, max_depth=DEPTH)
    assert c.header.version == VERSION and c.header.max_depth == DEPTH
    assert any(len(m.parents) > 1 for m in c.members) and any(m.parents and m.parents[0] > 0 for m in c.members)
    assert max(_depth(c, i) for i in range(len(family))) == DEPTH  # the bound is used and kept
    for i, m in enumerate(c.members):
        assert all(j < i for j in m.parents + m.pool)
        assert len(c.closure(i)) <= MAX_CLOSURE + DEPTH
    last = len(family) - 1
    read = _reads(c, monkeypatch)
    assert c.read(family[last].name) == family[last].read_bytes()
    closure = c.closure(last)
    expected = set(closure).union(*(c.members[j].pool for j in closure))
    assert set(read) == expected and len(read) == len(expected)  # each block once, nothing else
    assert c.decoding_cost(family[last].name) == (len(closure), sum(c.members[j].literals for j in expected))


def test_a_further_parent_adds_what_the_first_lacks():
    """Greedy cover: after the first parent, a relative holding the member's other genes is
    worth more than a second copy of the first parent's lineage, though that copy shares more."""
    rng = np.random.default_rng(11)
    lineage = rng.integers(0, 4, 400_000).astype(np.uint8)
    gene = rng.integers(0, 4, 60_000).astype(np.uint8)

    def mutated(codes, every):
        out = codes.copy()
        out[::every] ^= 1
        return out

    cousin = mutated(lineage, 401)  # the first parent's lineage again
    donor = np.concatenate([gene, rng.integers(0, 4, 200_000).astype(np.uint8)])  # holds the gene
    member = np.concatenate([mutated(lineage, 397), gene])
    chooser = ParentChooser(max_depth=8, max_parents=2, max_parent_bases=10_000_000)
    for codes in (lineage, cousin, donor):
        chooser.add(codes)
    sk = chooser.sketch(member)
    assert chooser.choose(sk) == (0, 2)
    chooser.max_parents = 3
    assert chooser.choose(sk) == (0, 2, 1)  # the cousin still comes, once the gene is covered


def test_every_member_round_trips_and_costs_less_than_alone(tmp_path, family):
    c = Collection.create(tmp_path / "f.sqcl", family)
    assert [d for _, d in c.iter_members()] == [p.read_bytes() for p in family]
    for p in family:
        assert c.read(p.name) == p.read_bytes()
    alone = Collection.create(tmp_path / "a.sqcl", family[2:3]).members[0].size
    assert all(m.size < alone / 3 for m in c.members[2:])  # a relative's copy is cheap


def test_no_parents_at_depth_zero(tmp_path, family):
    c = Collection.create(tmp_path / "f.sqcl", family[:5], max_depth=0)
    assert all(m.parents == () for m in c.members)
    assert [d for _, d in c.iter_members()] == [p.read_bytes() for p in family[:5]]


def test_bytes_do_not_depend_on_threads(tmp_path, family):
    one = Collection.create(tmp_path / "1.sqcl", family, threads=1).path.read_bytes()
    three = Collection.create(tmp_path / "3.sqcl", family, threads=3).path.read_bytes()
    assert one == three
    c = Collection(tmp_path / "3.sqcl")
    assert [d for _, d in c.iter_members(threads=3)] == [p.read_bytes() for p in family]
    assert c.read(family[-1].name, threads=2) == family[-1].read_bytes()


def test_add_keeps_the_bound_and_codes_as_pack(tmp_path, family, monkeypatch):
    whole = Collection.create(tmp_path / "w.sqcl", family, max_depth=DEPTH)
    part = Collection.create(tmp_path / "p.sqcl", family[:6], max_depth=DEPTH)
    before = part.path.read_bytes()
    part.add(family[6:10])
    part.add(family[10:])
    assert part.path.read_bytes().startswith(before)
    blocks = [(m.parents, m.pool, m.size) for m in whole.members]
    assert [(m.parents, m.pool, m.size) for m in part.members] == blocks  # resumed exactly
    assert max(_depth(part, i) for i in range(len(family))) <= DEPTH
    read = _reads(part, monkeypatch)
    assert part.read(family[-1].name) == family[-1].read_bytes()
    closure = part.closure(len(family) - 1)
    assert set(read) == set(closure).union(*(part.members[j].pool for j in closure))


def _letters(data: bytes, record: int) -> bytes:
    """The sequence letters of the record-th record (0-based) of FASTA ``data``."""
    chunks = data.split(b">")[1:]
    return b"".join(chunks[record].split(b"\n")[1:])


@pytest.mark.parametrize("record,start,end", [
    ("g05_c1", 1, 1), ("g05_c1", 1, 60), ("g05_c1", 60, 61), ("g05_c1", 995, 1040),  # across the N run
    ("g05_c1", 1990, 2110),  # lowercase
    ("g05_c2", 1, 10), ("#2", 5, 5)])
def test_regions_as_samtools_faidx(tmp_path, family, record, start, end):
    c = Collection.create(tmp_path / "f.sqcl", family)
    data = family[5].read_bytes()
    k = 1 if record in ("g05_c2", "#2") else 0
    out = c.read_region("g05.fa", record, start, end)
    name = ["g05_c1", "g05_c2"][k]
    head, *lines = out.rstrip(b"\n").split(b"\n")
    assert head == f">{name}:{start}-{end}".encode()
    assert all(len(line) <= 60 for line in lines)
    assert b"".join(lines) == _letters(data, k)[start - 1:end]


def test_region_at_the_record_end_and_past_it(tmp_path, family):
    c = Collection.create(tmp_path / "f.sqcl", family[:3])
    seq = _letters(family[2].read_bytes(), 1)
    n = len(seq)
    assert c.read_region("g02.fa", "g02_c2", n - 4, n).endswith(seq[-5:] + b"\n")
    with pytest.raises(SeqcoderError, match="past the record's end"):
        c.read_region("g02.fa", "g02_c2", n - 4, n + 1)
    with pytest.raises(SeqcoderError, match="bad region"):
        c.read_region("g02.fa", "g02_c2", 0, 5)
    with pytest.raises(SeqcoderError, match="no record"):
        c.read_region("g02.fa", "chrX", 1, 5)


def test_records_come_from_the_index(tmp_path, family, monkeypatch):
    c = Collection.create(tmp_path / "f.sqcl", family[:4])
    read = _reads(Collection(c.path), monkeypatch)
    records = Collection(c.path).records()
    assert read == []  # nothing decoded
    expected = [(p.name, r.header.split()[0].decode(), r.residues) for p in family[:4]
                for r in parse_fasta(p.read_bytes()).records]
    assert records == expected


def test_cli_regions_and_records(tmp_path, family, capsys):
    archive = tmp_path / "f.sqcl"
    assert main(["pack", "-q", "--max-depth", "3", str(archive)] + [str(p) for p in family[:4]]) == 0
    capsys.readouterr()
    assert main(["get", str(archive), "g03.fa:g03_c1:61-70", "g01.fa:#2:1-3"]) == 0
    out = capsys.readouterr().out
    seq3, seq1 = _letters(family[3].read_bytes(), 0), _letters(family[1].read_bytes(), 1)
    assert out == f">g03_c1:61-70\n{seq3[60:70].decode()}\n>g01_c2:1-3\n{seq1[:3].decode()}\n"
    assert main(["list", "--records", str(archive)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 1 + 8 and listing[1].split() == ["g00.fa", "g00_c1", str(len(_letters(
        family[0].read_bytes(), 0)))]
    assert main(["get", str(archive), "g03.fa:g03_c1:1-999999"]) == 1
    assert "past the record's end" in capsys.readouterr().err


@pytest.mark.parametrize("version", [2, VERSION])
def test_index_round_trips_its_fields(tmp_path, family, version):
    c = Collection.create(tmp_path / "f.sqcl", family)
    data = CollectionIndex(c.members, version).to_bytes()
    again = CollectionIndex.from_bytes(data, 0, None, version).members
    # version 2 keeps the records' ids, version 3 their whole header lines and the pool's chunks
    assert [m.record_table for m in again] == [m.record_table for m in c.members]
    assert ([replace(m, header_lines=b"", pool_chunks=()) for m in again]
            == [replace(m, header_lines=b"", pool_chunks=()) for m in c.members])
    assert (again == c.members) == (version == VERSION)


#: header lines of every shape a member may hold: none before the first record, empty, bare
#: '>', spaces and tabs, not UTF-8, CRLF, very long, and alike across members
ODD_MEMBERS = [
    ("headerless.fa", b"ACGTACGTTT\n>after words\nGGCC\n"),
    ("empty.fa", b">\nACGT\n>  \t\nAC\n"),
    ("latin1.fa", b">caf\xe9 \xff\xfe\nACGTN\n"),
    ("crlf.fa", b">crlf one\r\nACGT\r\n>crlf two\r\nTTGA\r\n"),
    ("long.fa", b">" + b"x" * 70_000 + b" [organism=Escherichia coli]\nACGT\n"),
    ("no_eol.fa", b">last"),
    ("plain.fa", b"ACGT\n"),
]


def test_headers_of_every_shape_round_trip(tmp_path):
    paths = []
    for name, data in ODD_MEMBERS:
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    c = Collection.create(tmp_path / "odd.sqcl", paths)
    again = Collection(c.path)
    assert {e.name: d for e, d in again.iter_members()} == dict(ODD_MEMBERS)
    assert all(again.read(name) == data for name, data in ODD_MEMBERS)
    assert ("headerless.fa", "after", 4) in again.records() and ("latin1.fa", "caf\ufffd", 5) in again.records()
    assert again.entry("crlf.fa").header_lines == b"crlf one\ncrlf two\n"


def test_headers_are_in_the_index_not_the_layout(tmp_path, family):
    c = Collection.create(tmp_path / "f.sqcl", family)
    entry = c.entry("g03.fa")
    assert entry.header_lines == b"g03_c1 simulated contig 1\ng03_c2 simulated contig 2\n"
    with open(c.path, "rb") as f:
        layout = c._read_block(f, entry)[0]
    assert b"simulated" not in layout and layout[2] == 0  # an empty HEADERS part


def test_a_damaged_record_table_is_an_error(tmp_path, family):
    c = Collection.create(tmp_path / "f.sqcl", family)
    members = [replace(m) for m in c.members]
    members[2].header_lines = members[2].header_lines[:-1]  # one LF short
    with pytest.raises(SeqcoderError, match="record table"):
        CollectionIndex.from_bytes(CollectionIndex(members, VERSION).to_bytes(), 0, None, VERSION)


def test_every_header_of_the_shared_sets_round_trips(tmp_path, shared):
    """Each shared file's header lines, over a short sequence, in one archive."""
    from seqcoder.collection.archive import read_input
    from seqcoder.collection.format import KIND_FASTA

    seq = BASES[np.random.default_rng(5).integers(0, 4, 400)].tobytes() + b"\n"
    paths = []
    for i, path in enumerate(sorted((shared / "data" / "collections").glob("*/*.fna*"))):
        heads = [line + b"\n" for line in read_input(path).split(b"\n") if line.startswith(b">")]
        member = tmp_path / f"m{i:03d}_{path.name.removesuffix('.gz')}"
        member.write_bytes(b"".join(h + seq for h in heads))
        paths.append(member)
    assert len(paths) > 150
    c = Collection.create(tmp_path / "heads.sqcl", paths, threads=2)
    assert {m.kind for m in c.members} == {KIND_FASTA}
    assert all(d == p.read_bytes() for p, (_, d) in zip(paths, Collection(c.path).iter_members()))


@pytest.fixture
def small_chunks(monkeypatch):
    """Literal chunks of 4,096 bases, so the family's members have several."""
    from seqcoder.collection import format as fmt

    monkeypatch.setattr(fmt, "LITERAL_CHUNK", 4096)
    return 4096


def test_chunked_literals_round_trip(tmp_path, family, small_chunks):
    c = Collection.create(tmp_path / "f.sqcl", family)
    assert len(c.members[0].chunks(VERSION)) == -(-c.members[0].literals // small_chunks) > 1
    assert {e.name: d for e, d in c.iter_members(threads=2)} == {p.name: p.read_bytes() for p in family}
    assert all(c.read(p.name, threads=2) == p.read_bytes() for p in family)


def test_a_get_decodes_only_the_pool_chunks_it_reads(tmp_path, small_chunks, monkeypatch):
    """c is b with a gene of a: its get decodes all of b's literals and a chunk or two of a's."""
    from seqcoder.collection import archive

    rng = np.random.default_rng(3)
    a, b = (BASES[rng.integers(0, 4, 40_000)].tobytes() for _ in range(2))
    genomes = {"a.fa": a, "b.fa": b, "c.fa": b[:20_000] + a[21_000:24_000] + b[20_000:]}
    paths = []
    for name, seq in genomes.items():
        (tmp_path / name).write_bytes(b">" + name.encode() + b"\n" + seq + b"\n")
        paths.append(tmp_path / name)
    c = Collection.create(tmp_path / "abc.sqcl", paths, max_depth=0)  # no parents: the pool alone
    entry = c.entry("c.fa")
    assert entry.pool == (0, 1) and 1 <= len(entry.pool_chunks[0]) <= 2
    decoded: list[int] = []
    original = archive.decode_chunk
    monkeypatch.setattr(archive, "decode_chunk", lambda e, p, first, end: decoded.append(end - first)
                        or original(e, p, first, end))
    assert c.read("c.fa") == (tmp_path / "c.fa").read_bytes()
    assert sum(decoded) == c.decoding_cost("c.fa")[1] < sum(m.literals for m in c.members)
    assert sum(decoded) <= entry.literals + 40_000 + 2 * small_chunks


def test_chunked_bytes_do_not_depend_on_threads(tmp_path, family, small_chunks):
    one = Collection.create(tmp_path / "one.sqcl", family, threads=1).path.read_bytes()
    two = Collection.create(tmp_path / "two.sqcl", family, threads=2).path.read_bytes()
    assert one == two
    c = Collection(tmp_path / "one.sqcl")
    assert c.read(family[-1].name, threads=1) == c.read(family[-1].name, threads=2) == family[-1].read_bytes()


def test_a_damaged_chunk_table_is_an_error(tmp_path, family, small_chunks):
    from seqcoder.collection.format import encode_chunked, split_chunked

    section = encode_chunked([b"ab", b"cde"])
    assert split_chunked(section, 2, "m") == [b"ab", b"cde"]
    with pytest.raises(SeqcoderError, match="chunk count"):
        split_chunked(section, 3, "m")
    with pytest.raises(SeqcoderError, match="add up"):
        split_chunked(section + b"x", 2, "m")
