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
from dataclasses import astuple, dataclass

import numpy as np

from ..entropy.cm import cm_decode, cm_encode
from ..errors import ChecksumError, FormatError
from ..format import zstd
from ..io.fasta import parse_fasta, render_fasta
from . import kernel
from .format import KIND_FASTA, KIND_RAW, MemberEntry

#: positions in the reference text are int32
MAX_REFERENCE_BASES = (1 << 31) - 1


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
    window_mis: int = 6  #: ... of which at most this many may differ for it to be a SNP
    switch: int = 128  #: after a SNP whose next run is shorter than this, look for a clearly longer diagonal
    margin: int = 32  #: bases indexed at each end of a long copy (0: index every position)

    def array(self) -> np.ndarray:
        return np.array(astuple(self), dtype=np.int64)

    @classmethod
    def from_tuple(cls, values: tuple[int, ...]) -> MatchParams:
        if len(values) != kernel.N_PRM:
            raise FormatError(f"expected {kernel.N_PRM} match parameters, got {len(values)}")
        p = cls(*values)
        if not (8 <= p.k <= 31 and 1 <= p.step <= 64 and 10 <= p.hash_bits <= 30 and p.candidates >= 1
                and p.min_match >= p.k and 1 <= p.snp_min <= 64 and p.max_indel <= 64 and p.cap >= p.min_match
                and 1 <= p.window <= 64 and 0 <= p.window_mis < p.window and 0 <= p.switch <= 1 << 16
                and (p.margin == 0 or p.k <= p.margin <= 1 << 20)):
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


