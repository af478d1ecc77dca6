"""Members of a collection <-> member blocks, over a shared reference text.

::

    member bytes --parse_fasta--> codes --ReferenceText.encode--> tokens  -----------+
                      \\--> layout                 \\--> literals --cm_encode--> lits --+--> sections
    sections --> tokens + cm_decode(lits) --ReferenceText.decode--> codes --render_fasta--> bytes

The reference text of member ``m`` is the codes of the *reference members* (the first
``max_refs`` members; 0: every earlier member), then the *pool*: the literal bases of every
earlier member that is not a reference. So everything an earlier genome brought that was new
can be copied, while getting one member decodes only the reference members in full and the
others' literal sections (a few percent of their bases), never their token streams.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import astuple, dataclass

import numpy as np

from ..entropy.cm import cm_decode, cm_encode
from ..errors import ChecksumError, FormatError
from ..format import zstd
from ..format.varint import encode_uvarints
from ..io.fasta import ParsedFasta, parse_fasta, record_id, render_fasta, split_headers
from . import kernel
from .format import (CHUNKED_LITERALS, HEADERS_IN_INDEX, KIND_FASTA, KIND_RAW, VERSION, MemberEntry, chunk_table,
                     encode_chunked, split_chunked)

#: positions in a version-1 reference text are int32
MAX_REFERENCE_BASES = (1 << 31) - 1
_NO_SOURCES = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class MatchParams:
    """Settings of the match finder (encoder only; stored in the header so ``add`` reuses them)."""

    k: int = 20  #: hashed k-mer length
    step: int = 8  #: every step-th position of the reference text is indexed
    hash_bits: int = 24  #: head table of 2^hash_bits entries
    candidates: int = 4  #: candidates tried per strand and position
    min_match: int = 20  #: shortest new diagonal
    snp_min: int = 12  #: bases that must agree after an indel on the current diagonal
    max_indel: int = 16  #: largest indel tried on the current diagonal
    cap: int = 64  #: bases compared when ranking candidates
    window: int = 32  #: bases looked at after a mismatch ...
    window_mis: int = 12  #: ... of which at most this many may differ for it to be a SNP (docs/collections.md)
    switch: int = 128  #: after a SNP whose next run is shorter than this, look for a clearly longer diagonal
    margin: int = 32  #: bases indexed at each end of a long copy (0: index every position)
    parent_step: int = 8  #: a parent's codes are indexed every parent_step-th position (from version 2)
    parents: int = 32  #: most parents a member has (from version 2) ...
    parent_bases: int = 20_000_000  #: ... and most bases they hold together

    def array(self) -> np.ndarray:
        return np.array(astuple(self), dtype=np.int64)

    @classmethod
    def from_tuple(cls, values: tuple[int, ...]) -> MatchParams:
        if len(values) == kernel.N_PRM - 3:  # a version-1 header: no parents
            values = values + (values[1], 0, 0)
        if len(values) != kernel.N_PRM:
            raise FormatError(f"expected {kernel.N_PRM} match parameters, got {len(values)}")
        p = cls(*values)
        if not (8 <= p.k <= 31 and 1 <= p.step <= 64 and 10 <= p.hash_bits <= 30 and p.candidates >= 1
                and p.min_match >= p.k and 1 <= p.snp_min <= 64 and p.max_indel <= 64 and p.cap >= p.min_match
                and 1 <= p.window <= 64 and 0 <= p.window_mis < p.window and 0 <= p.switch <= 1 << 16
                and (p.margin == 0 or p.k <= p.margin <= 1 << 20)
                and p.parent_step >= p.step and p.parent_step % p.step == 0 and p.parent_step <= 1 << 12
                and 0 <= p.parents <= 1 << 12 and p.parent_bases >= 0):
            raise FormatError(f"match parameters out of range: {values}")
        return p


#: collection level -> (cm level of the literal stream, match finder settings). Levels 1-4 code
#: literals with the lean cm kernel (~30 MB/s, about 1 % larger than cm level 4); 5-9 spend
#: time on literals.
LEVELS: dict[int, tuple[int, MatchParams]] = {
    1: (1, MatchParams(candidates=2, max_indel=4, window=16, window_mis=2, switch=0)),
    2: (1, MatchParams(candidates=2, max_indel=8)),
    3: (1, MatchParams(candidates=2)),
    4: (1, MatchParams()),
    5: (2, MatchParams()),
    6: (4, MatchParams()),
    7: (5, MatchParams(candidates=8, step=4)),
    8: (6, MatchParams(candidates=16, step=4)),
    9: (9, MatchParams(candidates=16, step=4)),
}


#: a member of fewer bases than this (a phage, a plasmid, a small genome), whose literals are
#: most of its bytes, codes them with the generic cm kernel (cm level 3 at least) in a version-2
#: archive: smaller literals than the lean kernel's at a tenth of its speed, which on members this
#: small is a small part of the time (docs/collections.md, "Small members")
SMALL_MEMBER_BASES = 1_000_000


def literal_level(level: int, bases: int | None = None) -> int:
    """The cm level that codes the literal bases of a member of ``bases`` bases at collection
    ``level`` (``None``: a version-1 archive, one level for all)."""
    lit = LEVELS[level][0]
    return max(lit, 3) if bases is not None and bases < SMALL_MEMBER_BASES else lit


class ReferenceText:
    """The growing text of codes that members copy from, with the encoder's k-mer index.

    ``ReferenceText(params)`` is the encoder's (with an index), ``ReferenceText(None)`` the
    decoder's (copies need no index).
    """

    def __init__(self, params: MatchParams | None):
        self.params = params
        self.end = 0
        self.T = np.zeros(1 << 20, dtype=np.uint8)
        if params is not None:
            self._prm = params.array()
            # int64 positions: a version-2 or 3 pool has no size limit
            self.head = np.full(1 << params.hash_bits, -1, dtype=np.int64)
            self.chain = np.full(self.T.shape[0] // params.step + 2, -1, dtype=np.int64)
            self.ctag = np.zeros(self.chain.shape[0], dtype=np.uint16)
        self._nolog = np.zeros((0, 2), dtype=np.int64)  # index inserts for good: no log
        #: encoder counters: SNPs, jumps, near jumps, bytes of lengths, SNP bases, literal counts,
        #: targets, switches
        self.stats = np.zeros(8, dtype=np.int64)
        self._lits = self._buf = np.zeros(0, dtype=np.uint8)
        self._log = np.zeros((0, 2), dtype=np.int64)  # rows of (position, head slot)

    def reserve(self, n: int) -> None:
        """Make room for ``n`` more bases at once (one allocation instead of doublings)."""
        need = self.end + n + 16
        if need > self.T.shape[0]:
            size = max(need, self.T.shape[0] * 2)
            try:
                grown = np.empty(size, dtype=np.uint8)
            except MemoryError:  # only a damaged index claims that much of a decoder
                raise FormatError(f"the archive's index claims a text of {size} bases, more than this "
                                  "machine can hold") from None
            grown[:self.end] = self.T[:self.end]
            self.T = grown
            if self.params is not None:
                # chain and tag slots are written when a position is indexed, before any read
                chain = np.empty(size // self.params.step + 2, dtype=np.int64)
                chain[:self.chain.shape[0]] = self.chain
                self.chain = chain
                ctag = np.empty(chain.shape[0], dtype=np.uint16)
                ctag[:self.ctag.shape[0]] = self.ctag
                self.ctag = ctag

    def extend(self, codes: np.ndarray) -> None:
        """Append ``codes`` for good (a reference member, or a member's literals to the pool)."""
        n = codes.shape[0]
        self.reserve(n)
        self.T[self.end:self.end + n] = codes
        if self.params is not None and n >= self.params.k:
            kernel.index_insert(self.T, self.end, self.end + n - self.params.k + 1, self._prm,
                                self.head, self.chain, self.ctag, self._nolog, 0)
        self.end += n

    def encode(self, codes: np.ndarray, keep: bool, parent: np.ndarray | None = None
               ) -> tuple[bytes, np.ndarray, np.ndarray]:
        """Tokens and literal bases of ``codes``, and the text spans its copies read (first,
        last pairs). ``keep``: the codes stay as a reference (version 1). ``parent``: codes
        placed between the text and the member for this member alone (from version 2)."""
        if self.params is None:
            raise ValueError("a decoder's reference text cannot encode")
        n = codes.shape[0]
        np_ = 0 if parent is None else parent.shape[0]
        self.reserve(np_ + n)
        start = self.end
        base = start + np_
        log_room = (np_ + n) // self.params.step + 2
        if self._lits.shape[0] < n or self._log.shape[0] < log_room:
            # scratch reused across members: no fresh pages to fault in
            self._lits = np.empty(max(n, self._lits.shape[0]), dtype=np.uint8)
            self._log = np.empty((max(log_room, self._log.shape[0]), 2), dtype=np.int64)
            self._buf = np.empty(max(n // 2 + 1024, self._buf.shape[0]), dtype=np.uint8)
        log, lits = self._log, self._lits
        nlog_parent = 0
        if parent is not None and np_:
            self.T[start:base] = parent
            if np_ >= self.params.k:
                nlog_parent = kernel.index_strided(self.T, start, base - self.params.k + 1, self.params.parent_step,
                                                   self._prm, self.head, self.chain, self.ctag, log, 0)
        self.T[base:base + n] = codes
        member_log = log[nlog_parent:]
        stats = np.zeros(8, dtype=np.int64)
        while True:
            buf = self._buf
            probs = np.full(kernel.N_PROBS, 32768, dtype=np.int64)
            size, nlit, nlog = kernel.encode_member(codes, self.T, base, self._prm, self.head, self.chain,
                                                    self.ctag, member_log, probs, buf, lits, stats)
            if nlog < 0:
                raise RuntimeError("collection kernel: insert log too small")
            if size <= buf.shape[0]:
                break
            # tokens larger than the buffer (possible only on pathological input): again, with room
            kernel.undo_inserts(self._prm, self.head, self.chain, member_log, nlog)
            self._buf = np.empty(size + 1024, dtype=np.uint8)
            stats[:] = 0
        tokens = buf[:size].tobytes()
        literals = lits[:nlit].copy()
        self.stats += stats
        spans = _NO_SOURCES
        if parent is not None:
            spans = self._replay(n, base, tokens, literals, codes)
        if keep:
            self.end += n
        else:
            kernel.undo_inserts(self._prm, self.head, self.chain, member_log, nlog)
            kernel.undo_inserts(self._prm, self.head, self.chain, log, nlog_parent)
            self.extend(literals)
        return tokens, literals, spans

    def _replay(self, n: int, base: int, tokens: bytes, literals: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Decode the tokens just made, in place: a check that they rebuild ``codes``, and the
        text spans they read."""
        sources = np.zeros(2 * n + 3, dtype=np.int64)
        probs = np.full(kernel.N_PROBS, 32768, dtype=np.int64)
        rc = kernel.decode_member(n, self.T, base, np.frombuffer(tokens, dtype=np.uint8).copy(), literals,
                                  literals.shape[0], probs, 0, sources[:2], sources)
        if rc < 0 or not np.array_equal(self.T[base:base + n], codes):
            raise RuntimeError(f"collection kernel: the tokens do not rebuild the member (error {rc})")
        return sources[1:1 + 2 * int(sources[0])].reshape(-1, 2)

    def decode(self, n: int, tokens: bytes, literals: np.ndarray, keep: bool, what: str,
               parents: Sequence[np.ndarray] = ()) -> np.ndarray:
        """Rebuild ``n`` codes from tokens and literals; ``keep`` as in :meth:`encode`. ``parents``:
        the parts of :meth:`encode`'s ``parent`` in text order, copied into place one by one."""
        base = self.end + sum(part.shape[0] for part in parents)
        self.reserve(base - self.end + n)
        at = self.end
        for part in parents:
            self.T[at:at + part.shape[0]] = part
            at += part.shape[0]
        probs = np.full(kernel.N_PROBS, 32768, dtype=np.int64)
        buf = np.frombuffer(tokens, dtype=np.uint8).copy()  # writable: one kernel codes both ways
        margin = self.params.margin if self.params is not None else 0
        long_copy = 2 * margin + self.params.step if self.params is not None and margin else 0
        copies = np.zeros(2 * (n // (long_copy + 1) + 1) if margin else 2, dtype=np.int64)
        rc = kernel.decode_member(n, self.T, base, buf, literals, literals.shape[0], probs, long_copy, copies,
                                  _NO_SOURCES)
        if rc < 0:
            raise FormatError(f"{what}: inconsistent token stream (error {rc})")
        if keep and self.params is not None:
            kernel.index_member(self.T, base, n, copies, rc, self._prm, self.head, self.chain, self.ctag)
        codes = self.T[base:base + n].copy()
        if keep:
            self.end += n
        else:
            self.extend(literals)
        return codes


def is_reference(number: int, max_refs: int) -> bool:
    """Member ``number`` (0-based) is kept whole in the reference text."""
    return max_refs == 0 or number < max_refs


@dataclass(slots=True)
class EncodedMember:
    entry: MemberEntry
    sections: list[bytes]

    def finish(self) -> EncodedMember:
        """Itself: nothing is left to code (as :meth:`MatchedMember.finish` for one that is)."""
        return self


def encode_member(name: str, data: bytes, number: int, ref: ReferenceText, level: int, max_refs: int,
                  raw: bool = False) -> EncodedMember:
    """Code one member against ``ref`` (which it then extends). ``raw``: store the bytes as they
    are (zstd), for input that is not nucleotide FASTA."""
    if raw:
        return encode_raw(name, data, level)
    sha = hashlib.sha256(data).digest()
    parsed = parse_fasta(data)
    keep = is_reference(number, max_refs)
    tokens, literals, _ = ref.encode(parsed.codes, keep)
    lit_level = literal_level(level)
    lit_payload = cm_encode(literals, lit_level)
    refs = number if max_refs == 0 else min(number, max_refs)
    entry = MemberEntry(name, len(data), sha, KIND_FASTA, int(parsed.codes.shape[0]), len(parsed.records),
                        int(literals.shape[0]), lit_level, refs)
    return EncodedMember(entry, [parsed.layout, tokens, lit_payload])


def record_table(parsed: ParsedFasta) -> tuple[tuple[str, int], ...]:
    """(id, sequence letters) of every record with a header: what ``list --records`` shows."""
    return tuple((record_id(r.header), r.residues) for r in parsed.records if r.header is not None)


def pool_chunks_read(spans: np.ndarray, pool_starts: np.ndarray, pool_end: int, version: int
               ) -> tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """The members whose pooled literals the text spans (first, last) read, and for each the
    chunks of its literals read (FORMAT.md 14.5). ``pool_starts``: where each earlier member's
    literals begin in the pool, which ends at ``pool_end``."""
    inside = spans[spans[:, 0] < pool_end]
    if inside.shape[0] == 0:
        return (), ()
    owner, chunk, offset = chunk_table(np.diff(pool_starts), version)
    starts = pool_starts[owner] + offset
    first = np.searchsorted(starts, inside[:, 0], side="right") - 1
    last = np.searchsorted(starts, np.minimum(inside[:, 1], pool_end - 1), side="right") - 1
    marks = np.zeros(starts.shape[0] + 1, dtype=np.int64)
    np.add.at(marks, first, 1)
    np.add.at(marks, last + 1, -1)
    read = np.flatnonzero(np.cumsum(marks[:-1]))
    members = tuple(int(j) for j in np.unique(owner[read]))
    return members, tuple(tuple(int(k) for k in chunk[read][owner[read] == j]) for j in members)


def match_chained(name: str, data: bytes, parsed: ParsedFasta, ref: ReferenceText, level: int,
                  parents: tuple[int, ...], parent_codes: np.ndarray, pool_starts: np.ndarray,
                  version: int = VERSION) -> MatchedMember:
    """Parse one member of a version-2 or 3 archive into copies from the pool and its parents'
    codes (``ref`` then holds the member's literals in its pool); its literals are coded by
    :meth:`MatchedMember.finish`, which may run on another thread."""
    pool_end = ref.end
    tokens, literals, spans = ref.encode(parsed.codes, False, parent_codes)
    lit_level = literal_level(level, int(parsed.codes.shape[0]))
    table = record_table(parsed)
    layout = parsed.layout
    if version >= HEADERS_IN_INDEX:
        lines, layout = split_headers(layout)
    else:
        lines = b"".join(rid.encode("utf-8") + b"\n" for rid, _ in table)
    pool, chunks = pool_chunks_read(spans, pool_starts, pool_end, version)
    entry = MemberEntry(name, len(data), hashlib.sha256(data).digest(), KIND_FASTA, int(parsed.codes.shape[0]),
                        len(table), int(literals.shape[0]), lit_level, 0, parents=parents, pool=pool,
                        pool_chunks=chunks if version >= CHUNKED_LITERALS else (), header_lines=lines,
                        record_letters=encode_uvarints([letters for _, letters in table]))
    return MatchedMember(entry, layout, tokens, literals, version)


@dataclass(frozen=True, slots=True)
class MatchedMember:
    """A member whose copies are found and whose literal bases are not yet coded."""

    entry: MemberEntry
    layout: bytes
    tokens: bytes
    literals: np.ndarray
    version: int

    def finish(self) -> EncodedMember:
        """Code the literals (chunk by chunk from version 3) and assemble the sections."""
        payloads = [cm_encode(self.literals[a:b], self.entry.level) for a, b in self.entry.chunks(self.version)]
        section = encode_chunked(payloads) if self.version >= CHUNKED_LITERALS else payloads[0]
        return EncodedMember(self.entry, [self.layout, self.tokens, section])


def encode_raw(name: str, data: bytes, level: int) -> EncodedMember:
    """A member that is not nucleotide FASTA: its bytes as one zstd frame."""
    entry = MemberEntry(name, len(data), hashlib.sha256(data).digest(), KIND_RAW, 0, 0, 0, level, 0)
    return EncodedMember(entry, [zstd.compress(data, zstd.RAW_LEVEL)])


def literal_payloads(entry: MemberEntry, sections: list[bytes], version: int) -> list[bytes]:
    """The cm payloads of a member's LITERALS section, one per chunk (``MemberEntry.chunks``)."""
    if len(sections) != 3:
        raise FormatError(f"member {entry.name!r}: expected 3 sections, found {len(sections)}")
    if version < CHUNKED_LITERALS:
        return [sections[2]]
    return split_chunked(sections[2], len(entry.chunks(version)), f"member {entry.name!r}")


def decode_chunk(entry: MemberEntry, payload: bytes, first: int, end: int) -> np.ndarray:
    """Literal bases ``first`` .. ``end`` - 1 of a member from the payload of their chunk."""
    try:
        return cm_decode(payload, end - first, entry.level)
    except ValueError as exc:
        raise FormatError(f"member {entry.name!r}: bad literal section ({exc})") from None


def member_literals(entry: MemberEntry, sections: list[bytes], version: int) -> np.ndarray:
    """Decode only the literal section of a member (what the pool needs of a non-reference)."""
    parts = [decode_chunk(entry, payload, a, b)
             for payload, (a, b) in zip(literal_payloads(entry, sections, version), entry.chunks(version))]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint8)


def finish_member(entry: MemberEntry, sections: list[bytes], codes: np.ndarray | None, version: int) -> bytes:
    """A member's original bytes from its decoded codes (None for a raw member), verified
    against its SHA-256; ``version``: the archive's (from 3 on, its headers are in the index)."""
    what = f"member {entry.name!r}"
    if entry.kind == KIND_RAW:
        data = zstd.decompress(sections[0], entry.original_size, what)
    elif entry.kind == KIND_FASTA and codes is not None:
        headers = entry.header_lines if version >= HEADERS_IN_INDEX else None
        data = render_fasta(codes, sections[0], entry.original_size, headers)
    else:
        raise FormatError(f"{what}: unknown member kind {entry.kind}")
    if len(data) != entry.original_size or hashlib.sha256(data).digest() != entry.sha256:
        raise ChecksumError(f"{what} is damaged: its SHA-256 does not match")
    return data


def decode_member(entry: MemberEntry, sections: list[bytes], number: int, ref: ReferenceText,
                  max_refs: int, render: bool = True, literals: np.ndarray | None = None) -> bytes | None:
    """Rebuild a member (extending ``ref`` as the encoder did); ``render=False`` only extends
    ``ref`` (a member that is needed as a reference but not asked for). ``literals``: the
    member's literal bases when already decoded (on another thread)."""
    what = f"member {entry.name!r}"
    codes = None
    if entry.kind == KIND_RAW:
        if not render:
            return None
    elif entry.kind == KIND_FASTA:
        keep = is_reference(number, max_refs)
        if literals is None:
            literals = member_literals(entry, sections, 1)
        if not keep and not render:
            ref.extend(literals)
            return None
        codes = ref.decode(entry.bases, sections[1], literals, keep, what)
        if not render:
            return None
    return finish_member(entry, sections, codes, 1)
