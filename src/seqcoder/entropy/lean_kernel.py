"""The lean coder of level 1: one context order, one repeat follower, one small mixer.

Built for speed (about 30 MB/s, bare bacterial DNA at about 1.90 bits per base) with the
counters, squash/stretch tables and arithmetic coder of :mod:`.cm_kernel`. Per base, two binary
decisions (high bit, then low bit given the high bit); per decision

1. the order-``k`` counter of the context (direct table, 22-bit probability + 10-bit count,
   adaptive rate 1/(n + 1.5) up to ``limit`` observations) gives one stretch input;
2. the forward repeat follower, when one is active, gives a second: the stretch of an adaptive
   map indexed by (run-length bucket, misses in the last 8 bases, node kind), signed by the bit
   the follower expects;
3. the two inputs and a bias are mixed by one of 12 weight sets (follower run-length class x
   node) and squashed into a 12-bit probability that the 32-bit binary arithmetic coder uses.

The follower: every ``istep``-th position, the position after the last ``mlen`` bases is stored
in a hash table of ``2^mbits`` entries (with a check of the hashed k-mer). While no follower is
active, the entry of the current k-mer is read, and used one base later (so the table read is
never waited for): when the base that followed the earlier occurrence equals the base just
coded and the match verifies backwards over more than ``mlen`` bases (at most ``vcap``), the
follower starts there. It is dropped after more than ``mthr`` misses in the last 16 bases.

Integer arithmetic only, every table read through ``int()``; all products stay below 2^63, so
the plain interpreter (``cm_lean.py_func``) gives the same bytes as the compiled kernel.
"""

from __future__ import annotations

import numpy as np

from .jit import njit
from .primitives import M32, code_bit, coder_flush, coder_start, counter_next, popcount16


#: the fields of :func:`cm_lean`'s ``prm``, in order: order k, follower min length (<= 16),
#: follower table bits (10..20), mixer rate, miss threshold (of the last 16), verify cap (> min
#: length), output capacity in bits per base, insert every istep-th position, counter limit
#: (<= 1023)
LEAN_FIELDS = ("k", "mlen", "mbits", "lr", "mthr", "vcap", "cap", "istep", "limit")
N_LEAN_PRM = len(LEAN_FIELDS)
L_K, L_MLEN, L_MBITS, L_LR, L_MTHR, L_VCAP, L_CAP, L_ISTEP, L_LIMIT = range(N_LEAN_PRM)


