"""Primitives shared by the cm kernels, written once and inlined into each (numba
``inline="always"``): one step of the binary arithmetic coder, one counter update, one
population count of a miss history.

::

    counters --(12-bit p)--> mixer --p--> code_bit(decode, bit, p, coder state) --> bytes
        ^                                         |
        +------- counter_next(e, bit, rate) <-----+ bit (known when encoding, decoded else)

Integer arithmetic only: with numba's JIT off (``NUMBA_DISABLE_JIT=1``) the kernels and these
helpers run under the plain interpreter and give the same bytes; the twin tests hold the
compiled kernels to that (tests/unit/conftest.py).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import config, types
from numba.core import cgutils
from numba.extending import intrinsic

from .jit import njit

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


@intrinsic
def _prefetch(typingctx, arr, idx):
    """LLVM's ``prefetch`` (read, keep in all cache levels) of ``arr[idx]``: a hint only; it
    never faults and changes no value."""
    if not isinstance(arr, types.Array) or not isinstance(idx, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]],
                                       wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
            "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(arr, idx), codegen


def _prefetch_nothing(arr, idx):
    """The interpreter's prefetch (the JIT off, the twin tests): a hint only, nothing to do."""


if getattr(config, "DISABLE_JIT", False):  # an intrinsic runs only compiled
    _prefetch = _prefetch_nothing  # type: ignore[assignment]  # noqa: F811


@njit(cache=True, inline="always")
def prefetch(arr, idx):
    """Start loading the cache line of ``arr[idx]`` (random table accesses whose address is
    known a base ahead: the load then overlaps the work of the current base)."""
    _prefetch(arr, idx)


@njit(cache=True, inline="always")
def popcount16(x):
    """Number of set bits of a 16-bit miss history."""
    x = (x & 0x5555) + ((x >> 1) & 0x5555)
    x = (x & 0x3333) + ((x >> 2) & 0x3333)
    x = (x & 0x0F0F) + ((x >> 4) & 0x0F0F)
    return (x & 0x00FF) + (x >> 8)


@njit(cache=True, inline="always")
def prior_row(hn, ahead, g, gofs, gw, gbase, hidden):
    """Where group ``g``'s embedding row starts in ``E``, for the history ``hn``; with
    ``ahead`` = 1 for the base after ``hn`` (groups that do not read that base only)."""
    return (gbase[g] + ((hn >> (2 * (gofs[g] - ahead))) & ((1 << (2 * gw[g])) - 1))) * hidden


@njit(cache=True, inline="never")
def prior_eval(hn, gofs, gw, gbase, E, B1, W2, B2, hidden, shift, acc, zl):
    """The learned prior (:mod:`seqcoder.models.prior`) on the history register ``hn`` (newest
    base in the low bits): its three logits (high bit, low bit | high 0, low bit | high 1) in
    stretch units, written to ``zl``. Integer arithmetic, the same as ``prior_logits`` (the
    int32 sums wrap, so their order does not matter); the row slices let LLVM vectorise them."""
    ng = gofs.shape[0]
    for j in range(hidden):
        acc[j] = B1[j]
    g = 0
    while g < ng:
        if g + 5 <= ng:  # five rows a pass: a fifth of the loads and stores of ``acc``
            r0 = prior_row(hn, 0, g, gofs, gw, gbase, hidden)
            r1 = prior_row(hn, 0, g + 1, gofs, gw, gbase, hidden)
            r2 = prior_row(hn, 0, g + 2, gofs, gw, gbase, hidden)
            r3 = prior_row(hn, 0, g + 3, gofs, gw, gbase, hidden)
            r4 = prior_row(hn, 0, g + 4, gofs, gw, gbase, hidden)
            e0 = E[r0:r0 + hidden]
            e1 = E[r1:r1 + hidden]
            e2 = E[r2:r2 + hidden]
            e3 = E[r3:r3 + hidden]
            e4 = E[r4:r4 + hidden]
            for j in range(hidden):
                acc[j] += (np.int32(e0[j]) + np.int32(e1[j]) + np.int32(e2[j])
                           + np.int32(e3[j]) + np.int32(e4[j]))
            g += 5
        else:
            r0 = prior_row(hn, 0, g, gofs, gw, gbase, hidden)
            e0 = E[r0:r0 + hidden]
            for j in range(hidden):
                acc[j] += e0[j]
            g += 1
    z0 = B2[0]
    z1 = B2[1]
    z2 = B2[2]
    for j in range(hidden):
        a = min(max(int(acc[j]), 0), 1 << 30)
        z0 += a * W2[j]
        z1 += a * W2[hidden + j]
        z2 += a * W2[2 * hidden + j]
    zl[0] = z0 >> shift
    zl[1] = z1 >> shift
    zl[2] = z2 >> shift


