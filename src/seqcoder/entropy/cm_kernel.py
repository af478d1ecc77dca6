"""The context-mixing nucleotide coder: one kernel for encoding and decoding.

Every base (code 0..3) is coded as two binary decisions: the high bit ``b1 = s >> 1`` (node 0)
and then the low bit given the high bit (node ``1 + b1``). Each context therefore owns three
binary counters. For every decision the kernel

1. reads the counters of all finite-context models (direct tables for low orders, 2-way hashed
   buckets with a 16-bit check for deep orders), of the forward and reverse-complement repeat
   models and of the hint model, and turns them into stretch-domain inputs;
2. mixes them with two gated logistic mixers (weight sets chosen by small contexts) whose
   outputs are combined by a final two-input mixer;
3. refines the result with two adaptive probability maps (APM/SSE);
4. codes (or decodes) the bit with a 32-bit binary arithmetic coder and updates everything.

After a base is known, every order-k model is also updated with the inverted repeat: the
context read on the other strand (reverse complement of the last k bases) followed by the
complement of the base k positions back.

Everything is integer arithmetic: 12-bit probabilities, stretch/squash tables built with
integer maths, integer mixer weights (16 fractional bits). The kernel is compiled with numba;
``cm_kernel.py_func`` runs the same source under the plain interpreter and produces the same
bytes (all 32-bit quantities are masked explicitly; every table read goes through ``int()``
so no numpy fixed-width scalar arithmetic can wrap differently).
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: number of integer parameters in ``prm`` (see :func:`cm_kernel`)
N_PRM = 16

_SQUASH_KNOTS = (1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047,
                 2549, 2994, 3348, 3607, 3785, 3901, 3975, 4022, 4050, 4068, 4079, 4085,
                 4089, 4092, 4093, 4094)


def _squash_int(d: int) -> int:
    if d > 2047:
        d = 2047
    if d < -2047:
        d = -2047
    w = d & 127
    j = (d >> 7) + 16
    v = (_SQUASH_KNOTS[j] * (128 - w) + _SQUASH_KNOTS[j + 1] * w + 64) >> 7
    return min(max(v, 1), 4095)


def build_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(SQ, ST, RT)``: squash (index d+2048), stretch (index p), counter rates."""
    sq = np.zeros(4096, dtype=np.int64)
    for d in range(-2048, 2048):
        sq[d + 2048] = _squash_int(d)
    st = np.zeros(4096, dtype=np.int64)
    pi = 0
    for x in range(-2047, 2048):
        v = _squash_int(x)
        for j in range(pi, v + 1):
            st[j] = x
        pi = v + 1
    for j in range(pi, 4096):
        st[j] = 2047
    rt = np.zeros(1024, dtype=np.int64)
    for k in range(1024):
        rt[k] = (65536 * 2) // (2 * k + 3)
    return sq, st, rt


