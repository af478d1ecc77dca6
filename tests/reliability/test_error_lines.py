"""Every error is one line that names the file once."""

from __future__ import annotations

import pytest

from seqcoder.cli import main


@pytest.mark.parametrize("command", ["test", "list", "info"])
def test_a_damaged_archive_is_named_once(archive, command, capsys):
    data = bytearray(archive.path.read_bytes())
    data[-20] ^= 1  # the member index
    archive.path.write_bytes(bytes(data))
    assert main([command, str(archive.path)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].count(str(archive.path)) == 1, lines
    assert "checksum" in lines[0]


def test_a_damaged_single_genome_archive_is_named_once(tmp_path, genomes, capsys):
    out = tmp_path / "g.sqc"
    assert main(["compress", "-q", "-o", str(out), str(genomes[0])]) == 0
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 1
    out.write_bytes(bytes(data))
    assert main(["test", str(out)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].count(str(out)) == 1, lines
