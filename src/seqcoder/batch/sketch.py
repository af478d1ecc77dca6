"""Sketches of genomes: canonical k-mer hashes below a threshold (FracMinHash with a floor).

A sketch keeps *every* canonical k-mer hash at or below its threshold. The threshold is
``2**64 / scaled`` (FracMinHash: a fixed fraction of the genome's k-mers, so big genomes keep
more) unless that would keep fewer than ``min_hashes``; then it is the ``min_hashes``-th
smallest hash (bottom-s MinHash), so a 5 kb plasmid still has a usable sketch. Since both kinds
are "all hashes <= t", two sketches compare exactly on the hashes below the smaller threshold.

Own code rather than sourmash: the codes are already parsed by the FASTA layer, the hash
(splitmix64 of the 2-bit k-mer) is integer-only and the same on every machine, and it adds no
compiled dependency: a numba loop (:func:`kmer_hashes`) with a numpy twin
(:func:`kmer_hashes_numpy`) that the tests compare it against. A sketch hashes with the
collection's kernel (:func:`seqcoder.collection.references.sampled_hashes`), which keeps only
the hashes below the threshold instead of an array of every position's.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> a = rng.integers(0, 4, 200_000).astype(np.uint8)
>>> b = a.copy(); b[::500] = (b[::500] + 1) % 4
>>> sa, sb = sketch_codes("a", a), sketch_codes("b", b)
>>> round(jaccard(sa, sa), 3), 0.85 < jaccard(sa, sb) < 0.97, jaccard(sa, sketch_codes("r", a[::-1]))
(1.0, True, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..collection.references import sampled_hashes
from ..entropy.jit import njit
from .defaults import K as DEFAULT_K, MIN_HASHES as DEFAULT_MIN_HASHES, SCALED as DEFAULT_SCALED

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True, slots=True)
class Sketch:
    """A genome's sketch plus what the planner needs to know of the genome."""

    name: str
    path: str
    original_size: int  #: uncompressed bytes of the input
    sha256: bytes  #: of the uncompressed bytes
    bases: int  #: A/C/G/T
    gc: float  #: G+C fraction of the bases (orders unrelated small genomes)
    threshold: int  #: every canonical hash <= threshold is in ``hashes``
    hashes: np.ndarray  #: sorted unique uint64

    def below(self, threshold: int) -> np.ndarray:
        return self.hashes[: int(np.searchsorted(self.hashes, np.uint64(threshold), side="right"))]


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection on 64 bits that spreads k-mers evenly."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True)
def _hash_kernel(codes: np.ndarray, k: int, out: np.ndarray) -> None:
    mask = (np.uint64(1) << np.uint64(2 * k)) - np.uint64(1)
    shift = np.uint64(2 * (k - 1))
    fwd = np.uint64(0)
    rev = np.uint64(0)
    for i in range(codes.shape[0]):
        c = np.uint64(codes[i])
        fwd = ((fwd << np.uint64(2)) | c) & mask
        rev = (rev >> np.uint64(2)) | ((np.uint64(3) - c) << shift)
        if i >= k - 1:
            x = min(fwd, rev)
            x ^= x >> np.uint64(30)
            x *= np.uint64(0xBF58476D1CE4E5B9)
            x ^= x >> np.uint64(27)
            x *= np.uint64(0x94D049BB133111EB)
            out[i - k + 1] = x ^ (x >> np.uint64(31))


def kmer_hashes(codes: np.ndarray, k: int = DEFAULT_K) -> np.ndarray:
    """Hashes of the canonical k-mers (the smaller of a k-mer and its reverse complement) of
    ``codes`` (uint8 0..3), one per position. k-mers that span two records are included: a few
    k per record, noise at the scale of a sketch."""
    if not 1 <= k <= 31:
        raise ValueError(f"k must be 1..31, got {k}")
    out = np.zeros(max(codes.shape[0] - k + 1, 0), dtype=np.uint64)
    if out.shape[0]:
        _hash_kernel(np.ascontiguousarray(codes, dtype=np.uint8), k, out)
    return out


def kmer_hashes_numpy(codes: np.ndarray, k: int = DEFAULT_K) -> np.ndarray:
    """The slow twin of :func:`kmer_hashes`, in numpy vector steps."""
    if not 1 <= k <= 31:
        raise ValueError(f"k must be 1..31, got {k}")
    n = codes.shape[0] - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    c = codes.astype(np.uint64)
    fwd = np.zeros(n, dtype=np.uint64)
    rev = np.zeros(n, dtype=np.uint64)
    three = np.uint64(3)
    for j in range(k):
        fwd = (fwd << np.uint64(2)) | c[j:j + n]
        rev |= (three - c[j:j + n]) << np.uint64(2 * j)
    with np.errstate(over="ignore"):
        return _mix64(np.minimum(fwd, rev))


def sketch_codes(name: str, codes: np.ndarray, *, path: str = "", original_size: int = 0, sha256: bytes = b"",
                 k: int = DEFAULT_K, scaled: int = DEFAULT_SCALED, min_hashes: int = DEFAULT_MIN_HASHES) -> Sketch:
    """The sketch of a genome given as its A/C/G/T codes."""
    if not 1 <= k <= 31:
        raise ValueError(f"k must be 1..31, got {k}")
    threshold = int(_MASK64) // scaled
    kept = np.unique(sampled_hashes(codes, k, threshold))
    if kept.shape[0] < min_hashes:  # a small genome: its smallest hashes, from all of them
        every = np.unique(kmer_hashes(codes, k))
        kept = every[:min_hashes]
        threshold = int(kept[-1]) if kept.shape[0] == min_hashes else int(_MASK64)
    bases = int(codes.shape[0])
    gc = float(np.count_nonzero((codes == 1) | (codes == 2)) / bases) if bases else 0.0
    return Sketch(name, path, original_size, sha256, bases, gc, threshold, kept)


def shared(a: Sketch, b: Sketch) -> tuple[int, int, int]:
    """(hashes in both, in a, in b), counted below the smaller of the two thresholds."""
    t = min(a.threshold, b.threshold)
    ha, hb = a.below(t), b.below(t)
    both = int(np.intersect1d(ha, hb, assume_unique=True).shape[0])
    return both, int(ha.shape[0]), int(hb.shape[0])


def jaccard(a: Sketch, b: Sketch) -> float:
    """Estimated Jaccard similarity of the two genomes' k-mer sets (0 when either is empty)."""
    both, na, nb = shared(a, b)
    union = na + nb - both
    return both / union if union else 0.0


def distance_matrix(sketches: list[Sketch]) -> np.ndarray:
    """1 - Jaccard for every pair (a square matrix; for ordering within one group only)."""
    n = len(sketches)
    d = np.zeros((n, n), dtype=np.float64)
    for i in range(n):
        for j in range(i + 1, n):
            d[i, j] = d[j, i] = 1.0 - jaccard(sketches[i], sketches[j])
    return d
