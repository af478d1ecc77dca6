"""Bytes of a collection archive (FORMAT.md, "Collection archives"): header, member blocks,
member index, trailer. This module only moves bytes and checks them; it never codes bases.

::

    +--------+----------+----------+-----+-------+---------+
    | header | member 0 | member 1 | ... | index | trailer |
    +--------+----------+----------+-----+-------+---------+

``add`` writes new member blocks and a new index after the old trailer, so the bytes that were
there never change; the old index stays behind as dead bytes.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from ..errors import ChecksumError, FormatError
from ..format.varint import VarintReader, encode_uvarint

MAGIC = b"\x89SQL"  # "seqcoder library": distinct from single-genome archives (\x89SQC)
TRAILER_MAGIC = b"SQLE"
VERSION = 1
MEMBER_TAG = b"M"
INDEX_TAG = b"X"
_U32 = struct.Struct("<I")
_TRAILER = struct.Struct("<Q4s")  # bytes of the index (tag to crc), magic
TRAILER_SIZE = _TRAILER.size

KIND_FASTA = 1  #: layout + tokens + literals
KIND_RAW = 2  #: not nucleotide data: one zstd frame of the bytes
_MAX_COUNT = 1 << 32  # sanity bound on decoded counts


def crc32(data: bytes | memoryview) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class CollectionHeader:
    """What the encoder chose for the whole archive; ``add`` goes on with the same choices.

    ``params`` are the match finder's settings (encoder-only: the decoder needs none of them).
    """

    level: int
    max_refs: int  #: members 0..max_refs-1 are the references of every later member (0: all)
    params: tuple[int, ...]
    version: int = VERSION

    def to_bytes(self) -> bytes:
        body = (MAGIC + bytes([self.version, self.level]) + encode_uvarint(self.max_refs)
                + encode_uvarint(len(self.params)) + b"".join(encode_uvarint(p) for p in self.params))
        return body + _U32.pack(crc32(body))

    @classmethod
    def read(cls, stream: BinaryIO, path: str | None = None) -> tuple[CollectionHeader, int]:
        """Parse the header at the start of ``stream``; returns it and its size in bytes."""
        head = stream.read(64)
        if head[:4] != MAGIC:
            raise FormatError("not a seqcoder collection archive (bad magic)", 0, path)
        if len(head) < 6:
            raise FormatError("truncated header", len(head), path)
        if head[4] != VERSION:
            raise FormatError(f"collection format version {head[4]} is not supported by this "
                              f"seqcoder (it reads version {VERSION}); upgrade seqcoder", 4, path)
        r = VarintReader(head, 6)
        try:
            max_refs = r.one()
            params = tuple(int(v) for v in r.many(r.one()))
        except FormatError as exc:
            raise FormatError(f"bad header: {exc}", r.pos, path) from None
        end = r.pos
        if end + 4 > len(head) or _U32.unpack_from(head, end)[0] != crc32(head[:end]):
            raise ChecksumError("header checksum mismatch", end, path)
        if not 1 <= head[5] <= 9:
            raise FormatError(f"bad level {head[5]}", 5, path)
        return cls(head[5], max_refs, params), end + 4


@dataclass(slots=True)
class MemberEntry:
    """One member in the index: everything ``list`` shows, and where its block lies."""

    name: str
    original_size: int
    sha256: bytes
    kind: int
    bases: int  #: A/C/G/T bases (the code stream's length)
    records: int
    literals: int  #: bases coded as literals (the rest are copies)
    level: int  #: cm level of the literal stream
    refs: int  #: its reference text is the codes of members 0 .. refs-1, in order
    offset: int = 0  #: where its block starts
    size: int = 0  #: bytes of its block

    @property
    def bits_per_base(self) -> float:
        return 8 * self.size / self.bases if self.bases else 0.0


@dataclass(slots=True)
class CollectionIndex:
    members: list[MemberEntry] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        parts = [INDEX_TAG, encode_uvarint(len(self.members))]
        for m in self.members:
            name = m.name.encode("utf-8")
            parts += [encode_uvarint(len(name)), name, m.sha256, bytes([m.kind, m.level])]
            for v in (m.original_size, m.bases, m.records, m.literals, m.offset, m.size, m.refs):
                parts.append(encode_uvarint(v))
        body = b"".join(parts)
        return body + _U32.pack(crc32(body))

    @classmethod
    def from_bytes(cls, data: bytes, offset: int, path: str | None = None) -> CollectionIndex:
        """Parse an index (tag to crc) that starts at archive ``offset``."""
        if len(data) < 5 or data[:1] != INDEX_TAG:
            raise FormatError("member index not found where the trailer points", offset, path)
        if _U32.unpack_from(data, len(data) - 4)[0] != crc32(data[:-4]):
            raise ChecksumError("member index checksum mismatch", offset, path)
        r = VarintReader(data[:-4], 1)
        try:
            count = r.one()
            if count > _MAX_COUNT or count > len(data):
                raise FormatError("member count out of range", offset + r.pos, path)
            members: list[MemberEntry] = []
            for _ in range(count):
                name = r.raw(r.one()).decode("utf-8")
                sha = r.raw(32)
                kind, level = r.raw(2)
                size, bases, records, literals, moff, msize, refs = (int(v) for v in r.many(7))
                if refs >= len(members) + 1:
                    raise FormatError(f"member {name!r}: references a later member", offset + r.pos, path)
                members.append(MemberEntry(name, size, sha, kind, bases, records, literals, level,
                                           refs, moff, msize))
            if not r.at_end():
                raise FormatError("trailing bytes in the member index", offset + r.pos, path)
        except (FormatError, UnicodeDecodeError) as exc:
            if isinstance(exc, FormatError) and exc.path is not None:
                raise
            raise FormatError(f"bad member index: {exc}", offset, path) from None
        return cls(members)


def encode_trailer(index_size: int) -> bytes:
    return _TRAILER.pack(index_size, TRAILER_MAGIC)


def read_index(stream: BinaryIO, path: str | None = None) -> tuple[CollectionIndex, int]:
    """Read the index through the trailer at the end; returns it and where it starts."""
    return read_index_at(stream, stream.seek(0, 2), path)


def read_index_at(stream: BinaryIO, end: int, path: str | None = None) -> tuple[CollectionIndex, int]:
    """Read the index through the trailer that ends at byte ``end`` (the end of the archive,
    or of an earlier state when an add was interrupted: ``recovery.py``)."""
    if end < TRAILER_SIZE:
        raise FormatError("truncated archive: no trailer", end, path)
    stream.seek(end - TRAILER_SIZE)
    trailer = stream.read(TRAILER_SIZE)
    if len(trailer) < TRAILER_SIZE:
        raise FormatError("truncated archive: no trailer", end, path)
    size, magic = _TRAILER.unpack(trailer)
    if magic != TRAILER_MAGIC:
        raise FormatError("no trailer at the end (truncated archive, or an interrupted add)",
                          end - TRAILER_SIZE, path)
    start = end - TRAILER_SIZE - size
    if start < 0:
        raise FormatError("trailer points before the start of the archive", end - TRAILER_SIZE, path)
    stream.seek(start)
    data = stream.read(size)
    if len(data) < size:
        raise FormatError("truncated archive: the member index is cut short", start + len(data), path)
    return CollectionIndex.from_bytes(data, start, path), start


def encode_member_block(sections: list[bytes]) -> bytes:
    """``M``, section count and sizes, crc32 of the sections, then the sections."""
    head = MEMBER_TAG + encode_uvarint(len(sections)) + b"".join(encode_uvarint(len(s)) for s in sections)
    payload = b"".join(sections)
    return head + _U32.pack(crc32(payload)) + payload


def decode_member_block(block: bytes, entry: MemberEntry, path: str | None = None) -> list[bytes]:
    """Split a member block into its sections, checking its crc32."""
    where = f"member {entry.name!r}"
    if block[:1] != MEMBER_TAG:
        raise FormatError(f"{where}: no member block at its offset", entry.offset, path)
    r = VarintReader(block, 1)
    try:
        count = r.one()
        if count > 8:
            raise FormatError(f"{where}: bad section count", entry.offset + r.pos, path)
        sizes = [int(v) for v in r.many(count)]
        (crc,) = _U32.unpack(r.raw(4))
    except FormatError as exc:
        raise FormatError(f"{where}: bad block header ({exc})", entry.offset, path) from None
    payload = block[r.pos:]
    if sum(sizes) != len(payload):
        raise FormatError(f"{where}: section sizes do not add up to the block", entry.offset, path)
    if crc32(payload) != crc:
        raise ChecksumError(f"{where} is damaged (block checksum mismatch)", entry.offset, path)
    out, pos = [], 0
    for s in sizes:
        out.append(payload[pos:pos + s])
        pos += s
    return out
