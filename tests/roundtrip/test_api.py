"""Round trips through the public API: blocks, threads, records, compressed inputs."""

from __future__ import annotations

import gzip
import io

import pytest

import seqcoder
from seqcoder.api import Compressor, Decompressor, inspect
from seqcoder.errors import FastaError, RecordError


@pytest.mark.parametrize("codec", ["2bit", "cm"])
def test_messy_fasta_round_trips(messy_fasta, codec):
    assert seqcoder.decompress(seqcoder.compress(messy_fasta, codec=codec)) == messy_fasta


@pytest.mark.parametrize("data", [b"", b"\n", b">", b"A", b"acgt", b"\x00\xff binary \r\r\n", b">h\n" * 10])
def test_edge_inputs_round_trip(data):
    assert seqcoder.decompress(seqcoder.compress(data, codec="cm")) == data


def test_output_does_not_depend_on_threads_or_reads(messy_fasta):
    data = (messy_fasta + b"\n") * 300
    one = Compressor("cm", 2, block_size=4096).compress(data)
    two = Compressor("cm", 2, block_size=4096, threads=2).compress(data)
    assert one == two
    assert Decompressor(threads=2).decompress(one) == data


def test_records_spanning_blocks_extract_exactly(messy_fasta):
    data = b"".join(b">rec%d desc\n" % i + b"ACGTTGCA" * (40 * i) + b"\n" for i in range(1, 30))
    archive = Compressor("2bit", block_size=1024).compress(data)
    decompressor = Decompressor()
    for number in (1, 7, 29):
        expected = data[data.index(b">rec%d " % number):]
        expected = expected[:expected.index(b">", 1)] if number < 29 else expected
        assert decompressor.extract_record(io.BytesIO(archive), f"rec{number}") == expected
        assert decompressor.extract_record(io.BytesIO(archive), f"#{number}") == expected
    with pytest.raises(RecordError, match="no record"):
        decompressor.extract_record(io.BytesIO(archive), "nope")


def test_non_nucleotide_input_is_stored_raw_with_a_warning():
    protein = b">sp|P69905|HBA_HUMAN\nMVLSPADKTNVKAAWGKVGAHAGEYGAEALERMFLSFPTTKTYFPHF\n" * 20
    with pytest.warns(seqcoder.errors.SeqcoderWarning, match="not nucleotide"):
        archive = seqcoder.compress(protein, codec="2bit")
    assert seqcoder.decompress(archive) == protein
    with pytest.raises(FastaError, match="line 2"):
        seqcoder.compress(protein, codec="2bit", strict=True)


def test_files_and_gzip_input(tmp_path, messy_fasta):
    src = tmp_path / "genome.fa.gz"
    src.write_bytes(gzip.compress(messy_fasta))
    stats = seqcoder.compress_file(src, codec="2bit")  # the name the CLI gives: the .gz goes
    assert stats.original_size == len(messy_fasta)
    seqcoder.decompress_file(tmp_path / "genome.fa.sqc")
    assert (tmp_path / "genome.fa").read_bytes() == messy_fasta
    info = inspect(tmp_path / "genome.fa.sqc")
    assert [r.name for r in info.index.records] == ["chr1", "chr2", "empty", "chr1"]


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.sqc"
    with pytest.raises(FastaError):
        seqcoder.io.atomic.write_atomically(target, lambda out: Compressor("2bit", strict=True).compress_stream(
            io.BytesIO(b">p\nMKV*Q\n"), out))
    assert list(tmp_path.iterdir()) == []
