"""Per-block encoder choices: a cheap pre-pass that decides what the cm models of a block are.

The choice is stored in the payload (FORMAT.md, cm version 4), so the decoder never repeats
the pre-pass; a different rule in a later seqcoder changes what it writes, never what it reads.

Today's pre-pass estimates how repetitive a block is: the share of sampled positions whose
canonical 20-mer (the smaller of it and its reverse complement) occurs at another sampled
position. Sampling every ``STEP``-th position finds the repeats whose copies lie a multiple of
``STEP`` apart, a ``1/STEP`` share of them whatever the repeat structure, so the count is
scaled back up. Light repeat followers pay where this share is high (many copies: phage
collections, transposon-rich genomes) and cost 20-25 % of speed everywhere.
"""

from __future__ import annotations

import numpy as np

#: k-mer length of the pre-pass (40 bits: exact, no hashing)
K = 20
#: every STEP-th position is sampled
STEP = 8


def repeat_share(codes: np.ndarray) -> float:
    """Estimated share of positions that start a 20-mer found elsewhere in ``codes`` on either
    strand (0..1).

    >>> rng = np.random.default_rng(0)
    >>> unit = rng.integers(0, 4, 5000).astype(np.uint8)
    >>> round(repeat_share(rng.integers(0, 4, 20000).astype(np.uint8)), 2)
    0.0
    >>> 0.6 < repeat_share(np.concatenate([unit, unit, unit[::-1] ^ 3, unit])) <= 1.0
    True
    """
    codes = np.asarray(codes, dtype=np.uint8)
    n = len(codes) - K + 1
    if n <= STEP:
        return 0.0
    starts = np.arange(0, n, STEP)
    fwd = np.zeros(len(starts), dtype=np.uint64)
    rev = np.zeros(len(starts), dtype=np.uint64)
    for t in range(K):
        b = codes[starts + t].astype(np.uint64)
        fwd = (fwd << np.uint64(2)) | b
        rev |= (np.uint64(3) - b) << np.uint64(2 * t)
    canon = np.minimum(fwd, rev)
    _, inverse, counts = np.unique(canon, return_inverse=True, return_counts=True)
    repeated = float((counts[inverse] > 1).mean())
    return min(1.0, repeated * STEP)
