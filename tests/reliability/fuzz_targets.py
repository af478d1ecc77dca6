"""Every reader of seqcoder as a fuzz target: bytes in, and either a result or a
``SeqcoderError``; any other exception is a crash. Used by the seeded run in the tests
(``test_fuzz_readers.py``, hypothesis) and by the long run (``benchmarks/fuzz_readers.py``,
atheris, coverage-guided).

A target also checks what it can of the result: the FASTA parser must give back its input
byte for byte, and a decoded archive has been checked against its SHA-256 by the reader.
The single-genome target leaves out the autoencoder codecs (torch, seconds a block).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


@dataclass(frozen=True)
class Target:
    name: str
    seeds: Callable[[], list[bytes]]  #: valid inputs the mutations start from
    run: Callable[[bytes], None]  #: raises SeqcoderError on bad input, nothing else


def _genome(seed: int, length: int = 3000) -> bytes:
    rng = np.random.default_rng(seed)
    text = BASES[rng.integers(0, 4, length)].tobytes()
    return b">r%d some header\n" % seed + b"\n".join(text[i:i + 70] for i in range(0, length, 70)) + b"\n"


def _relative(data: bytes, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    b = bytearray(data)
    for p in rng.integers(20, len(b), 30):
        if b[p] in b"ACGT":
            b[p] = b"ACGT"[(b"ACGT".index(b[p]) + 1) % 4]
    return bytes(b)


def _messy() -> bytes:
    return (b">chr1 desc\r\nACGTNNNNacgtRYKM\r\nACG\r\n\r\n>chr2\nGGGGCCCCAAAATTTT\nGG\n>empty\n"
            b">dup\nacgtn-*\nAC")


@cache
def _scratch() -> Path:
    """One directory per process for the readers that take a path."""
    return Path(tempfile.mkdtemp(prefix="seqcoder-fuzz-"))


# ---------------------------------------------------------------- single-genome container

@cache
def container_seeds() -> list[bytes]:
    from seqcoder.api import compress

    g = _genome(1)
    return [compress(g, "cm", 1), compress(g + _messy(), "cm", 4), compress(_messy(), "2bit"), compress(b"", "cm", 1)]


def run_container(data: bytes) -> None:
    from seqcoder.api import Decompressor
    from seqcoder.format.container import read_summary

    Decompressor().decompress_stream(io.BytesIO(data), io.BytesIO(), path="fuzz.sqc")
    read_summary(io.BytesIO(data), "fuzz.sqc")


# ---------------------------------------------------------------- collection archive and index

@cache
def collection_seeds() -> list[bytes]:
    from seqcoder.collection import Collection

    d = Path(tempfile.mkdtemp(prefix="seqcoder-fuzz-seed-"))
    a, b, c = _genome(2), _relative(_genome(2), 3), _messy()
    for name, data in {"a.fa": a, "b.fa": b, "c.fa": c, "raw.bin": bytes(range(256)) * 4}.items():
        (d / name).write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = Collection.create(d / "one.sqcl", [d / "a.fa", d / "b.fa"], level=1)
        first = one.path.read_bytes()
        one.add([d / "c.fa", d / "raw.bin"])
        Collection.create(d / "refs.sqcl", [d / "a.fa", d / "b.fa", d / "c.fa"], level=2, max_depth=0)
    version1 = Path(__file__).parents[1] / "golden" / "expected" / "collection-v1" / "collection-4.sqcl"
    return [first, one.path.read_bytes(), (d / "refs.sqcl").read_bytes(), version1.read_bytes()]


def run_collection(data: bytes) -> None:
    from seqcoder.collection import Collection

    path = _scratch() / "fuzz.sqcl"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an interrupted add is a warning, and fine
        c = Collection(path)
        c.test()
        c.section_sizes()


# ---------------------------------------------------------------- batch catalog

@cache
def catalog_seeds() -> list[bytes]:
    from seqcoder.batch.catalog import GenomeRow, GroupRow, write_catalog

    d = Path(tempfile.mkdtemp(prefix="seqcoder-fuzz-seed-"))
    groups = [GroupRow(1, "group-0001-00000000.sqcl", 2, 6000, 6100, 900, "ab" * 32)]
    genomes = [GenomeRow(f"g{i}.fna", 1, groups[0].archive, f"g{i}.fna", i, 0, 3050, 3000, "cd" * 32, f"/in/g{i}.fna")
               for i in range(2)]
    path = write_catalog(d, {"level": "4", "genomes": "2", "groups": "1"}, groups, genomes)
    return [path.read_bytes()]


def run_catalog(data: bytes) -> None:
    from seqcoder.batch.catalog import CATALOG_NAME, Catalog

    d = _scratch() / "batch"
    d.mkdir(exist_ok=True)
    (d / CATALOG_NAME).write_bytes(data)
    with Catalog(d) as catalog:
        rows = catalog.genomes()
        catalog.groups()
        catalog.find([r.name for r in rows[:1]])


# ---------------------------------------------------------------- FASTA parser and layout

def fasta_seeds() -> list[bytes]:
    return [_genome(4, 400), _messy(), b"", b">", b"ACGT", b"\r\n>\r\n", b">a\nAC\x00GT\n"]


def run_fasta(data: bytes) -> None:
    from seqcoder.io.fasta import parse_fasta, render_fasta

    parsed = parse_fasta(data)
    if render_fasta(parsed.codes, parsed.layout) != data:
        raise AssertionError("parse_fasta + render_fasta changed the bytes")


def layout_seeds() -> list[bytes]:
    from seqcoder.io.fasta import parse_fasta

    return [len(p.codes).to_bytes(2, "little") + len(f).to_bytes(2, "little") + p.layout
            for f, p in zip(fasta_seeds(), map(parse_fasta, fasta_seeds()))]


def run_layout(data: bytes) -> None:
    """A layout section as an archive stores it, after two u16: how many bases go with it, and
    the size the archive gives the block."""
    from seqcoder.io.fasta import render_fasta

    render_fasta(np.zeros(int.from_bytes(data[:2], "little"), dtype=np.uint8), data[4:],
                 int.from_bytes(data[2:4], "little"))


# ---------------------------------------------------------------- compressed inputs

def input_seeds() -> list[bytes]:
    import zstandard

    g = _genome(5, 600)
    return [gzip.compress(g), bz2.compress(g), lzma.compress(g), zstandard.ZstdCompressor().compress(g), g]


def run_inputs(data: bytes) -> None:
    from seqcoder.collection.archive import read_input

    path = _scratch() / "input.fa.gz"
    path.write_bytes(data)
    read_input(path)


TARGETS = {t.name: t for t in [
    Target("container", container_seeds, run_container),
    Target("collection", collection_seeds, run_collection),
    Target("catalog", catalog_seeds, run_catalog),
    Target("fasta", fasta_seeds, run_fasta),
    Target("layout", layout_seeds, run_layout),
    Target("inputs", input_seeds, run_inputs),
]}


def check(target: Target, data: bytes) -> None:
    """Run one input; a ``SeqcoderError`` is a good answer, any other exception propagates."""
    from seqcoder.errors import SeqcoderError

    try:
        target.run(data)
    except SeqcoderError:
        pass

