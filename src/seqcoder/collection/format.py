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
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from ..errors import ChecksumError, FormatError
from ..format import zstd
from ..format.container import crc32
from ..format.ids import COLLECTION_MAGIC
from ..levels import MAX_LEVEL, MIN_LEVEL
from ..format.varint import VarintReader, decode_uvarints, encode_uvarint, encode_uvarints
from ..io.fasta import record_id

MAGIC = COLLECTION_MAGIC
TRAILER_MAGIC = b"SQLE"
VERSION = 3  #: what pack writes; versions 1 and 2 still decode
VERSIONS = (1, 2, 3)
#: from this version on, the index holds each member's header lines and its LAYOUT section none
HEADERS_IN_INDEX = 3
#: from this version on, a LITERALS section is cm-coded in chunks of LITERAL_CHUNK literal bases
#: (the last one shorter), and the index says which chunks of each pool member a member reads:
#: a ``get`` decodes only those, and one member's chunks decode on several threads
CHUNKED_LITERALS = 3
LITERAL_CHUNK = 1 << 20
MEMBER_TAG = b"M"
INDEX_TAG = b"X"
_U32 = struct.Struct("<I")
_TRAILER = struct.Struct("<Q4s")  # bytes of the index (tag to crc), magic
TRAILER_SIZE = _TRAILER.size

KIND_FASTA = 1  #: layout + tokens + literals
KIND_RAW = 2  #: not nucleotide data: one zstd frame of the bytes
_MAX_COUNT = 1 << 32  # sanity bound on decoded counts
MAX_DEPTH = 255  #: the longest chain bound a version-2 header may give


