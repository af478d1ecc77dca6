"""The cross-genome kernel: a member's base stream as copies from earlier genomes + literals.

A member's codes ``S`` (uint8, A=0 C=1 G=2 T=3) are coded against a *reference text* ``T``:
the codes of its reference members, one after the other, followed by ``S`` itself as it is
decoded (so repeats inside the member are copies too). The encoder parses ``S`` into

::

    [copy L bases along the current diagonal] [event] [copy L] [event] ...

where the diagonal is a position ``p`` in ``T`` and a direction (forward, or reverse
complement: ``T`` read backwards and complemented), and an event is

* SNP: one base that differs from the one the diagonal predicts; the diagonal goes on;
* JUMP: ``n_lit`` literal bases, then a new diagonal, coded as a direction flag and a signed
  distance from where the old diagonal would be (small for indels, large for a switch to
  another genome or a rearrangement).

Matched bases cost nothing per base: a copy of L bases is one number. The token stream is
coded by an adaptive binary arithmetic coder (16-bit probabilities, integer only) in this
module; the literal bases are collected into one stream that the context-mixing coder codes
(:mod:`seqcoder.entropy.cm`). The decoder only copies and reads tokens, so it needs no index.

The encoder finds diagonals with a hash index of the ``k``-mers starting at every ``step``-th
position of ``T`` (a head table and a chain, newest first), for both strands. Within a member
it also inserts the member's own positions as it goes; :func:`undo_inserts` takes them out
again when the member is not a reference for later members.

Every function is integer-only and compiled with numba; ``.py_func`` runs the same code under
the interpreter and gives the same bytes (tested on small inputs).
"""

from __future__ import annotations

import numpy as np

from ..entropy.jit import njit
from ..entropy.primitives import prefetch

M32 = 0xFFFFFFFF
#: ids of the adaptive-bit regions of the token model, each ``_REGION`` contexts wide
_REGION = 8192
F_LEN, F_EVENT, F_SNP, F_LIT, F_DELTA, F_FLAGS = range(6)
N_PROBS = 6 * _REGION
#: the literal search prefetches the head slots of the k-mer this many positions ahead
_AHEAD = 4

#: ``prm`` of the encoder: 0 k, 1 step, 2 head-table bits, 3 candidates per strand,
#: 4 shortest new match, 5 bases that must agree after an indel, 6 largest indel tried,
#: 7 compare cap when ranking candidates, 8 window after a mismatch, 9 mismatches allowed
#: in that window for the mismatch to be a SNP, 10 look for a better diagonal after a SNP
#: when the current one's run is shorter than this (0: never), 11 positions indexed at each
#: end of a long copy (0: index every position), 12 stride of a parent's index, 13 most
#: parents, 14 most bases of parents (the last two: encoder-side only). Named in
#: ``coder.MatchParams``.
N_PRM = 15


# --------------------------------------------------------------------------- binary coder


@njit(cache=True, inline="always")
def _code_bit(decode, st, buf, P, ctx, bit):
    """Code (or decode and return) one bit with the adaptive probability ``P[ctx]``.

    ``st``: x1, x2, x (decoder), position in ``buf``. A carry-less 32-bit binary arithmetic
    coder; ``P`` holds 16-bit probabilities that the bit is 1, updated at rate 1/16.
    """
    p = int(P[ctx])
    x1 = st[0]
    x2 = st[1]
    r = x2 - x1
    xmid = x1 + (r >> 16) * p + (((r & 0xFFFF) * p) >> 16)
    if decode:
        bit = 1 if st[2] <= xmid else 0
    if bit:
        x2 = xmid
        P[ctx] = p + ((65536 - p) >> 4)
    else:
        x1 = xmid + 1
        P[ctx] = p - (p >> 4)
    while ((x1 ^ x2) & 0xFF000000) == 0:
        if decode:
            c = 0
            if st[3] < buf.shape[0]:
                c = int(buf[st[3]])
            st[2] = ((st[2] << 8) & M32) | c
        else:
            if st[3] < buf.shape[0]:
                buf[st[3]] = x2 >> 24
        st[3] += 1
        x1 = (x1 << 8) & M32
        x2 = ((x2 << 8) & M32) | 255
    st[0] = x1
    st[1] = x2
    return bit