@njit(cache=True, inline="always")
def clamp2047(z):
    """``z`` clamped to the stretch domain, +-2047."""
    if z > 2047:
        return 2047
    if z < -2047:
        return -2047
    return z


@njit(cache=True, inline="always")
def prior_features(acc, F, fo, hidden):
    """The prior's hidden activations ``min(max(acc, 0), 2^30)`` into ``F[fo:fo + hidden]``:
    the inputs of its output layer, and of the adapted copy of that layer (``adapt_logit``)."""
    for j in range(hidden):
        F[fo + j] = min(max(int(acc[j]), 0), 1 << 30)


@njit(cache=True, inline="always")
def adapt_logit(F, fo, V, vb, bias, hidden, shift):
    """The prior's output layer as learnt on this block so far: ``(bias << 8) + sum_j F[fo + j] *
    V[vb + j]`` (``V`` has 8 more fractional bits than ``W2``, from which it starts), shifted
    down by ``shift + 8`` and clamped to +-2047 (stretch units)."""
    z = bias << 8
    for j in range(hidden):
        z += F[fo + j] * V[vb + j]
    return clamp2047(z >> (shift + 8))


@njit(cache=True, inline="always")
def adapt_update(F, fo, V, vb, hidden, err, rate):
    """One online step of the adapted output layer: ``V += F * err >> rate`` (``err``: the
    coded bit minus its 12-bit probability)."""
    for j in range(hidden):
        V[vb + j] += (F[fo + j] * err) >> rate


@njit(cache=True, inline="always")
def hidden_init(HV, HU):
    """Deterministic start of a hidden-layer mixer: small pseudo-random input weights (so the
    units differ), output weights 1/4."""
    for q in range(HV.shape[0]):
        HV[q] = ((((q * 2654435761) & M32) >> 20) - 2048) * 4
    for q in range(HU.shape[0]):
        HU[q] = 16384


@njit(cache=True, inline="always")
def hidden_forward(X, ni, HV, HU, vb, ub, nh, SQ, hsig):
    """Hidden-layer mixer: unit ``j`` squashes ``sum_i X[i] * HV[vb + j*ni + i]`` (16 fractional
    bits) into ``hsig[j]`` (12 bits); the output, in stretch units, is ``sum_j (2 hsig[j] - 4096)
    * HU[ub + j] >> 20`` clamped to +-2047."""
    z = 0
    for j in range(nh):
        row = HV[vb + j * ni:vb + (j + 1) * ni]
        s = 0
        for q in range(ni):
            s += X[q] * row[q]
        s = clamp2047(s >> 16)
        sg = int(SQ[s + 2048])
        hsig[j] = sg
        z += (2 * sg - 4096) * HU[ub + j]
    return clamp2047(z >> 20)


@njit(cache=True, inline="always")
def hidden_update(err, X, ni, HV, HU, vb, ub, nh, hsig, shift):
    """One step of backpropagation for :func:`hidden_forward` with output error ``err``
    (12 bits: bit * 4096 - p); learning rates 2^-shift (output) and 2^-shift (input weights)
    in the units of the docstring above."""
    for j in range(nh):
        sg = hsig[j]
        t = (err * HU[ub + j]) >> 16
        d = (t * sg * (4096 - sg)) >> 23
        HU[ub + j] += (err * (2 * sg - 4096)) >> (8 + shift)
        row = HV[vb + j * ni:vb + (j + 1) * ni]
        for q in range(ni):
            row[q] += (d * X[q]) >> (4 + shift)