@njit(cache=True, nogil=True)
def cm_lean(decode, codes, prm, data, SQ, ST, RT):
    """Code ``codes`` (encode) or fill ``codes`` from ``data`` (decode); see the module doc.

    ``SQ``/``ST`` are the squash/stretch tables of :func:`.tables.build_tables`, ``RT`` its
    first counter-rate row. Returns ``(out, out_len)`` like :func:`.cm_kernel.cm_kernel`.
    """
    n = codes.shape[0]
    INIT = 2147483648  # p = 0.5 in 22 bits, count 0
    k = prm[L_K]
    mlen = prm[L_MLEN]
    mbits = prm[L_MBITS]
    lr = prm[L_LR]
    mthr = prm[L_MTHR]
    vcap = prm[L_VCAP]
    istep = prm[L_ISTEP]
    limit = prm[L_LIMIT]
    kmask = (1 << (2 * k)) - 1
    T = np.full(4 << (2 * k), INIT, dtype=np.uint32)  # per context: unused, node 0, 1, 2
    mmask = (1 << (2 * mlen)) - 1
    MT = np.zeros(1 << mbits, dtype=np.int32)
    msh = 32 - mbits
    pbits = 1
    while (1 << pbits) <= n + 1:
        pbits += 1
    cbits = 31 - pbits
    if cbits > 12:
        cbits = 12
    if cbits < 0:
        cbits = 0
    pmask = (1 << pbits) - 1
    cmask = (1 << cbits) - 1
    csh = msh - cbits
    # S: the follower's maps (24 length buckets x 9 miss counts x 2 node kinds, 16-bit
    # probabilities that it is right), then the mixer's weight sets (4 follower classes x 3
    # nodes x 3 inputs, 16 fractional bits)
    WO = 24 * 9 * 2
    S = np.full(WO + 12 * 3, 49152, dtype=np.int64)
    for j in range(12 * 3):
        S[WO + j] = 32768
    H48 = (1 << 48) - 1

    x1, x2, xv, dpos = coder_start(decode, data)
    if decode:
        out = np.zeros(1, dtype=np.uint8)
    else:
        out = np.zeros(n * prm[L_CAP] // 8 + 64, dtype=np.uint8)
    olen = 0

    h = 0  # history, 2 bits per base, newest lowest
    fptr = -1  # the follower: position of the base it predicts, -1: none
    flen = 0  # its current run of correct predictions
    fmiss = 0  # its misses of the last 16 bases, newest lowest
    fcnt = 0  # its misses of the last 8 bases
    pend = 0  # the repeat-table entry read at the previous base (0: none)
    icnt = istep
    for i in range(n):
        s0 = (h & kmask) << 2
        fsym = -1
        fctx = 0
        fs = 0
        if fptr >= 0:
            fsym = int(codes[fptr])
            lb = flen
            if lb > 15:
                lb = 16
                q = flen >> 5
                while q > 0 and lb < 23:
                    lb += 1
                    q >>= 1
            fctx = (lb * 9 + fcnt) * 2
            fs = 1
            if flen >= 16:
                fs = 2
            if flen >= 32:
                fs = 3
        sym = 0
        if not decode:
            sym = int(codes[i])
        # the two decisions are written out (node 0: high bit; node 1 + b1: low bit): a loop
        # over them runs ~20 % slower compiled
        # ---- node 0: the high bit b1
        e = int(T[s0 + 1])
        xk = int(ST[e >> 20])
        xf = 0
        eb = -1
        if fsym >= 0:
            eb = fsym >> 1
            xf = int(ST[int(S[fctx]) >> 4])
            if eb == 0:
                xf = -xf
        ws = WO + fs * 9
        d = (xk * int(S[ws]) + xf * int(S[ws + 1]) + 256 * int(S[ws + 2])) >> 16
        if d > 2047:
            d = 2047
        if d < -2047:
            d = -2047
        p = int(SQ[d + 2048])
        bit, x1, x2, xv, dpos, olen = code_bit(decode, sym >> 1, p, x1, x2, xv, dpos, data, out,
                                               olen)
        err = ((bit << 12) - p) * lr
        S[ws] += (xk * err) >> 14
        S[ws + 1] += (xf * err) >> 14
        S[ws + 2] += (256 * err) >> 14
        T[s0 + 1] = counter_next(e, bit, int(RT[e & 1023]), limit)
        if eb >= 0:
            hit = 1
            if eb != bit:
                hit = 0
            S[fctx] += ((hit << 16) - int(S[fctx])) >> 6
        b1 = bit

        # ---- node 1 + b1: the low bit
        ix = s0 + 2 + b1
        e = int(T[ix])
        xk = int(ST[e >> 20])
        xf = 0
        eb = -1
        if fsym >= 0 and (fsym >> 1) == b1:
            eb = fsym & 1
            xf = int(ST[int(S[fctx + 1]) >> 4])
            if eb == 0:
                xf = -xf
        ws = WO + (fs * 3 + 1 + b1) * 3
        d = (xk * int(S[ws]) + xf * int(S[ws + 1]) + 256 * int(S[ws + 2])) >> 16
        if d > 2047:
            d = 2047
        if d < -2047:
            d = -2047
        p = int(SQ[d + 2048])
        bit, x1, x2, xv, dpos, olen = code_bit(decode, sym & 1, p, x1, x2, xv, dpos, data, out,
                                               olen)
        err = ((bit << 12) - p) * lr
        S[ws] += (xk * err) >> 14
        S[ws + 1] += (xf * err) >> 14
        S[ws + 2] += (256 * err) >> 14
        T[ix] = counter_next(e, bit, int(RT[e & 1023]), limit)
        if eb >= 0:
            hit = 1
            if eb != bit:
                hit = 0
            S[fctx + 1] += ((hit << 16) - int(S[fctx + 1])) >> 6
        sym = b1 * 2 + bit

        if decode:
            codes[i] = sym
        h = ((h << 2) | sym) & H48

        # the follower: follow, score, drop
        if fptr >= 0:
            miss = 0
            if fsym == sym:
                flen += 1
            else:
                flen = 0
                miss = 1
            fmiss = ((fmiss << 1) | miss) & 0xFFFF
            fcnt += miss - ((fmiss >> 8) & 1)
            fptr += 1
            if popcount16(fmiss) > mthr or fptr > i:
                fptr = -1
        # the entry read one base ago: the k-mer that ended at base i - 1 occurred before,
        # followed by codes[pos]; when that equals base i and the match verifies, follow on
        if pend > 0 and fptr < 0:
            pos = pend & pmask
            ln = 0
            while ln < vcap and pos - ln >= 0 and int(codes[pos - ln]) == int(codes[i - ln]):
                ln += 1
            if ln > mlen:
                fptr = pos + 1
                flen = ln
                fmiss = 0
                fcnt = 0
        pend = 0
        # read (while no follower) and insert (every istep-th position) the last mlen bases
        icnt -= 1
        if i + 1 >= mlen and (fptr < 0 or icnt == 0):
            hv = ((h & mmask) * 0x5BD1E995) & M32
            mi = hv >> msh
            mchk = (hv >> csh) & cmask
            if fptr < 0:
                ent = int(MT[mi])
                if (ent >> pbits) == mchk:
                    pend = ent
            if icnt == 0:
                MT[mi] = (mchk << pbits) | (i + 1)
        if icnt == 0:
            icnt = istep

    if not decode:
        olen = coder_flush(x1, out, olen)
    return out, olen