@njit(cache=True)
def cm_kernel(decode, codes, hint, has_hint, orders, tbits, limits, irflags, prm, data,
              SQ, ST, RT):
    """Code ``codes`` (encode) or fill ``codes`` from ``data`` (decode).

    Returns ``(out, out_len)``: the coded bytes when encoding (``out[:out_len]``); when
    decoding, ``codes`` is filled in place and ``out`` is a dummy.

    ``prm``: 0 repeat-model min length, 1 repeat table bits, 2 miss threshold (of last 16),
    3 reverse-complement repeat model on/off, 4 mixer-1 rate, 5 mixer-2 rate, 6 final mixer
    rate, 7 APM rate, 8 repeat verify cap, 9 second forward repeat model min length (0: off),
    10 output capacity in bits per base, 11..15 reserved.
    """
    n = codes.shape[0]
    nm = orders.shape[0]
    M32 = 0xFFFFFFFF
    INIT = 2147483648  # p = 0.5 in 22 bits, count 0

    mm_len = prm[0]
    mm_bits = prm[1]
    mm_thr = prm[2]
    use_rc = prm[3]
    lr1 = prm[4]
    lr2 = prm[5]
    lr3 = prm[6]
    arate = prm[7]
    vcap = prm[8]

    # ---- context model tables: one flat array, 4 uint32 per slot (check, node0..2)
    base = np.zeros(nm, dtype=np.int64)
    direct = np.zeros(nm, dtype=np.int64)
    kmask = np.zeros(nm, dtype=np.int64)
    tot = 0
    for m in range(nm):
        base[m] = tot
        k = orders[m]
        kmask[m] = (1 << (2 * k)) - 1
        if 2 * k <= tbits[m]:
            direct[m] = 1
            tot += 4 << (2 * k)
        else:
            tot += 4 << tbits[m]
    T = np.full(tot, INIT, dtype=np.uint32)
    for m in range(nm):
        if direct[m] == 0:
            for j in range(base[m], base[m] + (4 << tbits[m]), 4):
                T[j] = 0
    slot = np.zeros(nm, dtype=np.int64)

    # ---- repeat models
    MT = np.full(1 << mm_bits, -1, dtype=np.int32)
    mmask = (1 << (2 * mm_len)) - 1
    KR = 24  # length of the reverse-complement register
    f_ptr = -1
    f_len = 0
    f_miss = 0
    r_ptr = -1
    r_len = 0
    r_miss = 0
    # adaptive maps for the repeat models: [len bucket 16][misses 0..8][node kind 2]
    FM = np.full(16 * 9 * 2, 32768 * 3, dtype=np.int64)
    RM = np.full(16 * 9 * 2, 32768 * 3, dtype=np.int64)
    for j in range(16 * 9 * 2):
        FM[j] = 49152
        RM[j] = 49152

    # ---- hint model: ctx = (hint value 5)(hit history 4)(order-2 16), 4 uint32 per ctx
    HT = np.full(5 * 4 * 16 * 4, INIT, dtype=np.uint32)
    hh = 0

    # ---- mixers
    NI = nm + 4  # orders, fwd repeat, rc repeat, hint, bias
    X = np.zeros(NI, dtype=np.int64)
    NS1 = 4 * 4 * 3
    NS2 = 20 * 16 * 3
    W1 = np.full(NS1 * NI, 65536 // 4, dtype=np.int64)
    W2 = np.full(NS2 * NI, 65536 // 4, dtype=np.int64)
    W3 = np.full(3 * 2, 32768, dtype=np.int64)

    # ---- APMs (33 knots per context, 16-bit probabilities)
    NA1 = 256 * 3
    NA2 = 4 * 3 * 3 * 3
    A1 = np.zeros(NA1 * 33, dtype=np.int64)
    A2 = np.zeros(NA2 * 33, dtype=np.int64)
    for c in range(NA1):
        for j in range(33):
            A1[c * 33 + j] = SQ[min((j - 16) * 128 + 2048, 4095)] * 16
    for c in range(NA2):
        for j in range(33):
            A2[c * 33 + j] = SQ[min((j - 16) * 128 + 2048, 4095)] * 16

    # ---- arithmetic coder
    x1 = 0
    x2 = M32
    xv = 0
    dpos = 0
    dlen = data.shape[0]
    if decode:
        out = np.zeros(1, dtype=np.uint8)
        for j in range(4):
            c = 0
            if dpos < dlen:
                c = int(data[dpos])
            dpos += 1
            xv = ((xv << 8) | c) & M32
    else:
        out = np.zeros(n * prm[10] // 8 + 64, dtype=np.uint8)
    olen = 0
    ocap = out.shape[0]

    h = 0  # forward history, 2 bits per base, newest lowest, 48 bits kept
    rr = 0  # reverse-complement register (KR bases)
    H48 = (1 << 48) - 1

    for i in range(n):
        # ------------------------------------------------ contexts for base i
        for m in range(nm):
            c = h & kmask[m]
            if direct[m] == 1:
                slot[m] = base[m] + (c << 2)
            else:
                lo = c & 0xFFFFFF
                hi = c >> 24
                hv = (lo * 0x2F0B3A49 + hi * 0x1B873593 + orders[m] * 0x61C88647) & M32
                hv = ((hv ^ (hv >> 15)) * 0x2C1B3C6D) & M32
                hv = hv ^ (hv >> 13)
                h2 = (lo * 0x3A8F05C5 + hi * 0x2545F491 + 0x9E3779B) & M32
                h2 = ((h2 ^ (h2 >> 16)) * 0x045D9F3B) & M32
                chk = (h2 >> 16) + 1
                s0 = base[m] + (((hv >> (32 - tbits[m])) & 0xFFFFFFFE) << 2)
                if int(T[s0]) == chk:
                    slot[m] = s0
                elif int(T[s0 + 4]) == chk:
                    slot[m] = s0 + 4
                else:
                    if (int(T[s0 + 1]) & 1023) <= (int(T[s0 + 5]) & 1023):
                        s1 = s0
                    else:
                        s1 = s0 + 4
                    T[s1] = chk
                    T[s1 + 1] = INIT
                    T[s1 + 2] = INIT
                    T[s1 + 3] = INIT
                    slot[m] = s1
        hvv = 4
        if has_hint:
            hvv = int(hint[i])
            if hvv > 4:
                hvv = 4
        hslot = ((hvv * 4 + hh) * 16 + (h & 15)) * 4
        f_sym = -1
        if f_ptr >= 0:
            f_sym = int(codes[f_ptr])
        r_sym = -1
        if r_ptr >= 0:
            r_sym = 3 - int(codes[r_ptr])
        fmc = 0
        if f_ptr >= 0:
            fmc = f_miss & 0xFF
            fmc = (fmc & 0x55) + ((fmc >> 1) & 0x55)
            fmc = (fmc & 0x33) + ((fmc >> 2) & 0x33)
            fmc = (fmc & 0x0F) + (fmc >> 4)
        rmc = 0
        if r_ptr >= 0:
            rmc = r_miss & 0xFF
            rmc = (rmc & 0x55) + ((rmc >> 1) & 0x55)
            rmc = (rmc & 0x33) + ((rmc >> 2) & 0x33)
            rmc = (rmc & 0x0F) + (rmc >> 4)
        flb = f_len
        if flb > 15:
            flb = 15
        rlb = r_len
        if rlb > 15:
            rlb = 15

        sym = 0
        if not decode:
            sym = int(codes[i])
        b1 = 0
        for node in range(2):
            # ---------------------------------------------- one binary decision
            if node == 0:
                nidx = 1
                nctx = 0
            else:
                nidx = 2 + b1
                nctx = 1 + b1
            for m in range(nm):
                e = int(T[slot[m] + nidx])
                if (e & 1023) == 0:
                    X[m] = 0
                else:
                    X[m] = ST[e >> 20]
            # forward repeat
            febit = -1
            fmi = 0
            if f_sym >= 0:
                if node == 0:
                    febit = f_sym >> 1
                elif (f_sym >> 1) == b1:
                    febit = f_sym & 1
            if febit >= 0:
                fmi = (flb * 9 + fmc) * 2 + node
                pf = FM[fmi] >> 4
                if febit == 1:
                    X[nm] = ST[pf]
                else:
                    X[nm] = -ST[pf]
            else:
                X[nm] = 0
            rebit = -1
            rmi = 0
            if r_sym >= 0:
                if node == 0:
                    rebit = r_sym >> 1
                elif (r_sym >> 1) == b1:
                    rebit = r_sym & 1
            if rebit >= 0:
                rmi = (rlb * 9 + rmc) * 2 + node
                pr = RM[rmi] >> 4
                if rebit == 1:
                    X[nm + 1] = ST[pr]
                else:
                    X[nm + 1] = -ST[pr]
            else:
                X[nm + 1] = 0
            e = int(HT[hslot + nidx])
            if (e & 1023) == 0:
                X[nm + 2] = 0
            else:
                X[nm + 2] = ST[e >> 20]
            X[nm + 3] = 256

            # mixer 1: repeat-model state
            fs = 0
            if febit >= 0:
                fs = 1
                if f_len >= 16:
                    fs = 2
                if f_len >= 32:
                    fs = 3
            rs = 0
            if rebit >= 0:
                rs = 1
                if r_len >= 16:
                    rs = 2
                if r_len >= 32:
                    rs = 3
            w1 = ((fs * 4 + rs) * 3 + nctx) * NI
            w2 = (((hvv * 4 + hh) * 16 + (h & 15)) * 3 + nctx) * NI
            d1 = 0
            d2 = 0
            for j in range(NI):
                d1 += X[j] * W1[w1 + j]
                d2 += X[j] * W2[w2 + j]
            d1 = d1 >> 16
            d2 = d2 >> 16
            if d1 > 2047:
                d1 = 2047
            if d1 < -2047:
                d1 = -2047
            if d2 > 2047:
                d2 = 2047
            if d2 < -2047:
                d2 = -2047
            p1 = SQ[d1 + 2048]
            p2 = SQ[d2 + 2048]
            w3 = nctx * 2
            d3 = (d1 * W3[w3] + d2 * W3[w3 + 1]) >> 16
            if d3 > 2047:
                d3 = 2047
            if d3 < -2047:
                d3 = -2047
            p3 = SQ[d3 + 2048]

            # APM 1: order-4 context
            a1c = (h & 255) * 3 + nctx
            s = d3 + 2048
            if s < 0:
                s = 0
            if s > 4095:
                s = 4095
            lo = s >> 7
            wt = s & 127
            ai1 = a1c * 33 + lo
            pa1 = (A1[ai1] * (128 - wt) + A1[ai1 + 1] * wt) >> 11
            # APM 2: repeat expectation
            fe = 0
            if febit >= 0:
                fe = 1 + febit
            re = 0
            if rebit >= 0:
                re = 1 + rebit
            fl = 0
            if febit >= 0:
                fl = 1
                if f_len >= 12:
                    fl = 2
                if f_len >= 28:
                    fl = 3
            a2c = ((fl * 3 + fe) * 3 + re) * 3 + nctx
            ai2 = a2c * 33 + lo
            pa2 = (A2[ai2] * (128 - wt) + A2[ai2 + 1] * wt) >> 11
            p = (p3 * 2 + pa1 + pa2 + 2) >> 2
            if p < 1:
                p = 1
            if p > 4095:
                p = 4095

            # ---------------------------------------------- code the bit
            xmid = x1 + ((x2 - x1) >> 12) * p
            if decode:
                bit = 0
                if xv <= xmid:
                    bit = 1
            else:
                if node == 0:
                    bit = sym >> 1
                else:
                    bit = sym & 1
            if bit == 1:
                x2 = xmid
            else:
                x1 = xmid + 1
            while ((x1 ^ x2) & 0xFF000000) == 0:
                if decode:
                    c = 0
                    if dpos < dlen:
                        c = int(data[dpos])
                    dpos += 1
                    xv = ((xv << 8) | c) & M32
                else:
                    if olen < ocap:
                        out[olen] = x2 >> 24
                    olen += 1
                x1 = (x1 << 8) & M32
                x2 = ((x2 << 8) & M32) | 255

            # ---------------------------------------------- update
            err = (bit << 12) - p1
            e1 = err * lr1
            err2 = (bit << 12) - p2
            e2 = err2 * lr2
            for j in range(NI):
                W1[w1 + j] += (X[j] * e1) >> 10
                W2[w2 + j] += (X[j] * e2) >> 10
            e3 = ((bit << 12) - p3) * lr3
            W3[w3] += (d1 * e3) >> 10
            W3[w3 + 1] += (d2 * e3) >> 10
            g = (bit << 16) + (bit << arate) - bit - bit
            ai = ai1 + (wt >> 6)
            A1[ai] += (g - A1[ai]) >> arate
            ai = ai2 + (wt >> 6)
            A2[ai] += (g - A2[ai]) >> arate
            for m in range(nm):
                ix = slot[m] + nidx
                e = int(T[ix])
                cnt = e & 1023
                pp = e >> 10
                pp += (((bit << 22) - pp) * RT[cnt]) >> 16
                if cnt < limits[m]:
                    cnt += 1
                T[ix] = (pp << 10) | cnt
            ix = hslot + nidx
            e = int(HT[ix])
            cnt = e & 1023
            pp = e >> 10
            pp += (((bit << 22) - pp) * RT[cnt]) >> 16
            if cnt < 255:
                cnt += 1
            HT[ix] = (pp << 10) | cnt
            if febit >= 0:
                hit = 0
                if febit == bit:
                    hit = 1
                FM[fmi] += ((hit << 16) - FM[fmi]) >> 6
            if rebit >= 0:
                hit = 0
                if rebit == bit:
                    hit = 1
                RM[rmi] += ((hit << 16) - RM[rmi]) >> 6
            if node == 0:
                b1 = bit
            else:
                sym = b1 * 2 + bit

        if decode:
            codes[i] = sym

        # ------------------------------------------------ after the base
        if hvv < 4:
            hit = 0
            if hvv == sym:
                hit = 1
            hh = ((hh << 1) | hit) & 3
        h = ((h << 2) | sym) & H48
        rr = (rr >> 2) | ((3 - sym) << (2 * (KR - 1)))

        # inverted repeats: context = reverse complement of the last k bases,
        # symbol = complement of the base k positions back
        for m in range(nm):
            k = orders[m]
            if irflags[m] == 0 or i < k:
                continue
            c = rr >> (2 * (KR - k))
            isym = 3 - ((h >> (2 * k)) & 3)
            if direct[m] == 1:
                s1 = base[m] + (c << 2)
            else:
                lo = c & 0xFFFFFF
                hi = c >> 24
                hv = (lo * 0x2F0B3A49 + hi * 0x1B873593 + orders[m] * 0x61C88647) & M32
                hv = ((hv ^ (hv >> 15)) * 0x2C1B3C6D) & M32
                hv = hv ^ (hv >> 13)
                h2 = (lo * 0x3A8F05C5 + hi * 0x2545F491 + 0x9E3779B) & M32
                h2 = ((h2 ^ (h2 >> 16)) * 0x045D9F3B) & M32
                chk = (h2 >> 16) + 1
                s0 = base[m] + (((hv >> (32 - tbits[m])) & 0xFFFFFFFE) << 2)
                if int(T[s0]) == chk:
                    s1 = s0
                elif int(T[s0 + 4]) == chk:
                    s1 = s0 + 4
                else:
                    if (int(T[s0 + 1]) & 1023) <= (int(T[s0 + 5]) & 1023):
                        s1 = s0
                    else:
                        s1 = s0 + 4
                    T[s1] = chk
                    T[s1 + 1] = INIT
                    T[s1 + 2] = INIT
                    T[s1 + 3] = INIT
            ib1 = isym >> 1
            for node in range(2):
                if node == 0:
                    ix = s1 + 1
                    bit = ib1
                else:
                    ix = s1 + 2 + ib1
                    bit = isym & 1
                e = int(T[ix])
                cnt = e & 1023
                pp = e >> 10
                pp += (((bit << 22) - pp) * RT[cnt]) >> 16
                if cnt < limits[m]:
                    cnt += 1
                T[ix] = (pp << 10) | cnt

        # repeat models: follow, score, drop
        if f_ptr >= 0:
            if f_sym == sym:
                f_len += 1
                f_miss = (f_miss << 1) & 0xFFFF
            else:
                f_len = 0
                f_miss = ((f_miss << 1) | 1) & 0xFFFF
            f_ptr += 1
            mc = f_miss
            mc = (mc & 0x5555) + ((mc >> 1) & 0x5555)
            mc = (mc & 0x3333) + ((mc >> 2) & 0x3333)
            mc = (mc & 0x0F0F) + ((mc >> 4) & 0x0F0F)
            mc = (mc & 0x00FF) + (mc >> 8)
            if mc > mm_thr or f_ptr > i:
                f_ptr = -1
        if r_ptr >= 0:
            if r_sym == sym:
                r_len += 1
                r_miss = (r_miss << 1) & 0xFFFF
            else:
                r_len = 0
                r_miss = ((r_miss << 1) | 1) & 0xFFFF
            r_ptr -= 1
            mc = r_miss
            mc = (mc & 0x5555) + ((mc >> 1) & 0x5555)
            mc = (mc & 0x3333) + ((mc >> 2) & 0x3333)
            mc = (mc & 0x0F0F) + ((mc >> 4) & 0x0F0F)
            mc = (mc & 0x00FF) + (mc >> 8)
            if mc > mm_thr:
                r_ptr = -1
        if i + 1 >= mm_len:
            c = h & mmask
            lo = c & 0xFFFFFF
            hi = c >> 24
            hv = (lo * 0x2F0B3A49 + hi * 0x1B873593 + 0x7F4A7C15) & M32
            hv = ((hv ^ (hv >> 15)) * 0x2C1B3C6D) & M32
            hv = hv ^ (hv >> 13)
            mi = hv >> (32 - mm_bits)
            if f_ptr < 0:
                cand = int(MT[mi])
                if cand > 0:
                    ln = 0
                    while ln < vcap and cand - 1 - ln >= 0 and int(codes[cand - 1 - ln]) == int(codes[i - ln]):
                        ln += 1
                    if ln >= mm_len:
                        f_ptr = cand
                        f_len = ln
                        f_miss = 0
            MT[mi] = i + 1
            if use_rc and r_ptr < 0:
                c = rr >> (2 * (KR - mm_len))
                lo = c & 0xFFFFFF
                hi = c >> 24
                hv = (lo * 0x2F0B3A49 + hi * 0x1B873593 + 0x7F4A7C15) & M32
                hv = ((hv ^ (hv >> 15)) * 0x2C1B3C6D) & M32
                hv = hv ^ (hv >> 13)
                mi = hv >> (32 - mm_bits)
                cand = int(MT[mi])
                j0 = cand - mm_len - 1
                if cand > 0 and j0 >= 0:
                    ln = 0
                    while ln < vcap and j0 + 1 + ln <= i - ln and int(codes[j0 + 1 + ln]) == 3 - int(codes[i - ln]):
                        ln += 1
                    if ln >= mm_len:
                        r_ptr = j0
                        r_len = ln
                        r_miss = 0

    if not decode:
        # flush: one byte that lies strictly inside [x1, x2] when followed by zeros
        if olen < ocap:
            out[olen] = (x1 >> 24) + 1
        olen += 1
    return out, olen