@njit(cache=True, inline="always")
def _code_uint(decode, st, buf, P, region, ctx, value):
    """Code a value >= 0 as an Elias-gamma number whose every bit is adaptive.

    The bit length of ``value + 1`` goes in unary (contexts by position, per ``ctx`` of 0..31),
    then the bits below its top bit (contexts by length and position).
    """
    base = region * _REGION
    u = value + 1
    nb = 0
    if not decode:
        while (u >> (nb + 1)) > 0:
            nb += 1
    j = 0
    while True:
        more = 1 if j < nb else 0
        c = j
        if c > 47:
            c = 47
        more = _code_bit(decode, st, buf, P, base + ctx * 48 + c, more)
        if not more:
            break
        j += 1
        if j > 62:  # only a corrupt stream gets here
            return -1
    nb = j
    v = 1
    for b in range(nb - 1, -1, -1):
        c = b
        if c > 31:
            c = 31
        bit = (u >> b) & 1
        bit = _code_bit(decode, st, buf, P, base + 1536 + (nb * 32 + c) * 2 + (v & 1), bit)
        v = (v << 1) | bit
    return v - 1


@njit(cache=True, inline="always")
def _len_bucket(n):
    b = 0
    while n > 0 and b < 15:
        b += 1
        n >>= 1
    return b


@njit(cache=True, inline="always")
def _code_snp(decode, st, buf, P, pred, actual):
    """A base that is not ``pred``: transition partner (``pred ^ 2``) or one of the other two."""
    base = F_SNP * _REGION + pred * 4
    tr = 1 if actual == (pred ^ 2) else 0
    tr = _code_bit(decode, st, buf, P, base, tr)
    if tr:
        return pred ^ 2
    lo = pred ^ 1
    hi = pred ^ 3
    if lo > hi:
        lo, hi = hi, lo
    which = 1 if actual == hi else 0
    which = _code_bit(decode, st, buf, P, base + 1, which)
    return hi if which else lo


@njit(cache=True, inline="always")
def _code_nlit(decode, st, buf, P, first, n_lit):
    """How many literal bases a jump starts with (the member's first jump has its own model)."""
    return _code_uint(decode, st, buf, P, F_LIT, 1 if first else 0, n_lit)


@njit(cache=True, inline="always")
def _code_target(decode, st, buf, P, n_lit, flip, delta):
    """The new diagonal: direction flip, and signed distance from where the old one would be."""
    c = 0 if n_lit == 0 else 1
    flip = _code_bit(decode, st, buf, P, F_FLAGS * _REGION + c, flip)
    neg = 1 if delta < 0 else 0
    mag = -delta if delta < 0 else delta
    mag = _code_uint(decode, st, buf, P, F_DELTA, c * 2 + flip, mag)
    if mag != 0:
        neg = _code_bit(decode, st, buf, P, F_FLAGS * _REGION + 4 + c * 2 + flip, neg)
    return flip, (-mag if neg else mag)


# --------------------------------------------------------------------------- index


@njit(cache=True, inline="always")
def _hash(x, hbits):
    # x < 2^62; fold to 31 bits first so that the product stays below 2^63 (no wrap)
    y = (x & 0x7FFFFFFF) ^ (x >> 31)
    return ((y * 2654435761) & M32) >> (32 - hbits)


@njit(cache=True, inline="always")
def _tag(x):
    """16 bits of another hash of the k-mer: a chain walk skips most collisions without
    reading the reference text (one cache miss each)."""
    y = (x & 0x7FFFFFFF) ^ (x >> 31)
    return ((y * 2246822519) & M32) >> 16


