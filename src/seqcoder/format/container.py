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

from ..errors import ChecksumError, FormatError
from ..levels import MAX_LEVEL, MIN_LEVEL
from . import zstd
from .varint import decode_uvarints, encode_uvarint, encode_uvarints
from .ids import ARCHIVE_MAGIC, BlockKind, CodecId, SectionId

MAGIC = ARCHIVE_MAGIC
TRAILER_MAGIC = b"SQCE"
FORMAT_VERSION = 1
# one-byte tags: small files pay little framing (a 19 kB genome's whole container is ~150 B)
BLOCK_TAG = b"B"
INDEX_TAG = b"I"

_HEADER_FIXED = struct.Struct("<4sBBBB")  # magic, version, flags, codec id, level
_U32 = struct.Struct("<I")
_TRAILER = struct.Struct("<I4s")  # bytes of the index (tag to crc), magic
MAX_BLOCK_SIZE = 1 << 30  # bounds memory per block; the format itself has no limit
# sanity bound on a section or index length (checked before allocating): a section never
# grows much past its block's input
_MAX_PAYLOAD = 4 * MAX_BLOCK_SIZE
TRAILER_SIZE = _TRAILER.size


def crc32(data: bytes | bytearray | memoryview) -> int:
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
    head = bytearray(BLOCK_TAG)
    head += bytes([int(kind)]) + encode_uvarints([original_size, bases]) + _U32.pack(original_crc32)
    head.append(len(sections))
    for section in sections:
        head += bytes([int(section.section_id)]) + encode_uvarint(len(section.payload))
        head += _U32.pack(crc32(section.payload))
    head += _U32.pack(crc32(head))
    return bytes(head) + b"".join(s.payload for s in sections)


class ArchiveReader:
    """Reads an archive front to back from a binary stream; every read is bounds- and
    checksum-checked, and errors name the byte offset."""

    def __init__(self, stream: BinaryIO, path: str | None = None):
        self._stream = stream
        self.path = path
        self.offset = 0
        self.blocks_start = 0  # where the header ends

    def _read(self, n: int, what: str) -> bytes:
        data = self._stream.read(n)
        if len(data) != n:
            raise FormatError(f"truncated archive: {what} needs {n} bytes, {len(data)} left",
                              self.offset, self.path)
        self.offset += n
        return data

    def _read_uvarint(self, what: str, seen: bytearray) -> int:
        """One LEB128 varint from the stream; its bytes are appended to ``seen`` (for a crc)."""
        value = 0
        for shift in range(0, 70, 7):
            byte = self._read(1, what)[0]
            seen.append(byte)
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
        raise FormatError(f"corrupt archive: {what} is not a varint", self.offset - 10, self.path)

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
        if not MIN_LEVEL <= level <= MAX_LEVEL:
            raise FormatError(f"level {level} in the header is not {MIN_LEVEL}..{MAX_LEVEL}", start + 7, self.path)
        self.blocks_start = self.offset
        return ArchiveHeader(codec, level, name.decode("utf-8", "replace"),
                             model_version.decode("utf-8", "replace"), sha, version, flags)

    def read_block_or_index(self) -> tuple[BlockHeader, dict[SectionId, bytes]] | ArchiveIndex:
        """Return the next block, or the index once the blocks are over."""
        start = self.offset
        tag = self._read(1, "block or index tag")
        if tag == INDEX_TAG:
            return self._read_index(start)
        if tag != BLOCK_TAG:
            raise FormatError("corrupt archive: expected a block or the index", start, self.path)
        header = self._read_block_header(start)
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

    def _read_block_header(self, start: int) -> BlockHeader:
        """The block header after its tag; lengths are trusted only once its crc32 matches."""
        seen = bytearray(BLOCK_TAG)
        seen += self._read(1, "block kind")
        original_size = self._read_uvarint("block size", seen)
        bases = self._read_uvarint("block base count", seen)
        crc_bytes = self._read(4, "block crc32")
        seen += crc_bytes
        count = self._read(1, "section count")[0]
        seen.append(count)
        entries = []
        for _ in range(count):
            section_id = self._read(1, "section id")[0]
            seen.append(section_id)
            length = self._read_uvarint("section length", seen)
            checksum = self._read(4, "section crc32")
            seen += checksum
            entries.append((section_id, length, _U32.unpack(checksum)[0]))
        (stored,) = _U32.unpack(self._read(4, "block header checksum"))
        if stored != crc32(seen):
            raise ChecksumError("block header checksum mismatch", start, self.path)
        if any(length > _MAX_PAYLOAD for _, length, _ in entries):
            raise FormatError("section length out of range", start, self.path)
        try:
            block_kind = BlockKind(seen[1])
        except ValueError:
            raise FormatError(f"unknown block kind {seen[1]}", start + 1, self.path) from None
        return BlockHeader(block_kind, original_size, bases, _U32.unpack(crc_bytes)[0], entries, start)

    def read_block_header_at(self, offset: int) -> BlockHeader:
        """The header of the block at ``offset`` (the stream must be seekable); payloads unread."""
        self._stream.seek(offset)
        self.offset = offset
        if self._read(1, "block tag") != BLOCK_TAG:
            raise FormatError("corrupt archive: no block where the index points", offset, self.path)
        header = self._read_block_header(offset)
        header.size = self.offset - offset + sum(length for _, length, _ in header.sections)
        return header

    def _read_index(self, start: int) -> ArchiveIndex:
        seen = bytearray(INDEX_TAG)
        length = self._read_uvarint("index length", seen)
        if length > _MAX_PAYLOAD:
            raise FormatError("index length out of range", start, self.path)
        payload = self._read(length, "index")
        (index_crc,) = _U32.unpack(self._read(4, "index checksum"))
        index_size = self.offset - start
        trailer = self._read(TRAILER_SIZE, "trailer")
        if _check_trailer(trailer, self.offset - TRAILER_SIZE, self.path) != index_size:
            raise FormatError("trailer does not match the index", self.offset - TRAILER_SIZE, self.path)
        if crc32(payload) != index_crc:
            raise ChecksumError("index checksum mismatch", start, self.path)
        if self._stream.read(1):
            raise FormatError("unexpected bytes after the trailer", self.offset, self.path)
        return decode_index(payload, self.blocks_start, start, self.path)


