"""Which earlier member a new member is coded against (collection format version 2).

Every member of a version-2 archive has at most one *parent*: an earlier member whose codes
begin its reference text (after the pool, :mod:`.coder`). Getting a member decodes its chain
of parents, so the chain is bounded: a member is a parent only while its *depth* (the length
of its chain) is below the archive's ``max_depth``.

The parent is the earlier member that shares the most of the new member's k-mers, measured
on FracMinHash sketches (:mod:`seqcoder.batch.sketch`'s hash; every canonical k-mer hash at
or below a threshold, so two sketches compare exactly on the hashes below the smaller one).
Sketches live only in the encoder's memory (about ``8 * bases / SCALED`` bytes per member);
the archive stores only the choice.

>>> import numpy as np
>>> rng = np.random.default_rng(3)
>>> a = rng.integers(0, 4, 300_000).astype(np.uint8)
>>> b = a.copy(); b[::997] ^= 1
>>> c = rng.integers(0, 4, 300_000).astype(np.uint8)
>>> chooser = ParentChooser(max_depth=4)
>>> [chooser.add(x) for x in (a, c, b)]
[-1, -1, 0]
>>> chooser.depths
[0, 0, 1]
"""

from __future__ import annotations

import numpy as np
from numba import njit

K = 21  #: k-mer length of the sketches
SCALED = 1000  #: a sketch keeps the hashes below 2**64 / SCALED ...
MIN_HASHES = 64  #: ... or, for a small genome, its MIN_HASHES smallest
#: a candidate shares at least this Jaccard of sampled k-mers to be worth a decoded parent
MIN_JACCARD = 0.02
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


def sketch(codes: np.ndarray, k: int = K, scaled: int = SCALED, min_hashes: int = MIN_HASHES
           ) -> tuple[int, np.ndarray]:
    """(threshold, sorted unique hashes) of ``codes``: FracMinHash with a floor of
    ``min_hashes`` hashes for small genomes."""
    threshold = (1 << 64) // scaled
    n = max(codes.shape[0] - k + 1, 0)
    # a genome with fewer than scaled * min_hashes k-mers keeps them all, then its floor
    if n < scaled * min_hashes:
        threshold = (1 << 64) - 1
    out = np.empty(n if threshold == (1 << 64) - 1 else n // scaled * 2 + 1024, dtype=np.uint64)
    while True:
        m = _sampled_hashes(np.ascontiguousarray(codes, dtype=np.uint8), k, _U64(threshold), out)
        if m < out.shape[0] or threshold == (1 << 64) - 1:
            break
        out = np.empty(out.shape[0] * 2, dtype=np.uint64)  # an unusually skewed genome
    hashes = np.unique(out[:m])
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


class ParentChooser:
    """The encoder's record of every member's sketch and depth; :meth:`add` picks a parent.

    Deterministic: the choice depends only on the members' codes and order (ties go to the
    earlier member), never on threads or timing.
    """

    def __init__(self, max_depth: int):
        self.max_depth = max_depth
        self.depths: list[int] = []
        self._hashes = np.zeros(1 << 16, dtype=np.uint64)  #: every sketch, end to end (grown by doubling)
        self._starts = [0]
        self._thresholds: list[int] = []
        self._usable: list[bool] = []  #: depth below max_depth: may be a parent

    @staticmethod
    def sketch(codes: np.ndarray) -> tuple[int, np.ndarray]:
        """A member's sketch (thread-safe: it may be made ahead, on another thread)."""
        return sketch(codes)

    def choose(self, sk: tuple[int, np.ndarray]) -> int:
        """The parent (-1: none) for a member of sketch ``sk`` among the members recorded so far."""
        if not self.depths or self.max_depth == 0 or sk[1].shape[0] == 0:
            return -1
        counts = np.zeros(2 * len(self.depths), dtype=np.int64)
        _shared_counts(sk[1], _U64(sk[0]), self._hashes[:self._starts[-1]], np.array(self._starts, dtype=np.int64),
                       np.array(self._thresholds, dtype=np.uint64), counts)
        shared, union = counts[0::2], np.maximum(counts[1::2], 1)
        score = np.where(self._usable, shared / union, -1.0)
        best = int(np.argmax(score))  # argmax: the first of equal scores, the earlier member
        return best if score[best] >= MIN_JACCARD else -1

    def record(self, parent: int, sk: tuple[int, np.ndarray]) -> None:
        """Append the member just coded, with the parent it was coded against."""
        depth = 0 if parent < 0 else self.depths[parent] + 1
        self._append(depth, depth < self.max_depth, sk)

    def record_raw(self) -> None:
        """Append a member that is not FASTA: never a parent."""
        self._append(0, False, (0, np.zeros(0, dtype=np.uint64)))

    def _append(self, depth: int, usable: bool, sk: tuple[int, np.ndarray]) -> None:
        self.depths.append(depth)
        self._usable.append(usable)
        end = self._starts[-1] + sk[1].shape[0]
        if end > self._hashes.shape[0]:
            grown = np.empty(max(end, 2 * self._hashes.shape[0]), dtype=np.uint64)
            grown[:self._starts[-1]] = self._hashes[:self._starts[-1]]
            self._hashes = grown
        self._hashes[self._starts[-1]:end] = sk[1]
        self._starts.append(end)
        self._thresholds.append(sk[0])

    def add(self, codes: np.ndarray) -> int:
        """Sketch, :meth:`choose` and :meth:`record` a member; returns its parent."""
        sk = self.sketch(codes)
        parent = self.choose(sk)
        self.record(parent, sk)
        return parent
