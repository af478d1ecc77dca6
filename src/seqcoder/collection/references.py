"""Which earlier members a new member is coded against (collection format version 2).

A member of a version-2 archive has a few *parents*: earlier members whose codes follow the
pool in its reference text (:mod:`.coder`). Getting a member decodes its *closure* (itself,
its parents, their parents, ...), so the closure is bounded: the first parent's chain of first
parents is at most the archive's ``max_depth`` long, and further parents are taken only while
the closure stays within :data:`MAX_CLOSURE` members and :data:`CLOSURE_BASES` bases (members
already in it cost nothing).

The first parent is the candidate with the largest share of k-mers in common with the new
member; each further one, among the :data:`CANDIDATES` best by that share, the one that holds
the most of the member's k-mers that the parents chosen so far do not (greedy cover: a second
copy of the first parent's lineage adds less than a relative that holds other genes). Both are
measured on FracMinHash sketches (:mod:`seqcoder.batch.sketch`'s hash; every canonical k-mer hash at or
below a threshold, so two sketches compare exactly on the hashes below the smaller one).
Sketches live only in the encoder's memory (about ``8 * bases / SCALED`` bytes per member);
the archive stores only the choice.

>>> import numpy as np
>>> rng = np.random.default_rng(3)
>>> a = rng.integers(0, 4, 300_000).astype(np.uint8)
>>> b = a.copy(); b[::997] ^= 1
>>> c = rng.integers(0, 4, 300_000).astype(np.uint8)
>>> chooser = ParentChooser(max_depth=8, max_parents=4, max_parent_bases=10_000_000)
>>> [chooser.add(x) for x in (a, c, b)]
[(), (), (0,)]
>>> sorted(chooser.closures[2])
[0, 2]
"""

from __future__ import annotations

import numpy as np

from ..entropy.jit import njit

K = 21  #: k-mer length of the sketches
SCALED = 1000  #: a sketch keeps the hashes below 2**64 / SCALED ...
MIN_HASHES = 64  #: ... or, for a small genome, its MIN_HASHES smallest
#: a candidate shares at least this Jaccard of sampled k-mers to be worth a decoded parent
MIN_JACCARD = 0.005
#: further parents may grow a closure to at most this many members and bases (the first parent
#: may always be taken, so a closure exceeds them by at most one member per level of depth)
MAX_CLOSURE = 64
CLOSURE_BASES = 64_000_000
#: further parents are chosen from this many of the best candidates by shared k-mers ...
CANDIDATES = 64
#: ... by greedy cover (False: those ranked below the first parent, in that order, as before)
COVER = True
_U64 = np.uint64


@njit(cache=True, nogil=True)
def _sampled_hashes(codes, k, threshold, out):
    """The canonical k-mer hashes of ``codes`` at or below ``threshold`` (splitmix64 of the
    2-bit k-mer, as :func:`seqcoder.batch.sketch.kmer_hashes`), in order; returns their count."""
    mask = (_U64(1) << _U64(2 * k)) - _U64(1)
    shift = _U64(2 * (k - 1))
    fwd = _U64(0)
    rev = _U64(0)
    m = 0
    for i in range(codes.shape[0]):
        c = _U64(codes[i])
        fwd = ((fwd << _U64(2)) | c) & mask
        rev = (rev >> _U64(2)) | ((_U64(3) - c) << shift)
        if i >= k - 1:
            x = min(fwd, rev)
            x ^= x >> _U64(30)
            x *= _U64(0xBF58476D1CE4E5B9)
            x ^= x >> _U64(27)
            x *= _U64(0x94D049BB133111EB)
            x ^= x >> _U64(31)
            if x <= threshold and m < out.shape[0]:
                out[m] = x
                m += 1
    return m


def sampled_hashes(codes: np.ndarray, k: int, threshold: int) -> np.ndarray:
    """The canonical k-mer hashes of ``codes`` at or below ``threshold``, in order (repeats
    kept): what a FracMinHash sketch keeps, without an array of every position's hash."""
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    n = max(codes.shape[0] - k + 1, 0)
    # room for twice the expected count (exact integers); a skewed genome gets a second pass
    size = min(n, 2 * (n * (threshold + 1) >> 64) + 1024)
    while True:
        out = np.empty(size, dtype=np.uint64)
        m = _sampled_hashes(codes, k, _U64(threshold), out)
        if m < size or size == n:
            return out[:m]
        size = min(n, 2 * size)  # an unusually skewed genome