@dataclass(frozen=True, slots=True)
class CollectionHeader:
    """What the encoder chose for the whole archive; ``add`` goes on with the same choices.

    ``params`` are the match finder's settings (encoder-only: the decoder needs none of them).
    """

    level: int
    #: version 1: members 0..bound-1 are the references of every later member (0: all);
    #: versions 2 and 3: the longest chain of first parents a member may have (what a ``get`` decodes)
    bound: int
    params: tuple[int, ...]
    version: int = VERSION

    @property
    def max_refs(self) -> int:
        """Version 1's reference members (0: all; later versions have none)."""
        return self.bound if self.version == 1 else 0

    @property
    def max_depth(self) -> int:
        """The longest chain of first parents, from version 2 (version 1: unbounded, 0)."""
        return self.bound if self.version >= 2 else 0

    def to_bytes(self) -> bytes:
        body = (MAGIC + bytes([self.version, self.level]) + encode_uvarint(self.bound)
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
        if head[4] not in VERSIONS:
            raise FormatError(f"collection format version {head[4]} is not supported by this "
                              f"seqcoder (it reads versions {VERSIONS[0]}-{VERSIONS[-1]}); upgrade seqcoder",
                              4, path)
        r = VarintReader(head, 6)
        try:
            bound = r.one()
            params = tuple(int(v) for v in r.many(r.one()))
        except FormatError as exc:
            raise FormatError(f"bad header: {exc}", r.pos, path) from None
        end = r.pos
        if end + 4 > len(head) or _U32.unpack_from(head, end)[0] != crc32(head[:end]):
            raise ChecksumError("header checksum mismatch", end, path)
        if not MIN_LEVEL <= head[5] <= MAX_LEVEL:
            raise FormatError(f"bad level {head[5]}", 5, path)
        if head[4] >= 2 and bound > MAX_DEPTH:
            raise FormatError(f"bad chain bound {bound}", 6, path)
        return cls(head[5], bound, params, head[4]), end + 4


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
    refs: int  #: version 1: its reference text is the codes of members 0 .. refs-1, in order
    offset: int = 0  #: where its block starts
    size: int = 0  #: bytes of its block
    #: from version 2: the members whose codes follow the pool in its text, best first (14.3)
    parents: tuple[int, ...] = ()
    pool: tuple[int, ...] = ()  #: from version 2: members whose pooled literals its copies read
    #: version 3: for each member of ``pool`` (in its order), the chunks of its literals read
    pool_chunks: tuple[tuple[int, ...], ...] = ()
    #: each record with a header, a line ending in LF: version 3 its header line without '>'
    #: (what its LAYOUT section leaves out), version 2 the record's id
    header_lines: bytes = b""
    record_letters: bytes = b""  #: the sequence letters of each of those records, as uvarints

    @property
    def bits_per_base(self) -> float:
        return 8 * self.size / self.bases if self.bases else 0.0

    def chunks(self, version: int) -> list[tuple[int, int]]:
        """(first, end) of each chunk of its literal bases (before version 3: one)."""
        if version < CHUNKED_LITERALS:
            return [(0, self.literals)]
        return [(a, min(a + LITERAL_CHUNK, self.literals)) for a in range(0, self.literals, LITERAL_CHUNK)]

    def pool_reads(self, version: int) -> list[tuple[int, tuple[int, ...]]]:
        """(pool member, the chunks of its literals this member reads) for each pool member."""
        if version < CHUNKED_LITERALS:
            return [(j, (0,)) for j in self.pool]
        return list(zip(self.pool, self.pool_chunks))

    @property
    def record_table(self) -> tuple[tuple[str, int], ...]:
        """(id, sequence letters) of every record with a header, from the index alone."""
        letters, _ = decode_uvarints(self.record_letters, 0, self.records)
        ids = [record_id(line) for line in self.header_lines.split(b"\n")[:-1]]
        return tuple(zip(ids, letters.tolist()))


@dataclass(slots=True)
class CollectionIndex:
    members: list[MemberEntry] = field(default_factory=list)
    version: int = VERSION

    def to_bytes(self) -> bytes:
        if self.version == 1:
            body = b"".join(_v1_entry(m) for m in self.members)
            body = INDEX_TAG + encode_uvarint(len(self.members)) + body
        else:
            raw = encode_uvarint(len(self.members)) + b"".join(_v2_entry(m, i, self.version)
                                                               for i, m in enumerate(self.members))
            body = INDEX_TAG + encode_uvarint(len(raw)) + zstd.compress(raw, zstd.INDEX_LEVEL)
        return body + _U32.pack(crc32(body))

    @classmethod
    def from_bytes(cls, data: bytes, offset: int, path: str | None = None, version: int = VERSION
                   ) -> CollectionIndex:
        """Parse an index (tag to crc) that starts at archive ``offset``."""
        if len(data) < 5 or data[:1] != INDEX_TAG:
            raise FormatError("member index not found where the trailer points", offset, path)
        if _U32.unpack_from(data, len(data) - 4)[0] != crc32(data[:-4]):
            raise ChecksumError("member index checksum mismatch", offset, path)
        try:
            if version == 1:
                r = VarintReader(data[:-4], 1)
            else:
                head = VarintReader(data[:-4], 1)
                size = head.one()
                # a member index compresses a few times, never by thousands: a larger claim is damage
                if size > 1024 * (len(data) - head.pos) + (1 << 20):
                    raise FormatError("index size out of range")
                r = VarintReader(zstd.decompress(data[head.pos:-4], size, "member index"), 0)
            count = r.one()
            if count > _MAX_COUNT or count > len(r.buf):
                raise FormatError("member count out of range", offset + r.pos, path)
            members: list[MemberEntry] = []
            for _ in range(count):
                members.append(_read_v1_entry(r, members) if version == 1 else _read_v2_entry(r, members, version))
            if not r.at_end():
                raise FormatError("trailing bytes in the member index", offset + r.pos, path)
        except (FormatError, UnicodeDecodeError) as exc:
            if isinstance(exc, FormatError) and exc.path is not None:
                raise
            raise FormatError(f"bad member index: {exc}", offset, path) from None
        return cls(members, version)


def _v1_entry(m: MemberEntry) -> bytes:
    name = m.name.encode("utf-8")
    parts = [encode_uvarint(len(name)), name, m.sha256, bytes([m.kind, m.level])]
    parts += [encode_uvarint(v) for v in (m.original_size, m.bases, m.records, m.literals, m.offset, m.size, m.refs)]
    return b"".join(parts)


def _read_v1_entry(r: VarintReader, members: list[MemberEntry]) -> MemberEntry:
    name = r.raw(r.one()).decode("utf-8")
    sha = r.raw(32)
    kind, level = r.raw(2)
    size, bases, records, literals, moff, msize, refs = (int(v) for v in r.many(7))
    if refs >= len(members) + 1:
        raise FormatError(f"member {name!r}: references a later member")
    return MemberEntry(name, size, sha, kind, bases, records, literals, level, refs, moff, msize)


def _v2_entry(m: MemberEntry, number: int, version: int) -> bytes:
    name = m.name.encode("utf-8")
    parts = [encode_uvarint(len(name)), name, m.sha256, bytes([m.kind, m.level])]
    parts += [encode_uvarint(v) for v in (m.original_size, m.bases, m.literals, m.offset, m.size, len(m.parents))]
    parts += [encode_uvarint(number - j) for j in m.parents]
    parts.append(encode_uvarint(len(m.pool)))
    prev = number
    chunks = dict(zip(m.pool, m.pool_chunks))
    for j in sorted(m.pool, reverse=True):  # distances down from the member, each > 0
        parts.append(encode_uvarint(prev - j))
        prev = j
        if version >= CHUNKED_LITERALS:  # its chunks read: count, first, then gaps (each > 0)
            ks = chunks[j]
            parts += [encode_uvarint(len(ks))] + [encode_uvarint(k - before) for k, before in zip(ks, (-1,) + ks)]
    parts.append(encode_uvarint(m.records))
    if version >= HEADERS_IN_INDEX:
        # two sized parts: an open skips them in O(1), and the header lines of all members
        # compress together in the index's one zstd frame
        parts += [encode_uvarint(len(m.header_lines)), m.header_lines,
                  encode_uvarint(len(m.record_letters)), m.record_letters]
    else:
        for rid, letters in m.record_table:
            raw = rid.encode("utf-8")
            parts += [encode_uvarint(len(raw)), raw, encode_uvarint(letters)]
    return b"".join(parts)


def _read_v2_entry(r: VarintReader, members: list[MemberEntry], version: int) -> MemberEntry:
    number = len(members)
    name = r.raw(r.one()).decode("utf-8")
    sha = r.raw(32)
    kind, level = r.raw(2)
    # one varint at a time: a few per member, where numpy's per-call cost would dominate an open
    size, bases, literals, moff, msize, nparents = (r.one() for _ in range(6))
    where = f"member {name!r}"
    if nparents > number:
        raise FormatError(f"{where}: more parents than members before it")
    parents = tuple(number - r.one() for _ in range(nparents))
    if (len(set(parents)) != nparents
            or any(not 0 <= p < number or members[p].kind != KIND_FASTA for p in parents)):
        raise FormatError(f"{where}: a parent is not an earlier FASTA member")
    npool = r.one()
    if npool > number:
        raise FormatError(f"{where}: bad pool")
    pool: list[int] = []
    chunks: dict[int, tuple[int, ...]] = {}
    prev = number
    for _ in range(npool):
        prev -= r.one()
        if prev < 0 or prev >= number or (pool and prev >= pool[-1]):
            raise FormatError(f"{where}: bad pool reference")
        pool.append(prev)
        if version >= CHUNKED_LITERALS:
            count, k = r.one(), -1
            ks: list[int] = []
            have = len(members[prev].chunks(version))
            if not 1 <= count <= have:
                raise FormatError(f"{where}: bad pool chunk count")
            for _ in range(count):
                k += r.one()
                if (ks and k <= ks[-1]) or not 0 <= k < have:
                    raise FormatError(f"{where}: bad pool chunk")
                ks.append(k)
            chunks[prev] = tuple(ks)
    nrec = r.one()
    if nrec > len(r.buf):
        raise FormatError(f"{where}: record count out of range")
    if version >= HEADERS_IN_INDEX:
        lines, letters = r.raw(r.one()), r.raw(r.one())
        ends = np.count_nonzero(np.frombuffer(letters, dtype=np.uint8) < 0x80)  # a varint's last byte
        if (lines.count(b"\n") != nrec or (lines and not lines.endswith(b"\n"))
                or ends != nrec or (letters and letters[-1] >= 0x80)):
            raise FormatError(f"{where}: its record table does not hold {nrec} records")
    else:
        table = [(r.raw(r.one()).decode("utf-8"), r.one()) for _ in range(nrec)]
        lines = b"".join(rid.encode("utf-8") + b"\n" for rid, _ in table)
        letters = encode_uvarints([n for _, n in table])
    pool.sort()
    return MemberEntry(name, size, sha, kind, bases, nrec, literals, level, 0, moff, msize, parents,
                       tuple(pool), tuple(chunks[j] for j in pool) if chunks else (), lines, letters)


def encode_trailer(index_size: int) -> bytes:
    return _TRAILER.pack(index_size, TRAILER_MAGIC)


def read_index(stream: BinaryIO, path: str | None = None, version: int = VERSION
               ) -> tuple[CollectionIndex, int]:
    """Read the index through the trailer at the end; returns it and where it starts."""
    return read_index_at(stream, stream.seek(0, 2), path, version)


def read_index_at(stream: BinaryIO, end: int, path: str | None = None, version: int = VERSION
                  ) -> tuple[CollectionIndex, int]:
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
    return CollectionIndex.from_bytes(data, start, path, version), start


def chunk_table(literals: np.ndarray, version: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every chunk of the members whose literal counts are ``literals``, in pool order: its
    member, its number in the member, and where it starts in the member's literals (the
    vector form of :meth:`MemberEntry.chunks`)."""
    counts = -(-literals // LITERAL_CHUNK) if version >= CHUNKED_LITERALS else np.ones_like(literals)
    owner = np.repeat(np.arange(literals.shape[0]), counts)
    chunk = np.arange(owner.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, chunk, chunk * LITERAL_CHUNK if version >= CHUNKED_LITERALS else np.zeros_like(chunk)


def encode_chunked(payloads: list[bytes]) -> bytes:
    """A version-3 LITERALS section: chunk count, each chunk's size, the chunks."""
    return (encode_uvarint(len(payloads)) + b"".join(encode_uvarint(len(p)) for p in payloads)
            + b"".join(payloads))


def split_chunked(section: bytes, count: int, where: str) -> list[bytes]:
    """The chunks of a version-3 LITERALS section that must hold ``count`` of them."""
    r = VarintReader(section)
    try:
        if r.one() != count:
            raise FormatError("wrong chunk count")
        sizes = [r.one() for _ in range(count)]
    except FormatError as exc:
        raise FormatError(f"{where}: bad literal section ({exc})") from None
    if r.pos + sum(sizes) != len(section):
        raise FormatError(f"{where}: literal chunk sizes do not add up to the section")
    out, pos = [], r.pos
    for size in sizes:
        out.append(section[pos:pos + size])
        pos += size
    return out


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
