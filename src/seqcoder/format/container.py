"""The seqcoder container, version 1: header, blocks of checksummed sections, index, trailer.

This module only moves bytes: it knows ids, lengths and checksums, never how a section was
coded. Byte layouts are specified in FORMAT.md; keep the two in step (a change of the bytes
needs a version bump and a new golden file in tests/golden).

::

    +--------+---------+---------+-----+-------+---------+
    | header | block 0 | block 1 | ... | index | trailer |
    +--------+---------+---------+-----+-------+---------+
                  |
                  +-- block header (kind, sizes, crc of the original, section table) + sections
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import zstandard

from ..errors import ChecksumError, FormatError
from ..io.varint import decode_uvarints, encode_uvarints
from .ids import BlockKind, CodecId, SectionId

MAGIC = b"\x89SQC"
TRAILER_MAGIC = b"SQCE"
FORMAT_VERSION = 1
BLOCK_MAGIC = b"BLK1"
INDEX_MAGIC = b"IDX1"

_HEADER_FIXED = struct.Struct("<4sBBBB")  # magic, version, flags, codec id, level
_BLOCK_FIXED = struct.Struct("<4sBBIII")  # magic, kind, section count, original bytes, bases, crc32 of original
_SECTION = struct.Struct("<BII")  # id, length, crc32
_TRAILER = struct.Struct("<QII4s")  # index offset, crc32 of the index, crc32 of the 12 bytes before, magic
MAX_BLOCK_SIZE = 1 << 30  # sizes in a block header are u32
TRAILER_SIZE = _TRAILER.size


def crc32(data: bytes | memoryview) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


@dataclass(frozen=True)
class ArchiveHeader:
    codec_id: CodecId
    level: int
    model_name: str = ""
    model_version: str = ""
    model_sha256: bytes = b"\0" * 32
    version: int = FORMAT_VERSION
    flags: int = 0

    def to_bytes(self) -> bytes:
        name = self.model_name.encode()
        version = self.model_version.encode()
        if len(name) > 255 or len(version) > 255 or len(self.model_sha256) != 32:
            raise ValueError("model name and version must be at most 255 bytes, sha256 32 bytes")
        body = _HEADER_FIXED.pack(MAGIC, self.version, self.flags, int(self.codec_id), self.level)
        body += bytes([len(name)]) + name
        if name:  # model-free codecs skip version and sha256
            body += bytes([len(version)]) + version + self.model_sha256
        return body + struct.pack("<I", crc32(body))


@dataclass
class Section:
    section_id: SectionId
    payload: bytes


@dataclass
class BlockHeader:
    kind: BlockKind
    original_size: int
    bases: int
    original_crc32: int
    sections: list[tuple[int, int, int]]  # (id, length, crc32)
    offset: int = 0  # where the block starts in the archive
    size: int = 0  # the whole block's bytes, header included


@dataclass
class RecordEntry:
    """One FASTA record as the index knows it: enough for `list` and `--record`."""

    header: bytes | None
    first_block: int
    last_block: int
    start: int  # byte offset in the original
    end: int
    residues: int
    bases: int

    @property
    def name(self) -> str:
        if self.header is None:
            return ""
        return self.header.split(None, 1)[0].decode("utf-8", "replace") if self.header.strip() else ""


@dataclass
class BlockEntry:
    offset: int  # in the archive
    size: int  # stored bytes of the block
    original_offset: int
    original_size: int
    bases: int


@dataclass
class ArchiveIndex:
    blocks: list[BlockEntry] = field(default_factory=list)
    records: list[RecordEntry] = field(default_factory=list)
    original_size: int = 0
    original_sha256: bytes = b"\0" * 32

    @property
    def bases(self) -> int:
        return sum(b.bases for b in self.blocks)


def encode_block(kind: BlockKind, original_size: int, bases: int, original_crc32: int,
                 sections: list[Section]) -> bytes:
    if len(sections) > 255:
        raise ValueError("a block holds at most 255 sections")
    head = _BLOCK_FIXED.pack(BLOCK_MAGIC, int(kind), len(sections), original_size, bases, original_crc32)
    for section in sections:
        head += _SECTION.pack(int(section.section_id), len(section.payload), crc32(section.payload))
    head += struct.pack("<I", crc32(head))
    return head + b"".join(s.payload for s in sections)


class ArchiveReader:
    """Reads an archive front to back from a binary stream; every read is bounds- and
    checksum-checked, and errors name the byte offset."""

    def __init__(self, stream: BinaryIO, path: str | None = None):
        self._stream = stream
        self.path = path
        self.offset = 0

    def _read(self, n: int, what: str) -> bytes:
        data = self._stream.read(n)
        if len(data) != n:
            raise FormatError(f"truncated archive: {what} needs {n} bytes, {len(data)} left",
                              self.offset, self.path)
        self.offset += n
        return data

    def read_header(self) -> ArchiveHeader:
        start = self.offset
        fixed = self._stream.read(_HEADER_FIXED.size)
        self.offset += len(fixed)
        if fixed[:4] != MAGIC:
            raise FormatError("not a seqcoder archive (bad magic)", start, self.path)
        if len(fixed) < _HEADER_FIXED.size:
            raise FormatError("truncated archive header", start, self.path)
        _, version, flags, codec_id, level = _HEADER_FIXED.unpack(fixed)
        if version != FORMAT_VERSION:
            raise FormatError(f"archive format version {version} is not supported by this "
                              f"seqcoder (it reads version {FORMAT_VERSION}); upgrade seqcoder",
                              start + 4, self.path)
        name = self._read(self._read(1, "model name length")[0], "model name")
        body = fixed + bytes([len(name)]) + name
        model_version, sha = b"", b"\0" * 32
        if name:
            model_version = self._read(self._read(1, "model version length")[0], "model version")
            sha = self._read(32, "model sha256")
            body += bytes([len(model_version)]) + model_version + sha
        (stored,) = struct.unpack("<I", self._read(4, "header checksum"))
        if stored != crc32(body):
            raise ChecksumError("archive header checksum mismatch", start, self.path)
        if flags != 0:
            raise FormatError(f"unknown header flags {flags:#x}", start + 5, self.path)
        try:
            codec = CodecId(codec_id)
        except ValueError:
            raise FormatError(f"unknown codec id {codec_id}", start + 6, self.path) from None
        return ArchiveHeader(codec, level, name.decode("utf-8", "replace"),
                             model_version.decode("utf-8", "replace"), sha, version, flags)

    def read_block_or_index(self) -> tuple[BlockHeader, dict[SectionId, bytes]] | ArchiveIndex:
        """Return the next block, or the index once the blocks are over."""
        start = self.offset
        magic = self._read(4, "block or index magic")
        if magic == INDEX_MAGIC:
            return self._read_index(start)
        if magic != BLOCK_MAGIC:
            raise FormatError("corrupt archive: expected a block or the index", start, self.path)
        header = self._read_block_header(magic, start)
        sections: dict[SectionId, bytes] = {}
        for section_id, length, section_crc in header.sections:
            section_start = self.offset
            payload = self._read(length, f"section {section_id}")
            if crc32(payload) != section_crc:
                raise ChecksumError(f"section {section_id} checksum mismatch (corrupt data)",
                                    section_start, self.path)
            try:
                sections[SectionId(section_id)] = payload
            except ValueError:
                raise FormatError(f"unknown section id {section_id}", section_start, self.path) from None
        header.size = self.offset - start
        return header, sections

    def _read_block_header(self, magic: bytes, start: int) -> BlockHeader:
        rest = self._read(_BLOCK_FIXED.size - 4, "block header")
        _, kind, count, original_size, bases, original_crc = _BLOCK_FIXED.unpack(magic + rest)
        table = self._read(_SECTION.size * count, "section table")
        (stored,) = struct.unpack("<I", self._read(4, "block header checksum"))
        if stored != crc32(magic + rest + table):
            raise ChecksumError("block header checksum mismatch", start, self.path)
        try:
            block_kind = BlockKind(kind)
        except ValueError:
            raise FormatError(f"unknown block kind {kind}", start + 4, self.path) from None
        entries = [_SECTION.unpack_from(table, i * _SECTION.size) for i in range(count)]
        return BlockHeader(block_kind, original_size, bases, original_crc, entries, start)

    def read_block_header_at(self, offset: int) -> BlockHeader:
        """The header of the block at ``offset`` (the stream must be seekable); payloads unread."""
        self._stream.seek(offset)
        self.offset = offset
        magic = self._read(4, "block magic")
        if magic != BLOCK_MAGIC:
            raise FormatError("corrupt archive: no block where the index points", offset, self.path)
        header = self._read_block_header(magic, offset)
        header.size = self.offset - offset + sum(length for _, length, _ in header.sections)
        return header

    def _read_index(self, start: int) -> ArchiveIndex:
        (length,) = struct.unpack("<I", self._read(4, "index length"))
        payload = self._read(length, "index")
        trailer = self._read(TRAILER_SIZE, "trailer")
        index_offset, index_crc = _check_trailer(trailer, self.offset - TRAILER_SIZE, self.path)
        if index_offset != start:
            raise FormatError("trailer does not point at the index", self.offset - TRAILER_SIZE, self.path)
        if crc32(payload) != index_crc:
            raise ChecksumError("index checksum mismatch", start, self.path)
        if self._stream.read(1):
            raise FormatError("unexpected bytes after the trailer", self.offset, self.path)
        return decode_index(payload, start, self.path)


def _check_trailer(trailer: bytes, offset: int, path: str | None) -> tuple[int, int]:
    index_offset, index_crc, trailer_crc, magic = _TRAILER.unpack(trailer)
    if magic != TRAILER_MAGIC:
        raise FormatError("truncated or corrupt archive: no trailer at the end", offset, path)
    if trailer_crc != crc32(trailer[:12]):
        raise ChecksumError("trailer checksum mismatch", offset, path)
    return index_offset, index_crc


def encode_index_and_trailer(index: ArchiveIndex, index_offset: int) -> bytes:
    payload = encode_index(index)
    head = INDEX_MAGIC + struct.pack("<I", len(payload))
    trailer12 = struct.pack("<QI", index_offset, crc32(payload))
    return head + payload + trailer12 + struct.pack("<I", crc32(trailer12)) + TRAILER_MAGIC


# --- the index: varints, the sha256 and the record headers; zstd when that is smaller ----------

_INDEX_RAW, _INDEX_ZSTD = 0, 1


def encode_index(index: ArchiveIndex) -> bytes:
    blocks, records = index.blocks, index.records
    headers = [r.header or b"" for r in records]
    numbers = [len(blocks)]
    for b in blocks:
        numbers += [b.offset, b.size, b.original_offset, b.original_size, b.bases]
    numbers.append(len(records))
    for r, h in zip(records, headers):
        numbers += [r.header is not None, len(h), r.first_block, r.last_block, r.start, r.end,
                    r.residues, r.bases]
    numbers.append(index.original_size)
    raw = encode_uvarints(np.array(numbers, dtype=np.uint64)) + index.original_sha256 + b"".join(headers)
    packed = zstandard.ZstdCompressor(level=19).compress(raw)
    if len(packed) < len(raw):
        return bytes([_INDEX_ZSTD]) + packed
    return bytes([_INDEX_RAW]) + raw


def decode_index(payload: bytes, offset: int = 0, path: str | None = None) -> ArchiveIndex:
    try:
        if not payload or payload[0] not in (_INDEX_RAW, _INDEX_ZSTD):
            raise ValueError("unknown index encoding")
        raw = payload[1:]
        if payload[0] == _INDEX_ZSTD:
            raw = zstandard.ZstdDecompressor().decompress(raw, max_output_size=1 << 34)
        (count,), pos = decode_uvarints(raw, 0, 1)
        block_fields, pos = decode_uvarints(raw, pos, 5 * int(count))
        (n_records,), pos = decode_uvarints(raw, pos, 1)
        record_fields, pos = decode_uvarints(raw, pos, 8 * int(n_records))
        (total,), pos = decode_uvarints(raw, pos, 1)
        sha, header_bytes = raw[pos:pos + 32], raw[pos + 32:]
        block_rows = block_fields.astype(np.int64).reshape(-1, 5).tolist()
        record_rows = record_fields.astype(np.int64).reshape(-1, 8).tolist()
        if len(sha) != 32 or sum(row[1] for row in record_rows) != len(header_bytes):
            raise ValueError("inconsistent index")
        blocks = [BlockEntry(*row) for row in block_rows]
        records, pos = [], 0
        for has_header, length, *rest in record_rows:
            header = header_bytes[pos:pos + length]
            pos += length
            records.append(RecordEntry(header if has_header else None, *rest))
    except (zstandard.ZstdError, ValueError, FormatError) as exc:
        raise FormatError(f"corrupt archive index ({exc})", offset, path) from None
    return ArchiveIndex(blocks, records, int(total), bytes(sha))


def read_summary(stream: BinaryIO, path: str | None = None) -> tuple[ArchiveHeader, ArchiveIndex, int]:
    """Header and index of a seekable archive, without touching its blocks (for `info`/`list`).
    Also returns the archive's size."""
    reader = ArchiveReader(stream, path)
    header = reader.read_header()
    size = stream.seek(0, 2)
    if size < reader.offset + TRAILER_SIZE:
        raise FormatError("truncated archive: no room for a trailer", size, path)
    stream.seek(size - TRAILER_SIZE)
    index_offset, index_crc = _check_trailer(stream.read(TRAILER_SIZE), size - TRAILER_SIZE, path)
    if not reader.offset <= index_offset <= size - TRAILER_SIZE - 8:
        raise FormatError("trailer points outside the archive", size - TRAILER_SIZE, path)
    stream.seek(index_offset)
    head = stream.read(8)
    (length,) = struct.unpack("<I", head[4:])
    if head[:4] != INDEX_MAGIC or index_offset + 8 + length != size - TRAILER_SIZE:
        raise FormatError("corrupt archive: no index where the trailer points", index_offset, path)
    payload = stream.read(length)
    if crc32(payload) != index_crc:
        raise ChecksumError("index checksum mismatch", index_offset, path)
    return header, decode_index(payload, index_offset, path), size


def read_block_at(stream: BinaryIO, entry: BlockEntry, path: str | None = None):
    """Read one block by its index entry (for `--record`): the same checks as a full read."""
    stream.seek(entry.offset)
    reader = ArchiveReader(stream, path)
    reader.offset = entry.offset
    result = reader.read_block_or_index()
    if isinstance(result, ArchiveIndex):
        raise FormatError("index entry points at the index, not a block", entry.offset, path)
    return result