def sketch(codes: np.ndarray, k: int = K, scaled: int = SCALED, min_hashes: int = MIN_HASHES
           ) -> tuple[int, np.ndarray]:
    """(threshold, sorted unique hashes) of ``codes``: FracMinHash with a floor of
    ``min_hashes`` hashes for small genomes."""
    threshold = (1 << 64) // scaled
    n = max(codes.shape[0] - k + 1, 0)
    # a genome with fewer than scaled * min_hashes k-mers keeps them all, then its floor
    if n < scaled * min_hashes:
        threshold = (1 << 64) - 1
    hashes = np.unique(sampled_hashes(codes, k, threshold))
    if threshold == (1 << 64) - 1 and hashes.shape[0] > min_hashes:
        hashes = hashes[:max(min_hashes, n // scaled)]
        threshold = int(hashes[-1])
    return threshold, hashes


@njit(cache=True, nogil=True)
def _shared_counts(q, q_threshold, hashes, starts, thresholds, out):
    """For every candidate sketch j (``hashes[starts[j]:starts[j+1]]``), the hashes it shares
    with ``q`` and the size of their union, both below the smaller threshold."""
    for j in range(starts.shape[0] - 1):
        t = min(q_threshold, thresholds[j])
        a = 0
        b = starts[j]
        end = starts[j + 1]
        shared = 0
        union = 0
        while a < q.shape[0] and b < end:
            x = q[a]
            y = hashes[b]
            if x > t and y > t:
                break
            if x == y:
                shared += 1
                union += 1
                a += 1
                b += 1
            elif x < y:
                if x <= t:
                    union += 1
                a += 1
            else:
                if y <= t:
                    union += 1
                b += 1
        while a < q.shape[0] and q[a] <= t:
            union += 1
            a += 1
        while b < end and hashes[b] <= t:
            union += 1
            b += 1
        out[2 * j] = shared
        out[2 * j + 1] = union


@njit(cache=True, nogil=True)
def _holds(q, q_threshold, hashes, starts, thresholds, candidates, out):
    """``out[r, a]``: candidate ``candidates[r]``'s sketch holds ``q[a]`` (compared below the
    smaller threshold, as :func:`_shared_counts`)."""
    for r in range(candidates.shape[0]):
        j = candidates[r]
        t = min(q_threshold, thresholds[j])
        a = 0
        b = starts[j]
        end = starts[j + 1]
        while a < q.shape[0] and b < end and q[a] <= t:
            if q[a] == hashes[b]:
                out[r, a] = True
                a += 1
                b += 1
            elif q[a] < hashes[b]:
                a += 1
            else:
                b += 1


class ParentChooser:
    """The encoder's record of every member's sketch and closure; :meth:`choose` picks parents.

    Deterministic: the choice depends only on the members' codes and order (ties go to the
    earlier member), never on threads or timing.
    """

    def __init__(self, max_depth: int, max_parents: int, max_parent_bases: int):
        self.max_depth = max_depth  #: longest chain of first parents (what a get decodes)
        self.max_parents = max_parents
        self.max_parent_bases = max_parent_bases
        self.bases: list[int] = []
        self.depths: list[int] = []
        self.closures: list[frozenset[int]] = []
        self._hashes = np.zeros(1 << 16, dtype=np.uint64)  #: every sketch, end to end (grown by doubling)
        self._starts = [0]
        self._thresholds: list[int] = []
        self._fasta: list[bool] = []

    @staticmethod
    def sketch(codes: np.ndarray) -> tuple[int, np.ndarray]:
        """A member's sketch (thread-safe: it may be made ahead, on another thread)."""
        return sketch(codes)

    def choose(self, sk: tuple[int, np.ndarray]) -> tuple[int, ...]:
        """The parents (best first) for a member of sketch ``sk`` among the members recorded so far.

        The first parent is the best candidate whose depth is below ``max_depth``. Each next
        one is, of the :data:`CANDIDATES` best, the one holding most of the member's sampled
        k-mers that no parent chosen so far holds (ties: the better ranked). The others must
        keep what a get decodes small: members already in the closure cost nothing (they
        are decoded anyway); others are taken while the closure stays within
        :data:`MAX_CLOSURE` members and :data:`CLOSURE_BASES` bases, and the parents together
        within ``max_parent_bases``.
        """
        if not self.bases or self.max_depth == 0 or self.max_parents == 0 or sk[1].shape[0] == 0:
            return ()
        hashes = self._hashes[:self._starts[-1]]
        starts = np.array(self._starts, dtype=np.int64)
        thresholds = np.array(self._thresholds, dtype=np.uint64)
        counts = np.zeros(2 * len(self.bases), dtype=np.int64)
        _shared_counts(sk[1], _U64(sk[0]), hashes, starts, thresholds, counts)
        score = np.where(self._fasta, counts[0::2] / np.maximum(counts[1::2], 1), -1.0)
        ranked = np.argsort(-score, kind="stable")  # stable: of equal scores, the earlier member
        ranked = ranked[score[ranked] >= MIN_JACCARD]
        at = next((r for r, c in enumerate(ranked.tolist()) if self.depths[c] < self.max_depth), None)
        if at is None:
            return ()
        first = int(ranked[at])
        if COVER:  # a member too deep to be the first parent may still be a further one
            candidates = [c for c in ranked[:CANDIDATES].tolist() if c != first]
        else:  # the rule before greedy cover, kept to measure it (benchmarks/collection_changes.py)
            candidates = ranked[at + 1:].tolist()
        holds = np.zeros((len(candidates), sk[1].shape[0]), dtype=np.bool_)
        _holds(sk[1], _U64(sk[0]), hashes, starts, thresholds, np.array(candidates, dtype=np.int64), holds)
        chosen = [first]
        closure = set(self.closures[first])
        closure_bases = sum(self.bases[j] for j in closure)
        parent_bases = self.bases[first]
        covered = np.zeros((1, sk[1].shape[0]), dtype=np.bool_)  # the member's k-mers the parents hold
        _holds(sk[1], _U64(sk[0]), hashes, starts, thresholds, np.array([first], dtype=np.int64), covered)
        covered = covered[0]
        open_ = np.ones(len(candidates), dtype=np.bool_)  # not chosen, and still within the bounds
        while len(chosen) < self.max_parents and open_.any():
            for r in np.flatnonzero(open_).tolist():
                c = candidates[r]
                extra = self.closures[c] - closure
                if (parent_bases + self.bases[c] > self.max_parent_bases
                        or extra and (len(closure) + len(extra) > MAX_CLOSURE
                                      or closure_bases + sum(self.bases[j] for j in extra) > CLOSURE_BASES)):
                    open_[r] = False  # the bounds only tighten as parents are added
            if not open_.any():
                break
            gain = np.where(open_, (holds & ~covered).sum(axis=1) if COVER else 0, -1)
            r = int(np.argmax(gain))  # of equal gains, the better ranked
            c = candidates[r]
            open_[r] = False
            covered |= holds[r]
            new = self.closures[c] - closure
            closure |= new
            closure_bases += sum(self.bases[j] for j in new)
            parent_bases += self.bases[c]
            chosen.append(c)
        return tuple(chosen)

    def record(self, parents: tuple[int, ...], sk: tuple[int, np.ndarray], bases: int) -> None:
        """Append the member just coded, with the parents it was coded against."""
        number = len(self.bases)
        closure = frozenset({number}.union(*(self.closures[p] for p in parents)))
        self._append(bases, self.depths[parents[0]] + 1 if parents else 0, closure, True, sk)

    def record_raw(self) -> None:
        """Append a member that is not FASTA: never a parent."""
        self._append(0, 0, frozenset({len(self.bases)}), False, (0, np.zeros(0, dtype=np.uint64)))

    def _append(self, bases: int, depth: int, closure: frozenset[int], fasta: bool, sk: tuple[int, np.ndarray]
                ) -> None:
        self.bases.append(bases)
        self.depths.append(depth)
        self.closures.append(closure)
        self._fasta.append(fasta)
        end = self._starts[-1] + sk[1].shape[0]
        if end > self._hashes.shape[0]:
            grown = np.empty(max(end, 2 * self._hashes.shape[0]), dtype=np.uint64)
            grown[:self._starts[-1]] = self._hashes[:self._starts[-1]]
            self._hashes = grown
        self._hashes[self._starts[-1]:end] = sk[1]
        self._starts.append(end)
        self._thresholds.append(sk[0])

    def add(self, codes: np.ndarray) -> tuple[int, ...]:
        """Sketch, :meth:`choose` and :meth:`record` a member; returns its parents."""
        sk = self.sketch(codes)
        parents = self.choose(sk)
        self.record(parents, sk, codes.shape[0])
        return parents