def literal_level(level: int) -> int:
    """The cm level that codes a member's literal bases at collection ``level``."""
    return LEVELS[level][0]


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
            self.head = np.full(1 << params.hash_bits, -1, dtype=np.int32)
            self.chain = np.full(self.T.shape[0] // params.step + 2, -1, dtype=np.int32)
            self.ctag = np.zeros(self.chain.shape[0], dtype=np.uint16)
        self._nolog = np.zeros(0, dtype=np.int64)
        #: encoder counters: SNPs, jumps, near jumps, bytes of lengths, SNP bases, literal counts,
        #: targets, switches
        self.stats = np.zeros(8, dtype=np.int64)
        self._lits = self._buf = np.zeros(0, dtype=np.uint8)
        self._log = np.zeros(0, dtype=np.int64)

    def reserve(self, n: int) -> None:
        """Make room for ``n`` more bases at once (one allocation instead of doublings)."""
        need = self.end + n + 16
        if need > MAX_REFERENCE_BASES:
            raise ValueError(f"the reference text would exceed {MAX_REFERENCE_BASES} bases; split the "
                             "collection (seqcoder batch) or use fewer reference members")
        if need > self.T.shape[0]:
            size = max(need, self.T.shape[0] * 2)
            grown = np.empty(size, dtype=np.uint8)
            grown[:self.end] = self.T[:self.end]
            self.T = grown
            if self.params is not None:
                # chain and tag slots are written when a position is indexed, before any read
                chain = np.empty(size // self.params.step + 2, dtype=np.int32)
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

    def encode(self, codes: np.ndarray, keep: bool) -> tuple[bytes, np.ndarray]:
        """Tokens and literal bases of ``codes``; ``keep``: the codes stay as a reference."""
        if self.params is None:
            raise ValueError("a decoder's reference text cannot encode")
        n = codes.shape[0]
        self.reserve(n)
        base = self.end
        self.T[base:base + n] = codes
        if self._lits.shape[0] < n:  # scratch reused across members: no fresh pages to fault in
            self._lits = np.empty(n, dtype=np.uint8)
            self._log = np.empty(n // self.params.step + 2, dtype=np.int64)
            self._buf = np.empty(n // 2 + 1024, dtype=np.uint8)
        log, lits = self._log, self._lits
        stats = np.zeros(8, dtype=np.int64)
        while True:
            buf = self._buf
            probs = np.full(kernel.N_PROBS, 32768, dtype=np.int64)
            size, nlit, nlog = kernel.encode_member(codes, self.T, base, self._prm, self.head, self.chain,
                                                    self.ctag, log, probs, buf, lits, stats)
            if nlog < 0:
                raise RuntimeError("collection kernel: insert log too small")
            if size <= buf.shape[0]:
                break
            # tokens larger than the buffer (possible only on pathological input): again, with room
            kernel.undo_inserts(self.T, self._prm, self.head, self.chain, log, nlog)
            self._buf = np.empty(size + 1024, dtype=np.uint8)
            stats[:] = 0
        literals = lits[:nlit].copy()
        self.stats += stats
        if keep:
            self.end += n
        else:
            kernel.undo_inserts(self.T, self._prm, self.head, self.chain, log, nlog)
            self.extend(literals)
        return buf[:size].tobytes(), literals

    def decode(self, n: int, tokens: bytes, literals: np.ndarray, keep: bool, what: str) -> np.ndarray:
        """Rebuild ``n`` codes from tokens and literals; ``keep`` as in :meth:`encode`."""
        self.reserve(n)
        base = self.end
        probs = np.full(kernel.N_PROBS, 32768, dtype=np.int64)
        buf = np.frombuffer(tokens, dtype=np.uint8).copy()  # writable: one kernel codes both ways
        margin = self.params.margin if self.params is not None else 0
        long_copy = 2 * margin + self.params.step if self.params is not None and margin else 0
        copies = np.zeros(2 * (n // (long_copy + 1) + 1) if margin else 2, dtype=np.int64)
        rc = kernel.decode_member(n, self.T, base, buf, literals, literals.shape[0], probs, long_copy, copies)
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


def encode_member(name: str, data: bytes, number: int, ref: ReferenceText, level: int, max_refs: int,
                  raw: bool = False) -> EncodedMember:
    """Code one member against ``ref`` (which it then extends). ``raw``: store the bytes as they
    are (zstd), for input that is not nucleotide FASTA."""
    sha = hashlib.sha256(data).digest()
    if raw:
        payload = zstd.compress(data, zstd.RAW_LEVEL)
        entry = MemberEntry(name, len(data), sha, KIND_RAW, 0, 0, 0, level, 0)
        return EncodedMember(entry, [payload])
    parsed = parse_fasta(data)
    keep = is_reference(number, max_refs)
    tokens, literals = ref.encode(parsed.codes, keep)
    lit_level = literal_level(level)
    lit_payload = cm_encode(literals, lit_level)
    refs = number if max_refs == 0 else min(number, max_refs)
    entry = MemberEntry(name, len(data), sha, KIND_FASTA, int(parsed.codes.shape[0]), len(parsed.records),
                        int(literals.shape[0]), lit_level, refs)
    return EncodedMember(entry, [parsed.layout, tokens, lit_payload])


def member_literals(entry: MemberEntry, sections: list[bytes]) -> np.ndarray:
    """Decode only the literal section of a member (what the pool needs of a non-reference)."""
    if len(sections) != 3:
        raise FormatError(f"member {entry.name!r}: expected 3 sections, found {len(sections)}")
    try:
        return cm_decode(sections[2], entry.literals, entry.level)
    except ValueError as exc:
        raise FormatError(f"member {entry.name!r}: bad literal section ({exc})") from None


def decode_member(entry: MemberEntry, sections: list[bytes], number: int, ref: ReferenceText,
                  max_refs: int, render: bool = True, literals: np.ndarray | None = None) -> bytes | None:
    """Rebuild a member (extending ``ref`` as the encoder did); ``render=False`` only extends
    ``ref`` (a member that is needed as a reference but not asked for). ``literals``: the
    member's literal bases when already decoded (on another thread)."""
    what = f"member {entry.name!r}"
    if entry.kind == KIND_RAW:
        if not render:
            return None
        data = zstd.decompress(sections[0], entry.original_size, what)
    elif entry.kind == KIND_FASTA:
        keep = is_reference(number, max_refs)
        if literals is None:
            literals = member_literals(entry, sections)
        if not keep and not render:
            ref.extend(literals)
            return None
        codes = ref.decode(entry.bases, sections[1], literals, keep, what)
        if not render:
            return None
        data = render_fasta(codes, sections[0], entry.original_size)
    else:
        raise FormatError(f"{what}: unknown member kind {entry.kind}")
    if len(data) != entry.original_size or hashlib.sha256(data).digest() != entry.sha256:
        raise ChecksumError(f"{what} is damaged: its SHA-256 does not match")
    return data
