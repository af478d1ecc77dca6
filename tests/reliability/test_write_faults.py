"""Full disks and unwritable targets: one line naming the file, exit 1, and the inputs and the
existing archive byte for byte as they were. The full disk is a small tmpfs (needs root)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from seqcoder.cli import main
from seqcoder.collection import Collection
from seqcoder.errors import WriteError


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KiB tmpfs; skips when it cannot be mounted (not root, no mount command)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(directory: Path, leave: int) -> None:
    """Fill the file system of ``directory`` up to ``leave`` free bytes."""
    free = shutil.disk_usage(directory).free
    with open(directory / "filler", "wb") as f:
        try:
            f.write(b"\0" * max(0, free - leave))
        except OSError:
            pass


def _one_error_line(capsys, name: Path) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    assert lines[0].count(str(name)) == 1, lines[0]
    return lines[0]


def test_add_onto_a_full_disk(small_disk, tmp_path, genomes, capsys):
    target = small_disk / "set.sqcl"
    Collection.create(target, genomes[:2])
    before = target.read_bytes()
    inputs = {p: p.read_bytes() for p in genomes}
    big = tmp_path / "big.fa"  # unrelated to the archive: its block alone overflows what is left
    big.write_bytes(b">big\n" + os.urandom(200_000).translate(bytes(b"ACGT"[i % 4] for i in range(256))) + b"\n")
    _fill(small_disk, 4096)
    assert main(["add", "-q", str(target), str(genomes[2]), str(big)]) == 1
    line = _one_error_line(capsys, target)
    assert "No space left on device" in line and "nothing was changed" in line
    assert target.read_bytes() == before
    assert all(p.read_bytes() == data for p, data in inputs.items())
    assert Collection(target).test() == 2


@pytest.mark.parametrize("command", [["pack", "-q", "{out}/new.sqcl"], ["compress", "-q", "-o", "{out}/new.sqc"]])
def test_new_outputs_onto_a_full_disk(small_disk, tmp_path, genomes, command, capsys):
    src = tmp_path / "whole.fa"
    src.write_bytes(genomes[0].read_bytes())  # about 5 KB coded: more than the disk has left
    _fill(small_disk, 2048)
    argv = [a.format(out=small_disk) for a in command] + [str(src)]
    assert main(argv) == 1
    line = _one_error_line(capsys, Path(argv[-2]))
    assert "No space left on device" in line
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]  # no half file, no temporary


def test_unwritable_archive(archive, genomes, monkeypatch, capsys):
    """EACCES (what a read-only file gives a user who is not root), injected at the open."""
    before = archive.path.read_bytes()
    real_open = open

    def refusing_open(file, mode="r", *args, **kwargs):
        if Path(file) == archive.path and "+" in mode:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    with pytest.raises(WriteError, match="Permission denied"):
        archive.add(genomes[2:3])
    assert main(["add", "-q", str(archive.path), str(genomes[2])]) == 1
    assert "Permission denied" in _one_error_line(capsys, archive.path)
    monkeypatch.undo()
    assert archive.path.read_bytes() == before


def test_batch_catalog_onto_a_full_disk(small_disk):
    from seqcoder.batch.catalog import GenomeRow, GroupRow, write_catalog

    groups = [GroupRow(1, "group-0001-00000000.sqcl", 1, 10, 12, 9, "ab" * 32)]
    genomes = [GenomeRow(f"g{i}-{'x' * 200}.fna", 1, groups[0].archive, f"g{i}.fna", i, 0, 12, 10, "cd" * 32,
                         "/in/" + "y" * 200) for i in range(2000)]
    _fill(small_disk, 8192)
    with pytest.raises(WriteError, match="catalog.sqlite: cannot write"):
        write_catalog(small_disk, {"level": "4"}, groups, genomes)
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]
