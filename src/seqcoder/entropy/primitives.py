"""Primitives shared by the cm kernels, written once and inlined into each (numba
``inline="always"``): one step of the binary arithmetic coder, one counter update, one
population count of a miss history.

::

    counters --(12-bit p)--> mixer --p--> code_bit(decode, bit, p, coder state) --> bytes
        ^                                         |
        +------- counter_next(e, bit, rate) <-----+ bit (known when encoding, decoded else)

Integer arithmetic only; the kernels' pure-Python twins call these compiled helpers, which
give the same integers as the interpreter would.
"""

from __future__ import annotations

from numba import njit

M32 = 0xFFFFFFFF


@njit(cache=True, inline="always")
def coder_start(decode, data):
    """Coder state ``(x1, x2, xv, dpos)`` at the start; a decoder reads its first 4 bytes."""
    xv = 0
    dpos = 0
    if decode:
        for _ in range(4):
            c = 0
            if dpos < data.shape[0]:
                c = int(data[dpos])
            dpos += 1
            xv = ((xv << 8) | c) & M32
    return 0, M32, xv, dpos


@njit(cache=True, inline="always")
def code_bit(decode, bit, p, x1, x2, xv, dpos, data, out, olen):
    """Code ``bit`` (encoder) or decode it (decoder) with P(bit = 1) = ``p`` / 4096.

    32-bit carry-less binary arithmetic coder (lpaq style). Payload reads past the end read
    zeros; output past the capacity of ``out`` is counted in ``olen`` but not stored.
    Returns ``(bit, x1, x2, xv, dpos, olen)``.
    """
    xmid = x1 + ((x2 - x1) >> 12) * p
    if decode:
        bit = 0
        if xv <= xmid:
            bit = 1
    if bit == 1:
        x2 = xmid
    else:
        x1 = xmid + 1
    while ((x1 ^ x2) & 0xFF000000) == 0:
        if decode:
            c = 0
            if dpos < data.shape[0]:
                c = int(data[dpos])
            dpos += 1
            xv = ((xv << 8) | c) & M32
        else:
            if olen < out.shape[0]:
                out[olen] = x2 >> 24
            olen += 1
        x1 = (x1 << 8) & M32
        x2 = ((x2 << 8) & M32) | 255
    return bit, x1, x2, xv, dpos, olen


@njit(cache=True, inline="always")
def coder_flush(x1, out, olen):
    """Encoder end: one byte that lies strictly inside [x1, x2] when followed by zeros."""
    if olen < out.shape[0]:
        out[olen] = (x1 >> 24) + 1
    return olen + 1


@njit(cache=True, inline="always")
def counter_next(e, bit, rate, limit):
    """A counter (22-bit probability << 10 | 10-bit count) after ``bit``: the probability
    moves by ``rate`` / 65536 of the error (the caller's rate table, indexed by the count);
    the count grows up to ``limit``."""
    cnt = e & 1023
    pp = e >> 10
    pp += (((bit << 22) - pp) * rate) >> 16
    if cnt < limit:
        cnt += 1
    return (pp << 10) | cnt


@njit(cache=True, inline="always")
def popcount16(x):
    """Number of set bits of a 16-bit miss history."""
    x = (x & 0x5555) + ((x >> 1) & 0x5555)
    x = (x & 0x3333) + ((x >> 2) & 0x3333)
    x = (x & 0x0F0F) + ((x >> 4) & 0x0F0F)
    return (x & 0x00FF) + (x >> 8)
