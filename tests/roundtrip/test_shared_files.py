"""Real genomes through the whole pipeline. The quick test takes two small files; the full
set (every shared file, plain and gzipped) is `pytest -m slow` or benchmarks/roundtrip_all.py."""

from __future__ import annotations

import gzip

import pytest

import seqcoder


def _files(shared):
    return sorted((shared / "data" / "genomes").glob("*.fna")) + sorted(
        p for p in (shared / "data" / "dnacorpus").iterdir() if p.name in ("EsCo", "BuEb"))


def test_small_real_files_round_trip(shared, tmp_path):
    for path in (shared / "data" / "dnacorpus" / "BuEb",
                 shared / "data" / "genomes" / "staphylococcus_phage_SAOMS1_MW460250.fna"):
        data = path.read_bytes()
        src = tmp_path / (path.name + ".gz")
        src.write_bytes(gzip.compress(data))
        seqcoder.compress_file(src, tmp_path / "x.sqc", level=2)
        assert seqcoder.decompress((tmp_path / "x.sqc").read_bytes()) == data


@pytest.mark.slow
def test_every_shared_file_round_trips(shared):
    for path in _files(shared):
        data = path.read_bytes()
        assert seqcoder.decompress(seqcoder.compress(data, threads=2)) == data, path.name
