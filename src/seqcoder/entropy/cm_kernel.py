"""The context-mixing nucleotide coder: one kernel for encoding and decoding.

Every base (code 0..3) is coded as two binary decisions: the high bit ``b1 = s >> 1`` (node 0)
and then the low bit given the high bit (node ``1 + b1``). Each context therefore owns three
binary counters (22-bit probability + 10-bit count, adaptive rate 1/(n + d)). For every
decision the kernel

1. reads the counters of all finite-context models (direct tables for low orders, 2-way hashed
   buckets with a 16-bit check for deep orders), of the repeat followers and of the hint model,
   and turns them into stretch-domain inputs;
2. mixes them with three gated logistic mixers (weight sets chosen by the repeat state, by the
   order-2 context / hint state, and by how many orders have seen their context) whose outputs
   are combined by a final three-input mixer (``fast`` mode: one mixer only);
3. refines the result with two adaptive probability maps (APM/SSE): order-k context, and
   the expectation of the longest forward / reverse-complement followers (not in fast mode);
4. codes (or decodes) the bit with a 32-bit binary arithmetic coder and updates everything.

After a base is known, order-k models flagged for it are also updated with the inverted
repeat: the context read on the other strand (reverse complement of the last k bases) followed
by the complement of the base k positions back.

Repeat followers (XM copy experts / JARVIS repeat models): a hash table keeps the last ``NW``
positions of every ``mm_len``-mer. Free forward followers take verified earlier occurrences of
the last ``mm_len`` bases and predict the base that followed; reverse-complement followers take
occurrences of the reverse complement and walk backwards predicting complements. Each keeps
its run length and miss history (last 16); it predicts through an adaptive map indexed by
(follower, run-length bucket, misses in the last 8, node) and is dropped after more than
``mm_thr`` misses in the last 16 bases.

Everything is integer arithmetic: 12-bit probabilities, stretch/squash tables built with
integer maths, integer mixer weights (16 fractional bits). The kernel is compiled with numba;
with numba's JIT off (``NUMBA_DISABLE_JIT=1``) the same source, helpers included, runs under
the plain interpreter and produces the same bytes (all 32-bit quantities are masked explicitly; every table read goes through ``int()``
so no numpy fixed-width scalar arithmetic can wrap differently). Payload reads are
bounds-checked (bytes past the end read as zero).

Layout: :func:`cm_kernel` allocates each part's state; :func:`_code_bases` runs the loop, whose
work is done by role helpers (sections below: set-up, before a base, one binary decision,
updates after a bit, after a base), each inlined into it.
"""

from __future__ import annotations

import numpy as np

from .jit import njit
from .primitives import (M32, adapt_logit, adapt_update, clamp2047, code_bit, coder_flush,
                         coder_start, counter_next, hidden_forward, hidden_init, hidden_update,
                         popcount16, prefetch, prior_eval, prior_features, prior_row)
from .tables import RATE_D, build_tables  # noqa: F401  (re-exported; level 1 needs no import of this module)

__all__ = ["N_PRM", "RATE_D", "alloc_tables", "build_tables", "cm_kernel"]


#: the fields of ``prm``, in order: :func:`.cm.kernel_params` fills the array by these names
#: (from a :class:`.modelset.ModelSet`) and the kernel reads it through the ``P_*`` constants
#: below (compile-time constants)
PRM_FIELDS = (
    # repeat followers: min length, table bits, miss threshold (of the last 16), forward and
    # reverse-complement followers, verify cap, indel re-sync (min bases, largest shift),
    # maps keyed by lifetime accuracy (1: linear hits/tries, 2: miss-rate scale; 0: off)
    "mm_len", "mm_bits", "mm_thr", "nf", "nrc", "vcap", "rsync", "rsmax", "racc",
    # mixers: rates of mixers 1-2 and the final one, fast mode (one mixer, no APM), the
    # followers' vote as an input, hidden units of the hidden-layer mixer (0: off), its rate shift
    "lr1", "lr2", "lr3", "fast", "vote", "hmix", "hlr",
    # APMs: rate shift, order of the first one's context; output capacity in bits per base
    "arate", "apm1", "cap",
    # light followers (0: none), their seed length (<= 16), log2 buckets of their seed table
    # LT, positions kept per bucket, miss threshold (of the last 16)
    "nl", "lk", "lbits", "lw", "lthr",
    # the learned prior as a mixer input (0: off); its adapted output layer: bases of the
    # context that selects its weight set, learning-rate shift (0: off)
    "prior", "pak", "palr",
)
#: number of integer parameters in ``prm`` (see :func:`cm_kernel`)
N_PRM = len(PRM_FIELDS)
(P_MM_LEN, P_MM_BITS, P_MM_THR, P_NF, P_NRC, P_VCAP, P_RSYNC, P_RSMAX, P_RACC,
 P_LR1, P_LR2, P_LR3, P_FAST, P_VOTE, P_HMIX, P_HLR, P_ARATE, P_APM1, P_CAP,
 P_NL, P_LK, P_LBITS, P_LW, P_LTHR, P_PRIOR, P_PAK, P_PALR) = range(N_PRM)
#: length of the reverse-complement register (bases)
KR = 24


def alloc_tables(orders: np.ndarray, tbits: np.ndarray, prm: np.ndarray):
    """Allocate and initialise the big tables of :func:`cm_kernel` with numpy."""
    tot = 0
    T_parts = []
    for k, b in zip(orders.tolist(), tbits.tolist()):
        size = 4 << (2 * k) if 2 * k <= b else 4 << b
        T_parts.append((tot, size, 2 * k > b))
        tot += size
    T = np.full(tot, 2147483648, dtype=np.uint32)
    for start, size, hashed in T_parts:
        if hashed:
            T[start:start + size:4] = 0
    nw = max(int(prm[P_NF]), int(prm[P_NRC]), 1)
    MT = np.full((1 << int(prm[P_MM_BITS])) * nw, -1, dtype=np.int32)
    lsize = 1
    if int(prm[P_NL]) > 0:
        lsize = (1 << int(prm[P_LBITS])) * int(prm[P_LW])
    LT = np.full(lsize, 0, dtype=np.int32)
    return T, MT, LT