def _check_trailer(trailer: bytes, offset: int, path: str | None) -> int:
    """The index size a trailer records (its magic checked)."""
    index_size, magic = _TRAILER.unpack(trailer)
    if magic != TRAILER_MAGIC:
        raise FormatError("truncated or corrupt archive: no trailer at the end", offset, path)
    return index_size


def encode_index_and_trailer(index: ArchiveIndex) -> bytes:
    payload = encode_index(index)
    body = INDEX_TAG + encode_uvarint(len(payload)) + payload + _U32.pack(crc32(payload))
    if len(body) >= 1 << 32:
        raise ValueError("the record index exceeds 4 GiB (too many records)")
    return body + _TRAILER.pack(len(body), TRAILER_MAGIC)


# --- the index: varints, the sha256 and the record headers; zstd when that is smaller ----------

_INDEX_RAW, _INDEX_ZSTD = 0, 1
_BLOCK_FIELDS, _RECORD_FIELDS = 3, 7


def encode_index(index: ArchiveIndex) -> bytes:
    """Index payload. What the reader can sum up is not stored (block offsets: blocks follow
    the header back to back; original offsets; the total size), and counts are stored as small
    differences (a record's length minus its residues, residues minus bases)."""
    blocks, records = index.blocks, index.records
    headers = [r.header or b"" for r in records]
    numbers = [len(blocks)]
    for b in blocks:
        numbers += [b.size, b.original_size, b.original_size - b.bases]
    numbers.append(len(records))
    for r, h in zip(records, headers):
        length = r.end - r.start
        numbers += [0 if r.header is None else len(h) + 1, r.first_block, r.last_block - r.first_block,
                    r.start, length, length - r.residues, r.residues - r.bases]
    raw = encode_uvarints(np.array(numbers, dtype=np.uint64)) + index.original_sha256 + b"".join(headers)
    packed = zstd.compress(raw, zstd.INDEX_LEVEL)
    if len(packed) < len(raw):
        return bytes([_INDEX_ZSTD]) + packed
    return bytes([_INDEX_RAW]) + raw


