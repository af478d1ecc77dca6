"""Integer tables shared by the cm kernels: squash, stretch and counter rates."""

from __future__ import annotations

import numpy as np

#: counter rate tables: rate = 1 / (n + d/100); ``limits`` picks one with ``id << 10``
RATE_D = (150, 125, 110, 102, 200, 300)

_SQUASH_KNOTS = (1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047,
                 2549, 2994, 3348, 3607, 3785, 3901, 3975, 4022, 4050, 4068, 4079, 4085,
                 4089, 4092, 4093, 4094)


def _squash(d: np.ndarray) -> np.ndarray:
    """12-bit logistic of ``d`` (stretch units of 1/256), by interpolation between knots."""
    d = np.clip(d, -2047, 2047)
    knots = np.array(_SQUASH_KNOTS, dtype=np.int64)
    w = d & 127
    j = (d >> 7) + 16
    return np.clip((knots[j] * (128 - w) + knots[j + 1] * w + 64) >> 7, 1, 4095)


def build_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(SQ, ST, RT)``: squash (index d+2048), stretch (index p), counter rates.

    ``ST[p]`` is the smallest ``x`` in -2047..2047 with ``squash(x) >= p`` (2047 past the top).
    """
    sq = _squash(np.arange(-2048, 2048, dtype=np.int64))
    v = _squash(np.arange(-2047, 2048, dtype=np.int64))  # non-decreasing
    first = np.searchsorted(v, np.arange(4096, dtype=np.int64), side="left")
    st = np.where(first < v.size, first - 2047, 2047).astype(np.int64)
    k = np.arange(1024, dtype=np.int64)
    rt = np.stack([(65536 * 100) // (100 * k + dd) for dd in RATE_D]).astype(np.int64)
    return sq, st, rt
