"""Which writes reach the disk before success is reported: every archive; decoded files only
under ``--sync``, or before ``decompress --rm`` removes the archive (docs/reliability.md)."""

from __future__ import annotations

import os

import pytest

from seqcoder.cli import main
from seqcoder.collection import Collection


@pytest.fixture
def fsyncs(monkeypatch) -> list[int]:
    """The descriptors passed to os.fsync (which still runs)."""
    seen: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        seen.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return seen


def test_pack_and_add_are_flushed(tmp_path, genomes, fsyncs):
    Collection.create(tmp_path / "set.sqcl", genomes[:2])
    after_pack = len(fsyncs)
    assert after_pack >= 2  # the file and its directory
    assert main(["add", "-q", str(tmp_path / "set.sqcl"), str(genomes[2])]) == 0
    assert len(fsyncs) > after_pack


@pytest.mark.parametrize("sync", [False, True])
def test_unpack_and_get_flush_only_under_sync(tmp_path, archive, genomes, fsyncs, sync):
    flag = ["--sync"] if sync else []
    assert main(["unpack", "-q", str(archive.path), "-C", str(tmp_path / "out"), *flag]) == 0
    assert main(["get", str(archive.path), genomes[0].name, "-o", str(tmp_path / "one.fna"), *flag]) == 0
    for g in genomes[:2]:
        assert (tmp_path / "out" / g.name).read_bytes() == g.read_bytes()
    assert (tmp_path / "one.fna").read_bytes() == genomes[0].read_bytes()
    # three files, each with its directory, when asked; none otherwise
    assert len(fsyncs) == (6 if sync else 0)


def test_decompress_rm_flushes_before_removing_the_archive(tmp_path, genomes, fsyncs):
    src = tmp_path / "g.fna"
    src.write_bytes(genomes[0].read_bytes())
    assert main(["compress", "-q", str(src), "-o", str(tmp_path / "g.fna.sqc")]) == 0
    src.unlink()
    fsyncs.clear()
    assert main(["decompress", "-q", str(tmp_path / "g.fna.sqc")]) == 0
    assert fsyncs == []
    src.unlink()
    assert main(["decompress", "-q", "--rm", str(tmp_path / "g.fna.sqc")]) == 0
    assert len(fsyncs) == 2 and not (tmp_path / "g.fna.sqc").exists()
    assert src.read_bytes() == genomes[0].read_bytes()