def decode_index(payload: bytes, first_block_offset: int, offset: int = 0, path: str | None = None) -> ArchiveIndex:
    """Inverse of :func:`encode_index`; ``first_block_offset`` is where the header ends and
    ``offset`` where the index starts (the blocks must end there)."""
    try:
        if not payload or payload[0] not in (_INDEX_RAW, _INDEX_ZSTD):
            raise ValueError("unknown index encoding")
        raw = payload[1:]
        if payload[0] == _INDEX_ZSTD:
            raw = zstd.decompress(raw, 1 << 34, "index")
        (count,), pos = decode_uvarints(raw, 0, 1)
        block_fields, pos = decode_uvarints(raw, pos, _BLOCK_FIELDS * int(count))
        (n_records,), pos = decode_uvarints(raw, pos, 1)
        record_fields, pos = decode_uvarints(raw, pos, _RECORD_FIELDS * int(n_records))
        sha, header_bytes = raw[pos:pos + 32], raw[pos + 32:]
        block_rows = block_fields.astype(np.int64).reshape(-1, _BLOCK_FIELDS).tolist()
        record_rows = record_fields.astype(np.int64).reshape(-1, _RECORD_FIELDS).tolist()
        if len(sha) != 32 or sum(max(row[0] - 1, 0) for row in record_rows) != len(header_bytes):
            raise ValueError("inconsistent index")
        blocks, at, total = [], first_block_offset, 0
        for size, original_size, non_bases in block_rows:
            if non_bases > original_size:
                raise ValueError("more bases than bytes in a block")
            blocks.append(BlockEntry(at, size, total, original_size, original_size - non_bases))
            at, total = at + size, total + original_size
        if at != offset:
            raise ValueError("the blocks do not end where the index starts")
        records, pos = [], 0
        for header_code, first, span, start, length, non_residues, non_bases in record_rows:
            header = header_bytes[pos:pos + header_code - 1] if header_code else None
            pos += max(header_code - 1, 0)
            residues = length - non_residues
            if first + span >= max(len(blocks), 1) or start + length > total or min(residues, residues - non_bases) < 0:
                raise ValueError("record outside the blocks")
            records.append(RecordEntry(header, first, first + span, start, start + length, residues,
                                       residues - non_bases))
    except (ValueError, FormatError) as exc:
        raise FormatError(f"corrupt archive index ({exc})", offset, path) from None
    return ArchiveIndex(blocks, records, total, bytes(sha))


def read_summary(stream: BinaryIO, path: str | None = None) -> tuple[ArchiveHeader, ArchiveIndex, int]:
    """Header and index of a seekable archive, without touching its blocks (for `info`/`list`).
    Also returns the archive's size."""
    reader = ArchiveReader(stream, path)
    header = reader.read_header()
    blocks_start = reader.offset
    size = stream.seek(0, 2)
    if size < reader.offset + TRAILER_SIZE:
        raise FormatError("truncated archive: no room for a trailer", size, path)
    stream.seek(size - TRAILER_SIZE)
    index_size = _check_trailer(stream.read(TRAILER_SIZE), size - TRAILER_SIZE, path)
    index_offset = size - TRAILER_SIZE - index_size
    if index_offset < reader.offset:
        raise FormatError("trailer points outside the archive", size - TRAILER_SIZE, path)
    stream.seek(index_offset)
    reader.offset = index_offset
    if reader._read(1, "index tag") != INDEX_TAG:
        raise FormatError("corrupt archive: no index where the trailer points", index_offset, path)
    length = reader._read_uvarint("index length", bytearray())
    if reader.offset + length + 4 != size - TRAILER_SIZE:
        raise FormatError("corrupt archive: index length does not match the trailer", index_offset, path)
    payload = reader._read(length, "index")
    (index_crc,) = _U32.unpack(reader._read(4, "index checksum"))
    if crc32(payload) != index_crc:
        raise ChecksumError("index checksum mismatch", index_offset, path)
    return header, decode_index(payload, blocks_start, index_offset, path), size


def read_block_at(stream: BinaryIO, entry: BlockEntry, path: str | None = None):
    """Read one block by its index entry (for `--record`): the same checks as a full read."""
    stream.seek(entry.offset)
    reader = ArchiveReader(stream, path)
    reader.offset = entry.offset
    result = reader.read_block_or_index()
    if isinstance(result, ArchiveIndex):
        raise FormatError("index entry points at the index, not a block", entry.offset, path)
    return result