@njit(cache=True, nogil=True)
def cm_kernel(decode, codes, hint, has_hint, orders, tbits, limits, irflags, prm, data,
              SQ, ST, RT, T, MT, LT, PG):
    """Code ``codes`` (encode) or fill ``codes`` from ``data`` (decode).

    ``T``, ``MT`` and ``LT`` are the model, repeat and light-seed tables from
    :func:`alloc_tables`. ``PG`` is the learned prior as
    :attr:`seqcoder.models.prior.PriorWeights.kernel_arrays` gives it (read when ``prm``
    turns it on; a tuple of one-element arrays otherwise).
    Returns ``(out, out_len)``: the coded bytes when encoding (``out[:out_len]``); when
    decoding, ``codes`` is filled in place and ``out`` is a dummy.

    ``prm``: the integers named by :data:`PRM_FIELDS`. The state of each part is allocated
    here; :func:`_code_bases` codes the bases with it.
    """
    n = codes.shape[0]
    nm = orders.shape[0]
    # ---- orders: one flat table T (made by :func:`alloc_tables`, so that numpy can back it
    # with transparent huge pages), 4 uint32 per slot (check, node0..2)
    base, direct, kmask, big, lim, rid, tot = _order_layout(orders, tbits, limits)
    if T.shape[0] < tot:
        return np.zeros(1, dtype=np.uint8), -1
    order_state = (orders, tbits, irflags, base, direct, kmask, big, lim, rid, _zeros(nm))
    # ---- repeat followers: NF forward and NRC reverse-complement followers sharing one
    # table of the last NW positions of every hashed mm_len-mer
    NR, NW = _follower_counts(prm)[2:]
    if MT.shape[0] < (1 << prm[P_MM_BITS]) * NW:
        return np.zeros(1, dtype=np.uint8), -1
    follower_state = _follower_arrays(NR, NW, prm[P_RACC])
    # ---- light followers: NL cheap followers seeded by fresh matches of lk-mers (LW
    # positions per bucket of LT); their evidence is summed into one mixer input
    if prm[P_NL] > 0 and LT.shape[0] < (1 << prm[P_LBITS]) * prm[P_LW]:
        return np.zeros(1, dtype=np.uint8), -1
    light_state = _light_arrays(prm[P_NL])
    # ---- hint model: ctx = (hint value 5)(hit history 4)(order-2 16), 4 uint32 per ctx
    HT = np.full(5 * 4 * 16 * 4, 2147483648, dtype=np.uint32)
    # ---- the learned prior: its buffers (a batch of positions when encoding)
    use_prior = prm[P_PRIOR]
    use_adapt = use_prior and prm[P_PALR] > 0
    PCH = _prior_batch_size(decode, use_prior)
    prior_state = _prior_state(PCH, PG[7][0], use_adapt, prm[P_PAK], PG[5])
    # ---- mixers: inputs, the vote's map, the weights; APMs (33 knots per context)
    NI = _input_layout(nm + NR + 2, prm[P_VOTE], prm[P_NL] > 0, use_prior, use_adapt)[0]
    mixer_state = (np.zeros(NI, dtype=np.int64), np.full(4 * 4 * 4 * 3, 32768, dtype=np.int64),
                   *_mixer_weights(nm, NI, prm[P_HMIX]))
    apms = (_apm_table((1 << (2 * prm[P_APM1])) * 3, SQ),
            _apm_table(4 * 3 * 3 * 3 + 4 * 4 * 4 * 3, SQ))  # repeat expectations, then the vote
    out = np.zeros(1 if decode else n * prm[P_CAP] // 8 + 64, dtype=np.uint8)
    olen = _code_bases(decode, codes, hint, has_hint, prm, data, SQ, ST, RT, T, MT, LT, HT, PG,
                       order_state, follower_state, light_state, prior_state, mixer_state, apms,
                       out)
    return out, olen


# ``_nrt=False``: numba's flag for code without its runtime (no allocation, no reference counts)
@njit(cache=True, nogil=True, _nrt=False)  # type: ignore[call-overload]
def _code_bases(decode, codes, hint, has_hint, prm, data, SQ, ST, RT, T, MT, LT, HT, PG,
                order_state, follower_state, light_state, prior_state, mixer_state, apms, out):
    """The coding loop of :func:`cm_kernel`, over the state it allocated: per base, its
    contexts; per binary decision, the inputs, mixers, APMs, the coder and the updates; after
    the base, the followers. The role helpers do the work, all inlined here. Compiled without
    numba's reference counting (nothing here allocates): with it, every array handed to an
    inlined helper costs a reference-count update per call, which made the loop 1.5x slower.
    Returns the number of bytes coded into ``out``."""
    n = codes.shape[0]
    mm_len, mm_bits, mm_thr, vcap = prm[P_MM_LEN], prm[P_MM_BITS], prm[P_MM_THR], prm[P_VCAP]
    rsync, rsmax, racc = prm[P_RSYNC], prm[P_RSMAX], prm[P_RACC]
    NL, lk, lbits, LW, lthr = prm[P_NL], prm[P_LK], prm[P_LBITS], prm[P_LW], prm[P_LTHR]
    lr1, lr2, lr3, hlr, arate = prm[P_LR1], prm[P_LR2], prm[P_LR3], prm[P_HLR], prm[P_ARATE]
    fast, use_vote, NH = prm[P_FAST], prm[P_VOTE], prm[P_HMIX]
    use_prior, palr, pak = prm[P_PRIOR], prm[P_PALR], prm[P_PAK]
    use_adapt = use_prior and palr > 0
    H62 = (1 << 62) - 1  # the history keeps 31 bases

    orders, tbits, irflags, base, direct, kmask, big, lim, rid, slot = order_state
    nm = orders.shape[0]
    # followers (repeat-table entries: the position in the low pbits, a check of the k-mer above)
    rptr, rlen, rmiss, rsym, rctx, rebit, rmi, rhit, rtry, cpos, cln, RM = follower_state
    NF, NRC, NR, NW = _follower_counts(prm)
    mmask = (1 << (2 * mm_len)) - 1
    pbits = _position_bits(n)
    cmask = (1 << _check_bits(pbits, mm_bits)) - 1
    lptr, ldir, lhit, ltry, lmiss, lsym, lctx, lebit, LM, lsd = light_state
    nla = 0  # the active light followers are 0..nla-1
    lcbits = _check_bits(pbits, lbits)
    hh = 0  # the hint's hit history
    pgofs, pgw, pgbase, PE, PB1, PW2, PB2, pshape = PG
    phid, pshift = pshape[0], pshape[1]
    pacc, pzb, PF, VA = prior_state
    PCH = _prior_batch_size(decode, use_prior)
    pzo, pfo, pva, pa_ = 0, 0, 0, 2048  # this base's logits in pzb, activations in PF
    prior_rows = decode and use_prior > 0  # prefetched a base ahead when decoding
    NI, XV, XL, XP, XA = _input_layout(nm + NR + 2, use_vote, NL > 0, use_prior, use_adapt)
    X, VM, W1, W2, W3M, W3, HV, HU, hsig, W3H = mixer_state
    vmi = -1
    A1, A2 = apms
    a1mask = (1 << (2 * prm[P_APM1])) - 1
    x1, x2, xv, dpos = coder_start(decode, data)
    olen = 0

    h = 0  # forward history, 2 bits per base, newest lowest, 31 bases kept (the prior's reach)
    rr = 0  # reverse-complement register (KR bases)
    for i in range(n):
        # ------------------------------------------------ contexts for base i
        _prefetch_ahead(i, h, rr, NR, NRC, NW, mm_len, mm_bits, mmask, MT, big, orders, kmask,
                        direct, irflags, base, tbits, T)
        if prior_rows:
            _prefetch_prior_rows(h, pgofs, pgw, pgbase, phid, PE)
        if NL > 0 and i >= lk + 1:
            _light_ahead(h, rr, lk, lbits, LW, lcbits, LT, lsd)
        _order_slots(h, kmask, direct, base, orders, tbits, T, slot)
        hvv = min(int(hint[i]), 4) if has_hint else 4
        hslot = ((hvv * 4 + hh) * 16 + (h & 15)) * 4
        _follower_predictions(codes, NF, NR, racc, rptr, rlen, rmiss, rhit, rtry, rsym, rctx)
        _light_predictions(codes, nla, lptr, ldir, lhit, ltry, lmiss, lsym, lctx)
        if use_prior:
            pzo = 3 * (i % PCH)
            pfo = (i % PCH) * phid
            if i % PCH == 0:  # the prior's logits (and activations) for PCH positions from i
                hb = h
                for q in range(min(PCH, n - i)):
                    prior_eval(hb, pgofs, pgw, pgbase, PE, PB1, PW2, PB2, phid, pshift, pacc,
                               pzb[3 * q:3 * q + 3])
                    if use_adapt:
                        prior_features(pacc, PF, q * phid, phid)
                    if q + 1 < PCH:  # (encoding only: PCH is 1 when decoding)
                        hb = ((hb << 2) | int(codes[i + q])) & H62
        hc = 0 if fast else _orders_seen(slot, T)  # the third mixer's weight set
        sym = 0 if decode else int(codes[i])
        b1 = 0
        for node in range(2):
            # ---------------------------------------------- one binary decision
            nidx = 1 if node == 0 else 2 + b1  # the counter of this node in a slot
            nctx = 0 if node == 0 else 1 + b1  # the node kind
            # inputs: orders, followers, hint, bias, vote, light followers, prior
            _order_inputs(slot, nidx, T, ST, X)
            fbest, rbest = _follower_inputs(nm, NF, NR, node, b1, rsym, rctx, rlen, rebit, rmi,
                                            RM, ST, X)
            e = int(HT[hslot + nidx])
            X[nm + NR] = 0 if (e & 1023) == 0 or not has_hint else ST[e >> 20]
            X[nm + NR + 1] = 256
            if use_vote:
                vmi, xvote = _vote(NR, nctx, rebit, rlen, VM, ST)
                X[XV] = xvote
            if NL > 0:
                X[XL] = _light_input(nla, node, b1, lsym, lctx, lebit, LM, ST)
            if use_prior:
                X[XP] = clamp2047(pzb[pzo] if node == 0 else pzb[pzo + 1 + b1])
                if use_adapt:
                    pva = ((h & ((1 << (2 * pak)) - 1)) * 3 + nctx) * phid
                    X[XA] = adapt_logit(PF, pfo, VA, pva, PB2[nctx], phid, pshift)
                    pa_ = SQ[X[XA] + 2048]

            # mixers: three gated ones (weight sets: followers' state, order-2 / hint, orders
            # seen; ``fast``: the first alone), the hidden-layer one, the final one over them
            fs, rs, febit, f_len, rb = _follower_state(fbest, rbest, rlen, rebit)
            w1 = ((fs * 4 + rs) * 3 + nctx) * NI
            w2 = (((hvv * 4 + hh) * 16 + (h & 15)) * 3 + nctx) * NI
            w4 = (hc * 3 + nctx) * NI
            d1, d2, d4 = _gated_mixers(fast, X, W1, w1, W2, w2, W3M, w4)
            p1, p2, p4 = SQ[d1 + 2048], SQ[d2 + 2048], SQ[d4 + 2048]
            dh, ph = 0, 0
            if NH > 0 and not fast:
                dh = hidden_forward(X, NI, HV, HU, nctx * NH * NI, nctx * NH, NH, SQ, hsig)
                ph = SQ[dh + 2048]
            d3 = clamp2047((d1 * W3[nctx * 3] + d2 * W3[nctx * 3 + 1] + d4 * W3[nctx * 3 + 2]
                            + dh * W3H[nctx]) >> 16)
            p3 = SQ[d3 + 2048]
            p, ai1, ai2, wt = p1, 0, 0, 0  # APMs (none in fast mode)
            if not fast:
                a2c = _apm2_context(febit, f_len, rb, nctx, use_vote, vmi)
                p, ai1, ai2, wt = _apm(d3, p3, (h & a1mask) * 3 + nctx, a2c, A1, A2)
            p = min(max(p, 1), 4095)

            # ---------------------------------------------- code the bit
            bit = sym >> 1 if node == 0 else sym & 1
            bit, x1, x2, xv, dpos, olen = code_bit(decode, bit, p, x1, x2, xv, dpos, data, out,
                                                   olen)

            # ---------------------------------------------- update
            _gated_mixers_update(fast, X, ((bit << 12) - p1) * lr1, ((bit << 12) - p2) * lr2,
                                 ((bit << 12) - p4) * lr1, W1, w1, W2, w2, W3M, w4)
            if not fast:
                _final_mixer_update(((bit << 12) - p3) * lr3, d1, d2, d4, dh, nctx, NH, W3, W3H)
                if NH > 0:
                    hidden_update((bit << 12) - ph, X, NI, HV, HU, nctx * NH * NI, nctx * NH, NH,
                                  hsig, hlr)
                _apm_update(bit, arate, ai1, ai2, wt, A1, A2)
                if use_adapt:
                    adapt_update(PF, pfo, VA, pva, phid, (bit << 12) - pa_, palr)
            _order_counts_update(bit, slot, nidx, rid, lim, T, RT)
            if has_hint:
                e = int(HT[hslot + nidx])
                HT[hslot + nidx] = counter_next(e, bit, int(RT[0, e & 1023]), 255)
            _maps_update(bit, node, NR, rebit, rmi, RM, use_vote, vmi, VM, nla, lebit, lctx, LM)
            if node == 0:
                b1 = bit
            else:
                sym = b1 * 2 + bit

        if decode:
            codes[i] = sym

        # ------------------------------------------------ after the base
        if hvv < 4:
            hh = ((hh << 1) | (1 if hvv == sym else 0)) & 3
        h = ((h << 2) | sym) & H62
        rr = (rr >> 2) | ((3 - sym) << (2 * (KR - 1)))
        _inverted_repeats(i, h, rr, orders, irflags, direct, base, tbits, rid, lim, T, RT)
        for r in range(NR):  # followers: score, move, re-sync after an indel, drop
            if rptr[r] >= 0:
                _move_follower(codes, i, r, sym, r < NF, mm_thr, rsync, rsmax, rptr, rlen, rmiss,
                               rsym, rhit, rtry)
        if NL > 0:
            nla = _light_follow(i, sym, nla, lthr, lptr, ldir, lhit, ltry, lmiss, lsym)
            if lsd[0] >= 0:
                nla = _light_seed(codes, i, sym, nla, NL, lk, LW, pbits, (1 << pbits) - 1,
                                  lsd[0], lsd[1], lsd[2], lsd[3], lsd[4], lsd[5], lptr, ldir,
                                  lhit, ltry, lmiss, LT)
        if NR > 0 and i + 1 >= mm_len:  # then free followers seed, and base i joins MT
            _seed_followers(codes, i, h, rr, NF, NRC, NW, mm_len, mm_bits, mmask, pbits, cmask,
                            vcap, rptr, rlen, rmiss, rhit, rtry, cpos, cln, MT)

    if not decode:
        olen = coder_flush(x1, out, olen)
    return olen


# ---------------------------------------------------------------- set-up


@njit(cache=True, inline="always")
def _follower_counts(prm):
    """Forward and reverse-complement followers, all of them, and the positions the repeat
    table keeps per k-mer (one per follower of the larger kind)."""
    NF, NRC = prm[P_NF], prm[P_NRC]
    return NF, NRC, NF + NRC, max(NF, NRC, 1)


@njit(cache=True, inline="always")
def _follower_arrays(NR, NW, racc):
    """The repeat followers' state. Per follower: where it reads (-1: free), run length, miss
    history (last 16), the base it predicts (-1: none), its map context, the bit it expects
    here (-1: none), the map entry it read, lifetime hits and tries of the current follow.
    Then the verified candidates of a seeding (position, length) and the followers' adaptive
    maps: [follower, or its accuracy bucket with ``racc``][len bucket 24][misses 0..8][node
    kind 2]."""
    rptr = np.full(NR + 1, -1, dtype=np.int64)
    rlen, rmiss, rsym, rctx = _zeros(NR + 1), _zeros(NR + 1), _zeros(NR + 1), _zeros(NR + 1)
    rebit, rmi, rhit, rtry = _zeros(NR + 1), _zeros(NR + 1), _zeros(NR + 1), _zeros(NR + 1)
    nrm = NR + 1
    if racc and nrm < 8:
        nrm = 8
    RM = np.full(nrm * 24 * 9 * 2, 49152, dtype=np.int64)
    return rptr, rlen, rmiss, rsym, rctx, rebit, rmi, rhit, rtry, _zeros(NW + 1), _zeros(NW + 1), RM


@njit(cache=True, inline="always")
def _light_arrays(NL):
    """The light followers' state. Per light follower: where it reads, its direction, hits,
    tries, misses (last 16), the base it predicts, its map context, the bit it expects here.
    Then their map ([accuracy 8][misses 0..8][node kind 2]) and the seeds read a base ahead
    (:func:`_light_ahead`; none yet)."""
    NLa = max(NL, 1)
    lptr = np.full(NLa, -1, dtype=np.int64)
    ldir, lhit, ltry, lmiss = _zeros(NLa), _zeros(NLa), _zeros(NLa), _zeros(NLa)
    lsym, lctx, lebit = _zeros(NLa), _zeros(NLa), _zeros(NLa)
    LM = np.full(8 * 9 * 2, 49152, dtype=np.int64)
    lsd = np.zeros(6, dtype=np.int64)
    lsd[0] = -1
    return lptr, ldir, lhit, ltry, lmiss, lsym, lctx, lebit, LM, lsd


@njit(cache=True, inline="always")
def _zeros(size):
    """An int64 state array of ``size`` entries, zero."""
    return np.zeros(size, dtype=np.int64)


@njit(cache=True, inline="always")
def _position_bits(n):
    """Bits of a position 0..n + 1 (a table entry keeps it in its low bits)."""
    pbits = 1
    while (1 << pbits) <= n + 1:
        pbits += 1
    return pbits


@njit(cache=True, inline="always")
def _prior_state(PCH, phid, use_adapt, pak, PW2):
    """The prior's buffers: its hidden sums, the logits of a batch of ``PCH`` positions and
    their hidden activations, and the adapted output layer (``3 * phid`` weights per context
    of the last ``pak`` bases, from ``W2`` with 8 more fractional bits)."""
    pacc = np.zeros(max(phid, 1), dtype=np.int32)
    pzb = np.zeros(PCH * 3, dtype=np.int64)
    PF = np.zeros(PCH * phid if use_adapt else 1, dtype=np.int64)
    VA = np.zeros(3 * phid << (2 * pak) if use_adapt else 1, dtype=np.int64)
    if use_adapt:
        for q in range(VA.shape[0]):
            VA[q] = np.int64(PW2[q % (3 * phid)]) << 8
    return pacc, pzb, PF, VA


@njit(cache=True, inline="always")
def _prior_batch_size(decode, use_prior):
    """Positions per evaluation of the prior: encoding knows every base ahead, so the prior
    runs in batches, where its tables stay in cache; the decoder evaluates it base by base."""
    return 1024 if use_prior and not decode else 1


@njit(cache=True, inline="always")
def _input_layout(ni, vote, light, prior, adapt):
    """Where the optional mixer inputs go after the ``ni`` fixed ones (-1: not used):
    ``(inputs, vote, light followers, prior, adapted prior)``."""
    XV = -1
    if vote:
        XV = ni
        ni += 1
    XL = -1
    if light:
        XL = ni
        ni += 1
    XP = -1
    if prior:
        XP = ni
        ni += 1
    XA = -1
    if adapt:
        XA = ni
        ni += 1
    return ni, XV, XL, XP, XA


@njit(cache=True, inline="always")
def _mixer_weights(nm, NI, NH):
    """The mixers' weights at the start: mixers 1-3 (16 fractional bits, 1/4 each), the final
    mixer (1/3 each), the hidden-layer mixer (``NH`` units per node kind) and its weight in
    the final mixer; the hidden units' activations."""
    W1 = np.full(4 * 4 * 3 * NI, 65536 // 4, dtype=np.int64)
    W2 = np.full(20 * 16 * 3 * NI, 65536 // 4, dtype=np.int64)
    W3M = np.full((nm + 1) * 3 * NI, 65536 // 4, dtype=np.int64)
    W3 = np.full(3 * 3, 21845, dtype=np.int64)
    NHa = max(NH, 1)
    HV = np.zeros(3 * NHa * NI, dtype=np.int64)
    HU = np.zeros(3 * NHa, dtype=np.int64)
    hidden_init(HV, HU)
    return W1, W2, W3M, W3, HV, HU, np.zeros(NHa, dtype=np.int64), np.full(3, 16384, dtype=np.int64)


@njit(cache=True, inline="always")
def _order_layout(orders, tbits, limits):
    """Where each order's slots start in ``T``, whether its table is direct, its context mask,
    whether its table is beyond the L2 cache (prefetched a base ahead), its count limit and
    rate table; and the size of ``T``."""
    nm = orders.shape[0]
    base = np.zeros(nm, dtype=np.int64)
    direct = np.zeros(nm, dtype=np.int64)
    kmask = np.zeros(nm, dtype=np.int64)
    big = np.zeros(nm, dtype=np.int64)
    lim = np.zeros(nm, dtype=np.int64)
    rid = np.zeros(nm, dtype=np.int64)
    tot = 0
    for m in range(nm):
        base[m] = tot
        k = orders[m]
        kmask[m] = (1 << (2 * k)) - 1
        if 2 * k <= tbits[m]:
            direct[m] = 1
            tot += 4 << (2 * k)
            big[m] = (16 << (2 * k)) > (1 << 18)
        else:
            tot += 4 << tbits[m]
            big[m] = 1
        lim[m] = limits[m] & 1023
        rid[m] = limits[m] >> 10
    return base, direct, kmask, big, lim, rid, tot


@njit(cache=True, inline="always")
def _apm_table(contexts, SQ):
    """An APM of ``contexts`` contexts of 33 knots, each starting as the identity."""
    A = np.zeros(contexts * 33, dtype=np.int64)
    for c in range(contexts):
        for j in range(33):
            A[c * 33 + j] = SQ[min((j - 16) * 128 + 2048, 4095)] * 16
    return A


# ---------------------------------------------------------------- before a base


@njit(cache=True, inline="always")
def _prefetch_ahead(i, h, rr, NR, NRC, NW, mm_len, mm_bits, mmask, MT, big, orders, kmask,
                    direct, irflags, base, tbits, T):
    """Start the random reads of the next base now, to overlap this base's work: the
    repeat-table buckets read after this base (for each of its 4 values), the next context of
    each order whose table is beyond the L2 cache (its 4 values share a cache line when the
    table is direct) and this base's inverted-repeat context (the new base is its top digit)."""
    if NR > 0 and i + 1 >= mm_len:
        for s4 in range(4):
            pf = _kmer_hash(((h & (mmask >> 2)) << 2) | s4, _REP_SALT)
            prefetch(MT, (pf >> (32 - mm_bits)) * NW)
            if NRC > 0:
                c = ((rr >> 2) | ((3 - s4) << (2 * (KR - 1)))) >> (2 * (KR - mm_len))
                pf = _kmer_hash(c, _REP_SALT)
                prefetch(MT, (pf >> (32 - mm_bits)) * NW)
    for m in range(orders.shape[0]):
        if big[m] == 0:
            continue
        k = orders[m]
        c = (h & (kmask[m] >> 2)) << 2
        for s4 in range(1 if direct[m] == 1 else 4):
            prefetch(T, _context_slot(base[m], c | s4, k, tbits[m], direct[m]))
        if irflags[m] != 0 and i >= k:
            c = (rr >> 2) >> (2 * (KR - k))
            for s4 in range(4):
                prefetch(T, _context_slot(base[m], c | ((3 - s4) << (2 * (k - 1))), k,
                                          tbits[m], direct[m]))


@njit(cache=True, inline="always")
def _prefetch_prior_rows(h, pgofs, pgw, pgbase, phid, PE):
    """Decoding: the prior's rows for the next base, but for those of groups that read this
    base."""
    for g in range(pgofs.shape[0]):
        if pgofs[g] > 0:
            row = prior_row(h, 1, g, pgofs, pgw, pgbase, phid)
            prefetch(PE, row)
            prefetch(PE, row + phid - 1)


@njit(cache=True, inline="always")
def _order_slots(h, kmask, direct, base, orders, tbits, T, slot):
    """The slot in ``T`` of each order's context of the history ``h``."""
    for m in range(orders.shape[0]):
        c = h & kmask[m]
        if direct[m] == 1:
            slot[m] = base[m] + (c << 2)
        else:
            slot[m] = _hashed_slot(T, base[m], c, orders[m], tbits[m])


@njit(cache=True, inline="always")
def _orders_seen(slot, T):
    """How many orders have seen their context (the third mixer's weight set)."""
    hc = 0
    for m in range(slot.shape[0]):
        if (int(T[slot[m] + 1]) & 1023) != 0:
            hc += 1
    return hc


@njit(cache=True, inline="always")
def _follower_predictions(codes, NF, NR, racc, rptr, rlen, rmiss, rhit, rtry, rsym, rctx):
    """Each follower's predicted base (-1: free) and its map context (follower or accuracy
    bucket, run-length bucket, misses in the last 8)."""
    for r in range(NR):
        rsym[r] = -1
        if rptr[r] >= 0:
            if r < NF:
                rsym[r] = int(codes[rptr[r]])
            else:
                rsym[r] = 3 - int(codes[rptr[r]])
            rq = r
            if racc:
                rq = _acc_bucket(rhit[r], rtry[r], racc)
            rctx[r] = ((rq * 24 + _len_bucket(rlen[r])) * 9 + popcount16(rmiss[r] & 0xFF)) * 2


@njit(cache=True, inline="always")
def _light_predictions(codes, nla, lptr, ldir, lhit, ltry, lmiss, lsym, lctx):
    """Each active light follower's predicted base and its map context (accuracy, misses)."""
    for q in range(nla):
        if ldir[q] == 0:
            lsym[q] = int(codes[lptr[q]])
        else:
            lsym[q] = 3 - int(codes[lptr[q]])
        lctx[q] = (_acc_bucket(lhit[q], ltry[q], 2) * 9 + popcount16(lmiss[q] & 0xFF)) * 2


@njit(cache=True, inline="always")
def _light_ahead(h, rr, lk, lbits, LW, lcbits, LT, lsd):
    """Read the light seeds of the lk-mer ending at base i - 1 on both strands now (used
    after base i, :func:`_light_seed`): ``lsd`` = buckets, checks and first entries."""
    lif, lchkf = _light_bucket(h & ((1 << (2 * lk)) - 1), lbits, LW, lcbits)
    lir, lchkr = _light_bucket(rr >> (2 * (KR - lk)), lbits, LW, lcbits)
    lsd[0] = lif
    lsd[1] = lchkf
    lsd[2] = int(LT[lif])
    lsd[3] = lir
    lsd[4] = lchkr
    lsd[5] = int(LT[lir])


# ---------------------------------------------------------------- one binary decision


@njit(cache=True, inline="always")
def _order_inputs(slot, nidx, T, ST, X):
    """The orders' inputs: each one's counter of this node in stretch units (0: unseen)."""
    for m in range(slot.shape[0]):
        e = int(T[slot[m] + nidx])
        X[m] = 0 if (e & 1023) == 0 else ST[e >> 20]


@njit(cache=True, inline="always")
def _follower_inputs(nm, NF, NR, node, b1, rsym, rctx, rlen, rebit, rmi, RM, ST, X):
    """The followers' inputs (``X[nm + r]``): each one's map of the bit it expects, signed by
    that bit (0 when it expects none). Returns the longest forward and reverse followers that
    expect a bit here (-1: none)."""
    fbest = -1
    rbest = -1
    for r in range(NR):
        eb = _expected_bit(rsym[r], node, b1)
        rebit[r] = eb
        X[nm + r] = 0
        if eb >= 0:
            rmi[r] = rctx[r] + node
            X[nm + r] = ST[RM[rmi[r]] >> 4] if eb == 1 else -ST[RM[rmi[r]] >> 4]
            if r < NF:
                if fbest < 0 or rlen[r] > rlen[fbest]:
                    fbest = r
            elif rbest < 0 or rlen[r] > rlen[rbest]:
                rbest = r
    return fbest, rbest


@njit(cache=True, inline="always")
def _light_input(nla, node, b1, lsym, lctx, lebit, LM, ST):
    """The light followers' input: the sum of their maps' evidence, signed by the bit each
    expects."""
    sl = 0
    for q in range(nla):
        eb = _expected_bit(lsym[q], node, b1)
        lebit[q] = eb
        if eb >= 0:
            v = int(ST[LM[lctx[q] + node] >> 4])
            sl += v if eb == 1 else -v
    return clamp2047(sl)


@njit(cache=True, inline="always")
def _gated_mixers(fast, X, W1, w1, W2, w2, W3M, w4):
    """The three gated mixers' outputs (stretch units) from the weight sets at ``w1``, ``w2``,
    ``w4`` (``fast``: the first alone, the others 0)."""
    d1 = 0
    d2 = 0
    d4 = 0
    if fast:
        for j in range(X.shape[0]):
            d1 += X[j] * W1[w1 + j]
    else:
        for j in range(X.shape[0]):
            xj = X[j]
            d1 += xj * W1[w1 + j]
            d2 += xj * W2[w2 + j]
            d4 += xj * W3M[w4 + j]
    return clamp2047(d1 >> 16), clamp2047(d2 >> 16), clamp2047(d4 >> 16)


@njit(cache=True, inline="always")
def _follower_state(fbest, rbest, rlen, rebit):
    """The longest followers' state: run-length classes of the forward and reverse ones (0:
    none, then < 16, < 32, more; mixer 1's weight set), the bit the forward one expects (-1:
    none) and its run, the bit the reverse one expects."""
    fs = 0
    f_len = 0
    febit = -1
    if fbest >= 0:
        f_len = rlen[fbest]
        febit = rebit[fbest]
        fs = 1
        if f_len >= 16:
            fs = 2
        if f_len >= 32:
            fs = 3
    rs = 0
    rb = -1
    if rbest >= 0:
        rb = rebit[rbest]
        rs = 1
        if rlen[rbest] >= 16:
            rs = 2
        if rlen[rbest] >= 32:
            rs = 3
    return fs, rs, febit, f_len, rb


@njit(cache=True, inline="always")
def _apm2_context(febit, f_len, rb, nctx, use_vote, vmi):
    """The second APM's context: the vote's map entry when there is a vote, else the
    longest followers' expectations and the forward one's run class."""
    if use_vote and vmi >= 0:
        return 108 + vmi
    fe = 0
    if febit >= 0:
        fe = 1 + febit
    re = 0
    if rb >= 0:
        re = 1 + rb
    fl = 0
    if febit >= 0:
        fl = 1
        if f_len >= 12:
            fl = 2
        if f_len >= 28:
            fl = 3
    return ((fl * 3 + fe) * 3 + re) * 3 + nctx


@njit(cache=True, inline="always")
def _apm(d3, p3, a1c, a2c, A1, A2):
    """APMs: both maps interpolated at the final mixer's stretch ``d3`` and averaged with its
    probability ``p3``. Returns ``(p, knot of A1, knot of A2, interpolation weight)``."""
    s = min(max(d3 + 2048, 0), 4095)
    lo = s >> 7
    wt = s & 127
    ai1 = a1c * 33 + lo
    pa1 = (A1[ai1] * (128 - wt) + A1[ai1 + 1] * wt) >> 11
    ai2 = a2c * 33 + lo
    pa2 = (A2[ai2] * (128 - wt) + A2[ai2 + 1] * wt) >> 11
    return (p3 * 2 + pa1 + pa2 + 2) >> 2, ai1, ai2, wt


# ---------------------------------------------------------------- updates after a bit


@njit(cache=True, inline="always")
def _gated_mixers_update(fast, X, e1, e2, e4, W1, w1, W2, w2, W3M, w4):
    """The gated mixers' weights move along their errors ``e1``, ``e2``, ``e4`` (error times
    rate)."""
    if fast:
        for j in range(X.shape[0]):
            W1[w1 + j] += (X[j] * e1) >> 14
    else:
        for j in range(X.shape[0]):
            xj = X[j]
            W1[w1 + j] += (xj * e1) >> 14
            W2[w2 + j] += (xj * e2) >> 14
            W3M[w4 + j] += (xj * e4) >> 14


@njit(cache=True, inline="always")
def _final_mixer_update(e3, d1, d2, d4, dh, nctx, NH, W3, W3H):
    """The final mixer's weights (and the hidden-layer mixer's weight in it) move along its
    error ``e3`` (error times rate)."""
    W3[nctx * 3] += (d1 * e3) >> 14
    W3[nctx * 3 + 1] += (d2 * e3) >> 14
    W3[nctx * 3 + 2] += (d4 * e3) >> 14
    if NH > 0:
        W3H[nctx] += (dh * e3) >> 14


@njit(cache=True, inline="always")
def _order_counts_update(bit, slot, nidx, rid, lim, T, RT):
    """Each order's counter of this node learns the bit."""
    for m in range(slot.shape[0]):
        ix = slot[m] + nidx
        e = int(T[ix])
        T[ix] = counter_next(e, bit, int(RT[rid[m], e & 1023]), lim[m])


@njit(cache=True, inline="always")
def _maps_update(bit, node, NR, rebit, rmi, RM, use_vote, vmi, VM, nla, lebit, lctx, LM):
    """The followers' maps learn whether each was right, the vote's map the bit, the light
    followers' maps whether each was right."""
    for r in range(NR):
        if rebit[r] >= 0:
            hit = 1 if rebit[r] == bit else 0
            RM[rmi[r]] += ((hit << 16) - RM[rmi[r]]) >> 6
    if use_vote and vmi >= 0:
        VM[vmi] += ((bit << 16) - VM[vmi]) >> 6
    for q in range(nla):
        if lebit[q] >= 0:
            hit = 1 if lebit[q] == bit else 0
            li = lctx[q] + node
            LM[li] += ((hit << 16) - LM[li]) >> 6


@njit(cache=True, inline="always")
def _apm_update(bit, arate, ai1, ai2, wt, A1, A2):
    """APMs: the nearer knot of each map moves towards the bit (rate shift ``arate``)."""
    g = (bit << 16) + (bit << arate) - bit - bit
    ai = ai1 + (wt >> 6)
    A1[ai] += (g - A1[ai]) >> arate
    ai = ai2 + (wt >> 6)
    A2[ai] += (g - A2[ai]) >> arate


@njit(cache=True, inline="always")
def _len_bucket(ln):
    """A follower's run length as one of 24 buckets: 0..15 as they are, then log-spaced."""
    if ln <= 15:
        return ln
    lb = 16
    q = ln >> 5
    while q > 0 and lb < 23:
        lb += 1
        q >>= 1
    return lb


@njit(cache=True, inline="always")
def _vote(NR, nctx, rebit, rlen, VM, ST):
    """The followers' vote on this bit (how many expect 1, how many 0, the longest run among
    them): ``(its map entry, its input)``, ``(-1, 0)`` when no follower expects a bit."""
    v0 = 0
    v1 = 0
    vl = 0
    for r in range(NR):
        if rebit[r] >= 0:
            v1 += rebit[r]
            v0 += 1 - rebit[r]
            vl = max(vl, rlen[r])
    if v0 + v1 == 0:
        return -1, 0
    lbv = 0
    if vl >= 16:
        lbv = 1
    if vl >= 32:
        lbv = 2
    if vl >= 64:
        lbv = 3
    vmi = ((min(v1, 3) * 4 + min(v0, 3)) * 4 + lbv) * 3 + nctx
    return vmi, ST[VM[vmi] >> 4]


@njit(cache=True, inline="always")
def _resync(codes, i, r, forward, rsync, rsmax, rptr, rlen, rmiss):
    """Indel re-sync of follower ``r`` after a miss at base ``i``: shift it by +-1..+-rsmax
    when the shifted copy explains the last ``rsync`` (or more) bases."""
    bd = 0
    bl = rsync - 1
    for dd in range(2 * rsmax):
        d = 1 + (dd >> 1)
        if dd & 1:
            d = -d
        pq = rptr[r] + d
        ln = 0
        if forward:
            if pq <= i:
                while (ln < 16 and pq - 1 - ln >= 0
                       and int(codes[pq - 1 - ln]) == int(codes[i - ln])):
                    ln += 1
        elif pq >= 0:
            while (ln < 16 and pq + 1 + ln <= i - ln
                   and 3 - int(codes[pq + 1 + ln]) == int(codes[i - ln])):
                ln += 1
        if ln > bl:
            bl = ln
            bd = d
    if bd != 0:
        rptr[r] += bd
        rlen[r] = bl
        rmiss[r] = rmiss[r] & ~((1 << bl) - 1) & 0xFFFF


# ---------------------------------------------------------------- after a base


@njit(cache=True, inline="always")
def _inverted_repeats(i, h, rr, orders, irflags, direct, base, tbits, rid, lim, T, RT):
    """Update the orders flagged for it with the inverted repeat of base ``i``: context = the
    reverse complement of the last k bases, symbol = the complement of the base k back."""
    for m in range(orders.shape[0]):
        k = orders[m]
        if irflags[m] == 0 or i < k:
            continue
        c = rr >> (2 * (KR - k))
        isym = 3 - ((h >> (2 * k)) & 3)
        if direct[m] == 1:
            s1 = base[m] + (c << 2)
        else:
            s1 = _hashed_slot(T, base[m], c, orders[m], tbits[m])
        ib1 = isym >> 1
        e = int(T[s1 + 1])
        T[s1 + 1] = counter_next(e, ib1, int(RT[rid[m], e & 1023]), lim[m])
        ix = s1 + 2 + ib1
        e = int(T[ix])
        T[ix] = counter_next(e, isym & 1, int(RT[rid[m], e & 1023]), lim[m])


@njit(cache=True, inline="always")
def _move_follower(codes, i, r, sym, forward, mm_thr, rsync, rsmax, rptr, rlen, rmiss, rsym,
                   rhit, rtry):
    """Score active follower ``r`` on base ``i`` (``sym``), move it, re-sync it after an indel
    and drop it after more than ``mm_thr`` misses in the last 16."""
    rtry[r] += 1
    if rsym[r] == sym:
        rhit[r] += 1
        rlen[r] += 1
        rmiss[r] = (rmiss[r] << 1) & 0xFFFF
    else:
        rlen[r] = 0
        rmiss[r] = ((rmiss[r] << 1) | 1) & 0xFFFF
    if forward:
        rptr[r] += 1
    else:
        rptr[r] -= 1
    if rsync > 0 and rsym[r] != sym:
        _resync(codes, i, r, forward, rsync, rsmax, rptr, rlen, rmiss)
    if popcount16(rmiss[r]) > mm_thr or rptr[r] > i:
        rptr[r] = -1


@njit(cache=True, inline="always")
def _seed_followers(codes, i, h, rr, NF, NRC, NW, mm_len, mm_bits, mmask, pbits, cmask, vcap,
                    rptr, rlen, rmiss, rhit, rtry, cpos, cln, MT):
    """Followers after base ``i``: free ones take the longest verified earlier occurrences of
    the last ``mm_len`` bases (forward) and of their reverse complement; then position
    ``i + 1`` joins the forward k-mer's bucket of the repeat table."""
    NR = NF + NRC
    pmask = (1 << pbits) - 1
    for dr in range(2):
        if dr == 0:
            r0 = 0
            r1 = NF
            c = h & mmask
        else:
            if NRC == 0:
                break
            r0 = NF
            r1 = NR
            c = rr >> (2 * (KR - mm_len))
        hv = _kmer_hash(c, _REP_SALT)
        mi = (hv >> (32 - mm_bits)) * NW
        mchk = hv & cmask
        nfree = 0
        for r in range(r0, r1):
            if rptr[r] < 0:
                nfree += 1
        if nfree > 0:
            nc = 0
            for wy in range(NW):
                ent = int(MT[mi + wy])
                if ent <= 0:
                    break
                if (ent >> pbits) != mchk:
                    continue
                cand = ent & pmask
                if dr == 0:
                    pos = cand
                else:
                    pos = cand - mm_len - 1
                    if pos < 0:
                        continue
                taken = 0
                for q in range(r0, r1):
                    if rptr[q] == pos:
                        taken = 1
                if taken:
                    continue
                ln = 0
                if dr == 0:
                    while ln < vcap and pos - 1 - ln >= 0 and int(codes[pos - 1 - ln]) == int(codes[i - ln]):
                        ln += 1
                else:
                    while ln < vcap and pos + 1 + ln <= i - ln and int(codes[pos + 1 + ln]) == 3 - int(codes[i - ln]):
                        ln += 1
                if ln >= mm_len:
                    cpos[nc] = pos
                    cln[nc] = ln
                    nc += 1
            while nc > 0 and nfree > 0:  # the longest candidates, to free followers
                b = 0
                for q in range(1, nc):
                    if cln[q] > cln[b]:
                        b = q
                tgt = r0
                while rptr[tgt] >= 0:
                    tgt += 1
                nfree -= 1
                rptr[tgt] = cpos[b]
                rlen[tgt] = cln[b]
                rmiss[tgt] = 0
                rhit[tgt] = 0
                rtry[tgt] = 0
                nc -= 1
                cpos[b] = cpos[nc]
                cln[b] = cln[nc]
        if dr == 0:
            for wy in range(NW - 1, 0, -1):
                MT[mi + wy] = MT[mi + wy - 1]
            MT[mi] = (mchk << pbits) | (i + 1)


@njit(cache=True, inline="always")
def _expected_bit(sy, node, b1):
    """The bit a follower that predicts base ``sy`` (-1: none) expects at ``node`` (after
    the high bit ``b1``), or -1 when it expects nothing there."""
    if sy < 0:
        return -1
    if node == 0:
        return sy >> 1
    if (sy >> 1) == b1:
        return sy & 1
    return -1


#: salts of the k-mer hashes of the repeat table and of the light seeds (a hashed order's is
#: ``order * 0x61C88647``)
_REP_SALT = 0x7F4A7C15
_LIGHT_SALT = 0x5BD1E995


@njit(cache=True, inline="always")
def _kmer_hash(c, salt):
    """32-bit hash of a k-mer (2 bits a base, k <= 31): the repeat table's and the hashed
    orders' (each with its own ``salt``)."""
    lo = c & 0xFFFFFF
    hi = c >> 24
    hv = (lo * 0x2F0B3A49 + hi * 0x1B873593 + salt) & M32
    hv = ((hv ^ (hv >> 15)) * 0x2C1B3C6D) & M32
    return hv ^ (hv >> 13)


@njit(cache=True, inline="always")
def _hashed_bucket(base_m, c, order, tb):
    """The first slot of context ``c``'s 2-way bucket in a hashed order's table."""
    hv = _kmer_hash(c, order * 0x61C88647)
    return base_m + (((hv >> (32 - tb)) & 0xFFFFFFFE) << 2)


@njit(cache=True, inline="always")
def _context_slot(base_m, c, order, tb, direct):
    """Where context ``c``'s slot (direct table) or bucket (hashed order) starts in ``T``: the
    line to prefetch before the slot is looked up."""
    if direct == 1:
        return base_m + (c << 2)
    return _hashed_bucket(base_m, c, order, tb)


@njit(cache=True, inline="always")
def _hashed_slot(T, base_m, c, order, tb):
    """The slot of context ``c`` of a hashed order: a 2-way bucket of 2^``tb`` slots (from
    ``base_m`` in ``T``) with a 16-bit check; on a miss the slot with fewer observations is
    taken and reset."""
    lo = c & 0xFFFFFF
    hi = c >> 24
    h2 = (lo * 0x3A8F05C5 + hi * 0x2545F491 + 0x9E3779B) & M32
    h2 = ((h2 ^ (h2 >> 16)) * 0x045D9F3B) & M32
    chk = (h2 >> 16) + 1
    s0 = _hashed_bucket(base_m, c, order, tb)
    if int(T[s0]) == chk:
        return s0
    if int(T[s0 + 4]) == chk:
        return s0 + 4
    s1 = s0 + 4
    if (int(T[s0 + 1]) & 1023) <= (int(T[s0 + 5]) & 1023):
        s1 = s0
    T[s1] = chk
    T[s1 + 1] = 2147483648  # p = 0.5, count 0
    T[s1 + 2] = 2147483648
    T[s1 + 3] = 2147483648
    return s1


@njit(cache=True, inline="always")
def _check_bits(pbits, tbits):
    """Check bits kept beside a ``pbits``-bit position in a table of 2^``tbits`` buckets."""
    cbits = 31 - pbits
    if cbits > 32 - tbits:
        cbits = 32 - tbits
    if cbits > 12:
        cbits = 12
    if cbits < 0:
        cbits = 0
    return cbits


@njit(cache=True, inline="always")
def _acc_bucket(hits, tries, mode):
    """Lifetime accuracy of a follower as one of 8 buckets (``mode`` 1: linear, 2: miss rate)."""
    if mode == 1:
        # floor(8 * hits / (tries + 1)) (at most 7 as hits <= tries), by a binary search
        # of 3 compares instead of a division
        h8 = 8 * hits
        t1 = tries + 1
        a = 0
        if h8 >= 4 * t1:
            a = 4
        if h8 >= (a + 2) * t1:
            a += 2
        if h8 >= (a + 1) * t1:
            a += 1
        return a
    if tries < 3:
        return 0
    # f = 256 * misses / tries (no division): 0, < 8, < 16, < 32, < 64, < 128, more
    f = (tries - hits) << 8
    if f < tries:
        return 7
    if f < 8 * tries:
        return 6
    if f < 16 * tries:
        return 5
    if f < 32 * tries:
        return 4
    if f < 64 * tries:
        return 3
    if f < 128 * tries:
        return 2
    return 1


@njit(cache=True, inline="always")
def _light_follow(i, sym, nla, lthr, lptr, ldir, lhit, ltry, lmiss, lsym):
    """After base ``i``: score and move the light followers, drop those with more than
    ``lthr`` misses in the last 16 bases. Returns the new number of active followers (they
    are kept at 0..nla-1)."""
    q = 0
    while q < nla:
        hit = 0
        if lsym[q] == sym:
            hit = 1
        ltry[q] += 1
        lhit[q] += hit
        lmiss[q] = ((lmiss[q] << 1) | (1 - hit)) & 0xFFFF
        if ldir[q] == 0:
            lptr[q] += 1
        else:
            lptr[q] -= 1
        mc = popcount16(lmiss[q])
        if mc > lthr or lptr[q] > i or lptr[q] < 0:
            nla -= 1
            lptr[q] = lptr[nla]
            ldir[q] = ldir[nla]
            lhit[q] = lhit[nla]
            ltry[q] = ltry[nla]
            lmiss[q] = lmiss[nla]
            lsym[q] = lsym[nla]
            continue
        q += 1
    return nla


@njit(cache=True, inline="always")
def _light_bucket(c, lbits, LW, cbits):
    """Bucket start in LT and check bits of the hashed light seed ``c`` (<= 16 bases)."""
    hv = _kmer_hash(c, _LIGHT_SALT)
    return (hv >> (32 - lbits)) * LW, hv & ((1 << cbits) - 1)


@njit(cache=True, inline="always")
def _light_seed(codes, i, sym, nla, NL, lk, LW, pbits, pmask, lif, chkf, lef, lir, chkr, ler,
                lptr, ldir, lhit, ltry, lmiss, LT):
    """After base ``i`` (and :func:`_light_follow`): seed light followers from fresh matches
    of the ``lk``-mer that ended at base ``i - 1`` on either strand (buckets ``lif``/``lir``
    of LT, whose first entries ``lef``/``ler`` were read before base ``i`` was coded, so
    that the memory access overlaps the coding) that also predicted base ``i``; then store
    position ``i`` for that forward lk-mer. Returns the new number of active followers."""
    for dr in range(2):
        li = lif
        chk = chkf
        ent = lef
        if dr == 1:
            li = lir
            chk = chkr
            ent = ler
        for wy in range(LW):
            if nla >= NL:
                break
            if wy > 0:
                ent = int(LT[li + wy])
            if ent <= 0:
                break
            if (ent >> pbits) != chk:
                continue
            cand = ent & pmask
            # the earlier copy ends (forward) or starts (reverse complement) next to cand;
            # a fresh match: the lk-mer and the base after it match, the base before it not
            ok = 1
            if dr == 0:
                if cand >= i or int(codes[cand]) != sym:
                    continue
                for j in range(lk):
                    if int(codes[cand - 1 - j]) != int(codes[i - 1 - j]):
                        ok = 0
                        break
                if (ok and cand - 1 - lk >= 0
                        and int(codes[cand - 1 - lk]) == int(codes[i - 1 - lk])):
                    ok = 0
                pos = cand + 1
            else:
                if cand - lk - 1 < 0 or 3 - int(codes[cand - lk - 1]) != sym:
                    continue
                for j in range(lk):
                    if int(codes[cand - lk + j]) != 3 - int(codes[i - 1 - j]):
                        ok = 0
                        break
                if ok and cand < i and int(codes[cand]) == 3 - int(codes[i - 1 - lk]):
                    ok = 0
                pos = cand - lk - 2
                if pos < 0:
                    ok = 0
            if not ok:
                continue
            for q in range(nla):
                if lptr[q] == pos and ldir[q] == dr:
                    ok = 0
                    break
            if not ok:
                continue
            lptr[nla] = pos
            ldir[nla] = dr
            lhit[nla] = 0
            ltry[nla] = 0
            lmiss[nla] = 0
            nla += 1
    for wy in range(LW - 1, 0, -1):
        LT[lif + wy] = LT[lif + wy - 1]
    LT[lif] = (chkf << pbits) | i
    return nla
