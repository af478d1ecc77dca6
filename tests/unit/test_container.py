"""The container alone: header, blocks, index and trailer, their checks and error offsets."""

from __future__ import annotations

import io

import pytest

from seqcoder.errors import ChecksumError, FormatError
from seqcoder.format.container import (MAGIC, ArchiveHeader, ArchiveIndex, ArchiveReader, BlockEntry,
                                       RecordEntry, Section, crc32, decode_index, encode_block,
                                       encode_index, encode_index_and_trailer, read_summary)
from seqcoder.format.ids import BlockKind, CodecId, SectionId


def _archive(header: ArchiveHeader, payloads: list[bytes]) -> bytes:
    out = header.to_bytes()
    index = ArchiveIndex(original_sha256=b"\x11" * 32)
    for p in payloads:
        block = encode_block(BlockKind.FASTA, len(p), len(p), crc32(p), [Section(SectionId.BASES, p)])
        index.blocks.append(BlockEntry(len(out), len(block), index.original_size, len(p), len(p)))
        index.original_size += len(p)
        out += block
    return out + encode_index_and_trailer(index)


def test_header_round_trip_with_and_without_model():
    for header in (ArchiveHeader(CodecId.CM, 6),
                   ArchiveHeader(CodecId.AE_ZSTD, 3, "seqcoder-ae-p4", "1", bytes(range(32)))):
        raw = header.to_bytes()
        assert raw.startswith(MAGIC)
        assert ArchiveReader(io.BytesIO(raw)).read_header() == header


def test_model_free_header_is_13_bytes():
    assert len(ArchiveHeader(CodecId.CM, 6).to_bytes()) == 13


def test_blocks_and_index_read_back():
    data = _archive(ArchiveHeader(CodecId.TWO_BIT, 1), [b"abc", b"", b"defgh"])
    reader = ArchiveReader(io.BytesIO(data))
    reader.read_header()
    payloads = []
    while not isinstance(item := reader.read_block_or_index(), ArchiveIndex):
        payloads.append(item[1][SectionId.BASES])
    assert payloads == [b"abc", b"", b"defgh"]
    assert item.original_size == 8 and len(item.blocks) == 3
    header, index, size = read_summary(io.BytesIO(data))
    assert size == len(data) and index.blocks == item.blocks


def test_index_round_trip_with_records():
    index = ArchiveIndex([BlockEntry(13, 100, 0, 400, 380)],
                         [RecordEntry(None, 0, 0, 0, 10, 9, 9), RecordEntry(b"chr1 x", 0, 0, 10, 400, 371, 370)],
                         400, bytes(32))
    assert decode_index(encode_index(index), 13, 113) == index
    with pytest.raises(FormatError, match="index"):
        decode_index(encode_index(index), 13, 114)  # the blocks must end where the index starts


def test_framing_of_a_small_archive_is_small():
    # header 13 + block (tag, kind, sizes, crc, one section entry, crc) + index + trailer
    data = _archive(ArchiveHeader(CodecId.TWO_BIT, 1), [b"x" * 5000])
    assert len(data) - 5000 <= 13 + 23 + 60


@pytest.mark.parametrize("version", [0, 2, 255])
def test_unknown_version_is_rejected(version):
    raw = bytearray(ArchiveHeader(CodecId.CM, 6).to_bytes())
    raw[4] = version
    with pytest.raises(FormatError, match="version"):
        ArchiveReader(io.BytesIO(bytes(raw))).read_header()


def test_wrong_magic_and_truncation_name_offsets():
    with pytest.raises(FormatError, match="bad magic"):
        ArchiveReader(io.BytesIO(b"GZIP....")).read_header()
    data = _archive(ArchiveHeader(CodecId.TWO_BIT, 1), [b"abcdefgh"])
    for cut in (5, 20, len(data) - 30, len(data) - 1):
        reader = ArchiveReader(io.BytesIO(data[:cut]), "x.sqc")
        with pytest.raises(FormatError) as error:
            reader.read_header()
            while not isinstance(reader.read_block_or_index(), ArchiveIndex):
                pass
        assert "x.sqc" in str(error.value) and "offset" in str(error.value)


def test_flipped_payload_byte_is_a_checksum_error():
    data = bytearray(_archive(ArchiveHeader(CodecId.TWO_BIT, 1), [b"abcdefgh"]))
    data[data.index(b"abcdefgh") + 3] ^= 0x01
    reader = ArchiveReader(io.BytesIO(bytes(data)))
    reader.read_header()
    with pytest.raises(ChecksumError, match="section 2"):
        reader.read_block_or_index()


@pytest.mark.parametrize("level", [0, 10, 255])
def test_header_level_out_of_range_is_a_format_error_with_offset(level):
    # a well-formed header (valid crc) whose level no codec accepts
    raw = ArchiveHeader(CodecId.CM, level).to_bytes()
    with pytest.raises(FormatError, match=f"level {level}") as err:
        ArchiveReader(io.BytesIO(raw)).read_header()
    assert err.value.offset == 7


def test_a_bad_level_in_an_archive_fails_decompression_as_a_format_error():
    import seqcoder

    archive = bytearray(seqcoder.compress(b">x\nACGT\n", codec="2bit"))
    body_end = len(ArchiveHeader(CodecId.TWO_BIT, 4).to_bytes())  # a model-free header's size
    archive[7] = 0
    archive[body_end - 4:body_end] = crc32(bytes(archive[:body_end - 4])).to_bytes(4, "little")
    with pytest.raises(FormatError, match="level 0"):
        seqcoder.decompress(bytes(archive))