@njit(cache=True, nogil=True)
def index_insert(T, lo, hi, prm, head, chain, ctag, log, nlog):
    """Insert the ``k``-mers starting at the ``step``-aligned positions of ``[lo, hi)``.

    ``log`` (rows of position, head slot) records each insert from row ``nlog`` on, so that
    the caller can take them out again without hashing the k-mers again; returns the new log
    length (-1 when ``log`` is full). A log of no rows records nothing.
    """
    return index_strided(T, lo, hi, prm[1], prm, head, chain, ctag, log, nlog)


@njit(cache=True, nogil=True)
def index_strided(T, lo, hi, stride, prm, head, chain, ctag, log, nlog):
    """:func:`index_insert` at every ``stride``-aligned position (a multiple of ``step``): a
    sparser index where long matches are all that is looked for (a member's parent).

    The hashes of a run are computed first, then inserted with the head table's next slots
    prefetched: the table is far larger than the caches, so each insert would otherwise wait
    on memory.
    """
    k = prm[0]
    step = prm[1]
    hbits = prm[2]
    kmask = (1 << (2 * k)) - 1
    q0 = ((lo + stride - 1) // stride) * stride
    if q0 >= hi or q0 + k > T.shape[0]:
        return nlog
    last = min(hi, T.shape[0] - k + 1)
    count = (last - q0 + stride - 1) // stride
    if count <= 0:
        return nlog
    if log.shape[0] > 0 and nlog + count > log.shape[0]:
        return -1
    hs = np.empty(count, dtype=np.int64)
    xs = np.empty(count, dtype=np.int64)
    x = 0  # the k-mer at q, rolled forward one base at a time
    for j in range(k - 1):
        x = (x << 2) | int(T[q0 + j])
    r = q0
    q = q0
    for c in range(count):
        while r < q:  # roll the k-mer from r to q
            x = ((x << 2) | int(T[r + k - 1])) & kmask
            r += 1
        x = ((x << 2) | int(T[q + k - 1])) & kmask
        r = q + 1
        hs[c] = _hash(x, hbits)
        xs[c] = x
        q += stride
    q = q0
    for c in range(count):
        if c + 16 < count:
            prefetch(head, hs[c + 16])
        h = hs[c]
        chain[q // step] = head[h]
        ctag[q // step] = _tag(xs[c])
        head[h] = q
        if log.shape[0] > 0:
            log[nlog, 0] = q
            log[nlog, 1] = h
            nlog += 1
        q += stride
    return nlog


@njit(cache=True, nogil=True)
def undo_inserts(prm, head, chain, log, nlog):
    """Take out the inserts recorded by :func:`index_insert`, newest first (the head table's
    slots prefetched, as in :func:`index_strided`)."""
    step = prm[1]
    for j in range(nlog - 1, -1, -1):
        if j >= 16:
            prefetch(head, log[j - 16, 1])
        head[log[j, 1]] = chain[log[j, 0] // step]


@njit(cache=True)
def index_member(T, base, n, copies, ncopies, prm, head, chain, ctag):
    """Index a member as its encoder did: every position but the middle of long copies.

    ``copies`` holds (start, length) of the member's copies longer than ``2 * margin + step``
    (what :func:`decode_member` records).
    """
    k = prm[0]
    margin = prm[11]
    nolog = np.empty((0, 2), dtype=np.int64)
    inserted = base
    for c in range(ncopies):
        start = base + copies[2 * c]
        end = start + copies[2 * c + 1]
        index_insert(T, inserted, start + margin, prm, head, chain, ctag, nolog, 0)
        inserted = end - margin
    index_insert(T, inserted, base + n - k + 1, prm, head, chain, ctag, nolog, 0)


# --------------------------------------------------------------------------- encoder


@njit(cache=True, inline="always")
def _ref(T, q, d):
    c = int(T[q])
    return c if d > 0 else 3 - c


@njit(cache=True, inline="always")
def _match_len(S, i, T, q, d, limit, cap):
    """How many bases of ``S[i:]`` equal the diagonal from ``q`` in direction ``d``.

    Forward reads stay below ``limit`` (the decoded end of ``T``); reverse reads stay >= 0.
    """
    n = S.shape[0]
    m = 0
    while m < cap and i + m < n:
        qq = q + d * m
        if qq < 0 or qq >= limit:
            break
        if int(S[i + m]) != _ref(T, qq, d):
            break
        m += 1
    return m


@njit(cache=True, inline="always")
def _window_agrees(S, i, T, q, d, limit, w, mis):
    """Whether the diagonal from ``q`` agrees with ``S[i:i + w]`` but for at most ``mis`` bases
    (a window cut short by the end of ``S`` counts its missing bases as agreeing)."""
    n = S.shape[0]
    bad = 0
    for m in range(w):
        if i + m >= n:
            break
        qq = q + d * m
        if qq < 0 or qq >= limit or int(S[i + m]) != _ref(T, qq, d):
            bad += 1
            if bad > mis:
                return False
    return True


@njit(cache=True, inline="always")
def _best_candidate(S, i, T, lim, x, xr, o, prm, head, chain, ctag, cap, best, ex_q, ex_d):
    """The indexed occurrence of the k-mer at ``S[i + o]`` (``x``, reverse complement ``xr``)
    whose diagonal gives ``S[i:]`` the longest exact run (compared up to ``cap``) beyond ``best``.

    Newest candidates first, at most ``candidates`` per strand whose 16-bit tag matches; the
    diagonal ``(ex_q, ex_d)`` is left out. Returns ``(run, q, d)``; ``q`` is -1 when none beats
    ``best``.
    """
    k = prm[0]
    step = prm[1]
    hbits = prm[2]
    maxc = prm[3]
    best_q = -1
    best_d = 1
    for strand in range(2):
        xs = x if strand == 0 else xr
        tg = _tag(xs)
        c = head[_hash(xs, hbits)]
        tries = 0
        walk = 0
        while c >= 0 and tries < maxc and walk < 4 * maxc:
            walk += 1
            if int(ctag[c // step]) == tg:
                tries += 1
                if strand == 0:
                    q = c - o
                    dd = 1
                else:
                    q = c + k - 1 + o
                    dd = -1
                if q >= 0 and q < lim and not (dd == ex_d and q == ex_q):
                    m = _match_len(S, i, T, q, dd, lim, cap)
                    if m > best:
                        best = m
                        best_q = q
                        best_d = dd
            c = chain[c // step]
    return best, best_q, best_d


@njit(cache=True)
def _better_diagonal(S, i, T, lim, cur_q, cur_d, cur, prm, head, chain, ctag):
    """A diagonal for ``S[i:]`` whose exact run beats ``cur`` (the current diagonal's) clearly.

    Looks up the k-mers at ``i .. i + step - 1`` (one of them is aligned with an indexed
    position of any diagonal). Returns ``(q, d, run)``; ``run`` is 0 when none is better.
    """
    n = S.shape[0]
    k = prm[0]
    step = prm[1]
    hbits = prm[2]
    best = 4 * cur + 160  # a switch costs about a far jump: it must pay for itself
    best_q = -1
    best_d = 1
    # the k-mers of every offset first, their head slots prefetched, so that the table's cache
    # misses overlap instead of following one another
    kmask = (1 << (2 * k)) - 1
    rshift = 2 * (k - 1)
    xs = np.empty(step, dtype=np.int64)
    xrs = np.empty(step, dtype=np.int64)
    count = 0
    x = 0
    xr = 0
    if i + k <= n:
        for t in range(k):
            c = int(S[i + t])
            x = (x << 2) | c
            xr = xr | ((3 - c) << (2 * t))
    for o in range(step):
        if i + o + k > n:
            break
        if o > 0:
            c = int(S[i + o + k - 1])
            x = ((x << 2) | c) & kmask
            xr = (xr >> 2) | ((3 - c) << rshift)
        xs[o] = x
        xrs[o] = xr
        prefetch(head, _hash(x, hbits))
        prefetch(head, _hash(xr, hbits))
        count += 1
    for o in range(count):
        run, q, d = _best_candidate(S, i, T, lim, xs[o], xrs[o], o, prm, head, chain, ctag, 4 * cur + 256, best,
                                    cur_q, cur_d)
        if q >= 0:
            best = run
            best_q = q
            best_d = d
    if best_q >= 0:
        return best_q, best_d, best
    return 0, 1, 0


@njit(cache=True, nogil=True)
def encode_member(S, T, base, prm, head, chain, ctag, log, P, buf, lits, stats):
    """Parse and code the member ``S``; ``T[base:base + n]`` must already hold ``S``.

    Returns ``(token_bytes, literal_count, log_length)``; literal bases are written to
    ``lits``. The member's own positions are inserted into the index as coding goes.
    """
    n = S.shape[0]
    k = prm[0]
    min_match = prm[4]
    snp_min = prm[5]
    maxd = prm[6]
    cap = prm[7]
    win = prm[8]
    win_mis = prm[9]
    kmask = (1 << (2 * k)) - 1
    rshift = 2 * (k - 1)
    step = prm[1]
    hbits = prm[2]
    st = np.zeros(4, dtype=np.int64)
    st[1] = M32
    nlit = 0
    nlog = 0
    inserted = base  # positions of T below this are in the index
    have = False
    first = True
    p = 0  # T position the diagonal aligns with S[i]
    d = 1
    prev_ev = 1
    switch = prm[10]
    margin = prm[11]
    sw_q = -1  # a better diagonal to switch to right after a SNP (-1: none)
    sw_d = 1
    i = 0
    while i < n:
        if have and sw_q >= 0:
            # a switch: no copy, a jump without literals
            _code_uint(False, st, buf, P, F_LEN, prev_ev, 0)
            _code_bit(False, st, buf, P, F_EVENT * _REGION + prev_ev, 1)
            _code_nlit(False, st, buf, P, False, 0)
            flip = 1 if sw_d != d else 0
            _code_target(False, st, buf, P, 0, flip, (sw_q - p) * d)
            stats[7] += 1
            p = sw_q
            d = sw_d
            sw_q = -1
            prev_ev = 1
            first = False
        if have:
            lim = base + i  # the source must lie before what it rebuilds
            L = 0
            while i + L < n:
                qq = p + d * L
                if qq < 0 or qq >= lim + L or int(S[i + L]) != _ref(T, qq, d):
                    break
                L += 1
            b0 = st[3]
            _code_uint(False, st, buf, P, F_LEN, prev_ev, L)
            stats[3] += st[3] - b0
            if margin > 0 and L > 2 * margin + step:
                # the middle of a long copy adds nothing the index does not have already
                nlog = index_insert(T, inserted, base + i + margin, prm, head, chain, ctag, log, nlog)
                inserted = base + i + L - margin
            i += L
            p += d * L
            if i == n:
                break
            # a SNP when the diagonal holds again right after the base
            q1 = p + d
            snp_ok = p >= 0 and p < base + i and q1 >= 0 and q1 < base + i + 1
            if snp_ok:
                snp_ok = _window_agrees(S, i + 1, T, q1, d, base + i + 1, win, win_mis)
            ctx = _len_bucket(L) * 2 + prev_ev
            if snp_ok:
                _code_bit(False, st, buf, P, F_EVENT * _REGION + ctx, 0)
                pred = _ref(T, p, d)
                b0 = st[3]
                _code_snp(False, st, buf, P, pred, int(S[i]))
                stats[4] += st[3] - b0
                stats[0] += 1
                i += 1
                p += d
                prev_ev = 0
                if switch and i < n:
                    cur = _match_len(S, i, T, p, d, base + i, switch)
                    if cur < switch:
                        sq, sd, run = _better_diagonal(S, i, T, base + i, p, d, cur, prm, head, chain, ctag)
                        if run > 0:
                            sw_q = sq
                            sw_d = sd
                continue
            _code_bit(False, st, buf, P, F_EVENT * _REGION + ctx, 1)
            prev_ev = 1
        # search: the next position j >= i where a diagonal starts
        start = i
        old_p = p
        old_d = d
        j = i
        found = False
        best_q = 0
        best_d = 1
        x = 0
        xr = 0
        if j + k <= n:
            for t in range(k):
                c = int(S[j + t])
                x = (x << 2) | c
                xr = xr | ((3 - c) << (2 * t))
        xa = x  # the k-mer at j + _AHEAD, rolled alongside
        xra = xr
        if j + k + _AHEAD <= n:
            for t in range(_AHEAD):
                c = int(S[j + k + t])
                xa = ((xa << 2) | c) & kmask
                xra = (xra >> 2) | ((3 - c) << rshift)
        while j < n:
            # the index holds every k-mer that ends before S[j]
            if base + j - k >= inserted + step:
                nlog = index_insert(T, inserted, base + j - k + 1, prm, head, chain, ctag, log, nlog)
                inserted = base + j - k + 1
            lim = base + j
            # near: the old diagonal again after a few differing bases, or shifted by a small indel
            if have and j > start:
                q = old_p + old_d * (j - start)
                if q >= 0 and q < lim and int(S[j]) == _ref(T, q, old_d) and _window_agrees(
                        S, j, T, q, old_d, lim, win, win_mis):
                    found = True
                    best_q = q
                    best_d = old_d
                    break
            if have and j - start <= maxd:
                for t in range(0, maxd + 1):
                    q = old_p + old_d * t
                    if q < 0 or q >= lim:
                        continue
                    m = _match_len(S, j, T, q, old_d, lim, snp_min)
                    if m >= snp_min or j + m == n:
                        found = True
                        best_q = q
                        best_d = old_d
                        break
                if found:
                    break
            # far: the k-mer at j, both strands, newest candidates first
            if j + k <= n:
                best, q, dd = _best_candidate(S, j, T, lim, x, xr, 0, prm, head, chain, ctag, cap, 0, -1, 1)
                if q >= 0:
                    best_q = q
                    best_d = dd
                if best >= min_match:
                    found = True
                    # extend backwards over the literals before j
                    while j > start:
                        q = best_q - best_d
                        if q < 0 or q >= base + j - 1:
                            break
                        if int(S[j - 1]) != _ref(T, q, best_d):
                            break
                        j -= 1
                        best_q = q
                    break
            j += 1
            if j + k <= n:
                c = int(S[j + k - 1])
                x = ((x << 2) | c) & kmask
                xr = (xr >> 2) | ((3 - c) << rshift)
            if j + k + _AHEAD <= n:  # the k-mer _AHEAD positions on: its head slots start loading
                c = int(S[j + k + _AHEAD - 1])
                xa = ((xa << 2) | c) & kmask
                xra = (xra >> 2) | ((3 - c) << rshift)
                prefetch(head, _hash(xa, hbits))
                prefetch(head, _hash(xra, hbits))
        n_lit = j - start
        b0 = st[3]
        _code_nlit(False, st, buf, P, first, n_lit)
        stats[5] += st[3] - b0
        first = False
        for t in range(start, j):
            lits[nlit] = S[t]
            nlit += 1
        i = j
        if i == n:
            break
        if not found:
            break
        # the target: flip and distance from where the old diagonal would be
        exp_q = old_p + old_d * n_lit
        flip = 1 if best_d != old_d else 0
        delta = (best_q - exp_q) * old_d
        stats[1] += 1
        if delta < 64 and delta > -64 and flip == 0:
            stats[2] += 1
        b0 = st[3]
        _code_target(False, st, buf, P, n_lit, flip, delta)
        stats[6] += st[3] - b0
        p = best_q
        d = best_d
        have = True
    if inserted < base + n - k + 1:
        nlog = index_insert(T, inserted, base + n - k + 1, prm, head, chain, ctag, log, nlog)
    # flush: enough bytes of x1 that any tail decodes inside [x1, x2]
    x1 = st[0]
    for _t in range(4):
        if st[3] < buf.shape[0]:
            buf[st[3]] = (x1 >> 24) & 255
        st[3] += 1
        x1 = (x1 << 8) & M32
    return st[3], nlit, nlog


# --------------------------------------------------------------------------- decoder


@njit(cache=True, nogil=True)
def decode_member(n, T, base, buf, lits, nlit, P, long_copy, copies, sources):
    """Rebuild the member's ``n`` codes into ``T[base:base + n]`` from tokens and literals.

    Copies longer than ``long_copy`` are recorded in ``copies`` as (start, length) pairs
    (:func:`index_member` needs them). When ``sources`` is not empty, the text span that each
    copy reads (and the base that each SNP's prediction reads) goes there as (first, last)
    pairs after a count in ``sources[0]`` (what a member uses of the pool). Returns the number
    of copies recorded, or a negative code when the stream is inconsistent (corrupt data).
    """
    ncopies = 0
    nsrc = 0
    track = sources.shape[0] > 0
    st = np.zeros(4, dtype=np.int64)
    st[1] = M32
    for _t in range(4):
        c = 0
        if st[3] < buf.shape[0]:
            c = int(buf[st[3]])
        st[2] = (st[2] << 8) | c
        st[3] += 1
    li = 0
    have = False
    first = True
    p = 0
    d = 1
    prev_ev = 1
    i = 0
    while i < n:
        if have:
            L = _code_uint(True, st, buf, P, F_LEN, prev_ev, 0)
            if L < 0 or L > n - i:
                return -1
            if long_copy > 0 and L > long_copy:
                if 2 * ncopies + 1 >= copies.shape[0]:
                    return -7
                copies[2 * ncopies] = i
                copies[2 * ncopies + 1] = L
                ncopies += 1
            if track and L > 0:
                if 2 * nsrc + 2 >= sources.shape[0]:
                    return -8
                sources[2 * nsrc + 1] = p if d > 0 else p - L + 1
                sources[2 * nsrc + 2] = p + L - 1 if d > 0 else p
                nsrc += 1
                sources[0] = nsrc
            if d > 0:
                if p < 0 or p >= base + i:
                    return -2
                if p + L <= base + i:  # no overlap: a block copy (memmove)
                    T[base + i:base + i + L] = T[p:p + L]
                else:  # an overlapping copy repeats what it has just written, base by base
                    for t in range(L):
                        T[base + i + t] = T[p + t]
            else:
                if p - L + 1 < 0 or p >= base + i:
                    return -2
                src = T[p - L + 1:p + 1]
                T[base + i:base + i + L] = 3 - src[::-1]
            i += L
            p += d * L
            if i == n:
                break
            ctx = _len_bucket(L) * 2 + prev_ev
            ev = _code_bit(True, st, buf, P, F_EVENT * _REGION + ctx, 0)
            if ev == 0:
                if p < 0 or p >= base + i:
                    return -3
                if track:
                    if 2 * nsrc + 2 >= sources.shape[0]:
                        return -8
                    sources[2 * nsrc + 1] = p
                    sources[2 * nsrc + 2] = p
                    nsrc += 1
                    sources[0] = nsrc
                pred = _ref(T, p, d)
                T[base + i] = _code_snp(True, st, buf, P, pred, 0)
                i += 1
                p += d
                prev_ev = 0
                continue
            prev_ev = 1
        n_lit = _code_nlit(True, st, buf, P, first, 0)
        first = False
        if n_lit < 0 or n_lit > n - i or li + n_lit > nlit:
            return -4
        for t in range(n_lit):
            T[base + i + t] = lits[li + t]
        li += n_lit
        i += n_lit
        if i == n:
            break
        flip, delta = _code_target(True, st, buf, P, n_lit, 0, 0)
        exp_q = p + d * n_lit
        q = exp_q + delta * d
        if flip:
            d = -d
        p = q
        if p < 0 or p >= base + i:
            return -5
        have = True
    if li != nlit:
        return -6
    return ncopies
