"""The CLI in process: main(argv) -> exit status, gzip-style behaviour, clear errors."""

from __future__ import annotations

import gzip
import json

import pytest

from seqcoder.cli import main


@pytest.fixture
def fasta(tmp_path, messy_fasta):
    path = tmp_path / "g.fa"
    path.write_bytes(messy_fasta)
    return path


def test_compress_decompress_keep_and_suffix(fasta, messy_fasta):
    assert main(["compress", "-q", "--codec", "2bit", str(fasta)]) == 0
    archive = fasta.with_name("g.fa.sqc")
    assert archive.exists() and fasta.exists()  # -k is the default
    fasta.unlink()
    assert main(["decompress", "-q", str(archive)]) == 0
    assert fasta.read_bytes() == messy_fasta


def test_refuses_to_overwrite_without_force(fasta, capsys):
    assert main(["compress", "-q", "-1", str(fasta)]) == 0
    assert main(["compress", "-q", "-1", str(fasta)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["compress", "-q", "-1", "-f", str(fasta)]) == 0


def test_rm_removes_input_only_after_verification(fasta, messy_fasta, monkeypatch, capsys):
    from seqcoder.api import Decompressor
    from seqcoder.errors import ChecksumError

    def fails(self, source, sink, **kwargs):
        raise ChecksumError("decoded output differs from the original (sha256 mismatch)", None, str(source.name))

    with monkeypatch.context() as m:
        m.setattr(Decompressor, "decompress_stream", fails)  # the archive written does not verify
        assert main(["compress", "-q", "--rm", str(fasta)]) == 1
    assert fasta.read_bytes() == messy_fasta  # so the input stays
    assert "sha256 mismatch" in capsys.readouterr().err
    assert main(["compress", "-q", "--rm", "-f", str(fasta)]) == 0
    assert not fasta.exists()
    assert main(["cat", str(fasta) + ".sqc"]) == 0
    assert capsys.readouterr().out.encode() == messy_fasta


def test_stdout_and_levels(fasta, messy_fasta, capfdbinary):
    assert main(["compress", "-c", "-9", str(fasta)]) == 0
    archive = capfdbinary.readouterr().out
    out = fasta.with_name("x.sqc")
    out.write_bytes(archive)
    assert main(["decompress", "-c", str(out)]) == 0
    assert capfdbinary.readouterr().out == messy_fasta


def test_gzip_input_strips_suffix(tmp_path, messy_fasta):
    src = tmp_path / "g.fa.gz"
    src.write_bytes(gzip.compress(messy_fasta))
    assert main(["compress", "-q", str(src)]) == 0
    assert main(["decompress", "-q", str(tmp_path / "g.fa.sqc")]) == 0
    assert (tmp_path / "g.fa").read_bytes() == messy_fasta


def test_list_info_test_and_record(fasta, capsys):
    assert main(["compress", "-q", str(fasta), "-o", str(fasta) + ".sqc"]) == 0
    archive = str(fasta) + ".sqc"
    capsys.readouterr()
    assert main(["list", "--json", archive]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["codec"] == "cm" and [r["name"] for r in listing["record_list"]] == ["chr1", "chr2", "empty", "chr1"]
    assert main(["info", "--json", archive]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["schema_version"] == 1 and info["block_list"][0]["sections"][0]["name"] == "layout"
    assert main(["test", archive]) == 0
    assert main(["decompress", "-c", "--record", "chr2", archive]) == 0
    assert capsys.readouterr().out.startswith(">chr2\nGGGG")


@pytest.mark.parametrize("argv", [["compress", "--no-such-flag"], ["frobnicate"], ["compress", "-L", "x"]])
def test_usage_errors_exit_2(argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


def test_bad_inputs_exit_1_with_one_line(tmp_path, fasta, capsys):
    missing = tmp_path / "missing.fa"
    assert main(["compress", str(missing)]) == 1
    junk = tmp_path / "junk.sqc"
    junk.write_bytes(b"not an archive at all")
    assert main(["decompress", str(junk)]) == 1
    assert not (tmp_path / "junk").exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("seqcoder: error:") for line in err)
    assert "missing.fa" in err[0] and "junk.sqc" in err[1] and "offset 0" in err[1]


@pytest.mark.parametrize("wrap", [lambda b: b, gzip.compress], ids=["plain", "gzip"])
def test_empty_file_round_trips_like_gzip(tmp_path, wrap):
    # gzip, xz and zstd all compress an empty file; a script over a folder must not stop on one
    empty = tmp_path / "empty.fa"
    empty.write_bytes(wrap(b""))
    assert main(["compress", "-q", "--rm", str(empty)]) == 0
    archive = tmp_path / "empty.fa.sqc"
    assert archive.stat().st_size > 0 and not empty.exists()
    assert main(["list", "--json", str(archive)]) == 0
    assert main(["test", str(archive)]) == 0
    assert main(["decompress", "-q", str(archive)]) == 0
    assert empty.read_bytes() == b""


def test_strict_names_the_line(tmp_path, capsys):
    protein = tmp_path / "p.fa"
    protein.write_bytes(b">p1\nACGT\n>p2\nMKVLQ\n")
    assert main(["compress", "--strict", str(protein)]) == 1
    assert "line 4" in capsys.readouterr().err
    assert not (tmp_path / "p.fa.sqc").exists()


def test_truncated_archive_keeps_existing_output(fasta, messy_fasta, capsys):
    assert main(["compress", "-q", str(fasta)]) == 0
    archive = fasta.with_name("g.fa.sqc")
    archive.write_bytes(archive.read_bytes()[:-10])
    fasta.write_bytes(b"precious")
    assert main(["decompress", "-f", str(archive)]) == 1
    assert fasta.read_bytes() == b"precious"
    assert [p.name for p in fasta.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("command", ["train", "train-prior", "eval", "bench"])
def test_delegated_commands_reach_their_parser(command, capsys):
    from seqcoder.cli import main

    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    assert f"seqcoder {command}" in capsys.readouterr().out


def test_list_and_info_take_any_archive_kind(tmp_path, fasta, capsys):
    assert main(["compress", "-q", "-1", str(fasta)]) == 0
    assert main(["pack", "-q", str(tmp_path / "set.sqcl"), str(fasta)]) == 0
    archives = [str(fasta) + ".sqc", str(tmp_path / "set.sqcl")]
    capsys.readouterr()
    assert main(["list", "--json", *archives]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r.get("kind", "genome") for r in reports] == ["genome", "collection"]
    assert {r["schema_version"] for r in reports} == {1}
    assert main(["get", archives[0], "g.fa"]) == 1  # a single genome has no members
    assert main(["info", str(tmp_path)]) == 1  # a directory is a batch: list it, info has nothing to say
    err = capsys.readouterr().err.splitlines()
    assert err == [f"seqcoder: error: {archives[0]}: get does not apply to a single-genome archive",
                   f"seqcoder: error: {tmp_path}: info does not apply to a batch directory"]


@pytest.mark.parametrize("record", ["p1", "p1 a plasmid", "#2"])
def test_one_record_selector_for_single_genomes_and_collections(tmp_path, capfdbinary, record):
    src = tmp_path / "g.fa"
    src.write_bytes(b">chr main\nACGTACGT\n>p1 a plasmid\nGGGGCCCC\n")
    assert main(["compress", "-q", "-1", str(src)]) == 0
    assert main(["pack", "-q", "-1", str(tmp_path / "set.sqcl"), str(src)]) == 0
    capfdbinary.readouterr()
    assert main(["decompress", "-c", "--record", record, str(src) + ".sqc"]) == 0
    assert main(["get", str(tmp_path / "set.sqcl"), "g.fa", "--record", record, "-c"]) == 0
    assert capfdbinary.readouterr().out == b">p1 a plasmid\nGGGGCCCC\n" * 2


@pytest.mark.parametrize("data, stored_raw", [(b">p\nMKVLQWERTYIPASDFGHKLCVNM\n", True), (b">x\nACGTNRYK\n", False)])
def test_compress_and_pack_read_an_input_alike(tmp_path, capsys, data, stored_raw):
    src = tmp_path / "in.fa"
    src.write_bytes(data)
    assert main(["compress", "-1", str(src)]) == 0
    assert main(["pack", str(tmp_path / "set.sqcl"), str(src)]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "not nucleotide data" in line]
    assert len(warned) == (2 if stored_raw else 0)
    assert main(["compress", "--strict", "-f", str(src)]) == (1 if stored_raw else 0)
    assert main(["pack", "--strict", "-f", str(tmp_path / "set.sqcl"), str(src)]) == (1 if stored_raw else 0)
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == (2 if stored_raw else 0) and all("line 2" in line for line in errors)
