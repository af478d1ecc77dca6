"""Public entry points of the context-mixing nucleotide coder.

Level 1 (without a hint) runs the lean kernel of :mod:`.lean_kernel` (one order-5 model, one
forward repeat follower, one mixer: ~30 MB/s); levels 2..9, and level 1 with a hint, run the
generic kernel of :mod:`.cm_kernel` with the model sets of :mod:`.modelset`. Both are numba
kernels (cached machine code, :mod:`.jit`); with the JIT off they run as plain Python and give
the same bytes (the twin tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import ModelError
from .choose import repeat_share
from .jit import announce
from .lean_kernel import LEAN_FIELDS, cm_lean
from .modelset import BY_VERSION, ModelSet
from .tables import build_tables

if TYPE_CHECKING:
    from ..models.prior import PriorWeights

#: first payload byte; bump when the coded format changes. Every version in
#: :data:`.modelset.BY_VERSION` decodes with its own frozen table. A new payload is written
#: with the oldest version whose model set of its block equals the current one (level 1:
#: still 2), else with the current one. A version-4 or 5 payload carries the encoder's choices
#: for its block (:data:`CHOICE_LIGHT`, :data:`CHOICE_PRIOR`) and, with the prior, the first
#: bytes of the prior's sha256 (FORMAT.md, cm payload).
CM_FORMAT_VERSION = max(BY_VERSION)
#: payload versions this module decodes
CM_VERSIONS = tuple(sorted(BY_VERSION))
#: version-4 choice bits: light repeat followers on; the learned prior on
CHOICE_LIGHT = 1
CHOICE_PRIOR = 2
#: bytes of the prior's sha256 a version-4 payload records
PRIOR_TAG_BYTES = 8
#: repeat tables store positions in int32
_MAX_N = (1 << 30) - 1

announce()  # a kernel that compiles on first use says so (jit.py)
_SQ, _ST, _RT = build_tables()
_RT0 = np.ascontiguousarray(_RT[0])  # the rate row of level 1's counters (1 / (n + 1.5))


def level_config(level: int, version: int = CM_FORMAT_VERSION) -> ModelSet:
    """The model set of ``level`` (1..9) in payload ``version`` (default: the current one)."""
    if not 1 <= int(level) <= 9:
        raise ValueError(f"cm level must be 1..9, got {level}")
    if version not in BY_VERSION:
        raise ValueError(f"cm payload: unknown format version {version}")
    return BY_VERSION[version][int(level)]


def _cap_bits(n: int) -> int:
    # never allocate more than the block can use: about 4 slots per inserted context
    return max(10, int(np.ceil(np.log2(max(n, 1) * 2 * 4))))


def kernel_params(ms: ModelSet, n: int, cap: int = 4) -> np.ndarray:
    """The model set ``ms`` as :func:`.cm_kernel.cm_kernel`'s ``prm`` array for a block of
    ``n`` bases: the one place where names become indices."""
    from .cm_kernel import N_PRM, PRM_FIELDS

    cap_bits = _cap_bits(n)
    f, lt, mx, pr = ms.followers, ms.light, ms.mixers, ms.prior
    vals = {
        "mm_len": f.min_len, "mm_bits": min(f.bits, max(10, cap_bits - 2)), "mm_thr": f.miss_thr,
        "nf": f.forward, "nrc": f.reverse, "vcap": f.vcap, "rsync": f.rsync, "rsmax": f.rsmax,
        "racc": f.racc,
        "lr1": mx.lr1, "lr2": mx.lr2, "lr3": mx.lr3, "fast": int(mx.fast), "vote": int(mx.vote),
        "hmix": mx.hidden, "hlr": mx.hidden_shift,
        "arate": ms.apm.rate, "apm1": ms.apm.order, "cap": cap,
        "nl": lt.count, "lk": lt.seed_len, "lbits": min(lt.bits, max(10, cap_bits - 3)),
        "lw": lt.per_bucket, "lthr": lt.miss_thr,
        "prior": int(pr.on), "pak": pr.adapt_bases, "palr": pr.adapt_shift,
    }
    if set(vals) != set(PRM_FIELDS):
        raise AssertionError("kernel_params and PRM_FIELDS disagree")
    prm = np.zeros(N_PRM, dtype=np.int64)
    for j, name in enumerate(PRM_FIELDS):
        prm[j] = vals[name]
    return prm


def block_config(level: int, version: int, choices: int = 0) -> ModelSet:
    """The model set a block uses: its level's in payload ``version``, with a version-4
    payload's ``choices`` (light followers, prior) in place of the level's defaults."""
    ms = level_config(level, version)
    if version >= 4:
        ms = ms.with_choices(light=bool(choices & CHOICE_LIGHT), prior=bool(choices & CHOICE_PRIOR))
    return ms


def default_choices(level: int) -> int:
    """The version-4 choices that reproduce ``level``'s model set."""
    ms = level_config(level)
    return (CHOICE_LIGHT if ms.light.count else 0) | (CHOICE_PRIOR if ms.prior.on else 0)


#: light followers for a block whose repeat share (:func:`.choose.repeat_share`) is at least
#: this (the 19 genomes: 0.57 and 0.62 for the two where they pay, at most 0.20 for the rest)
LIGHT_SHARE = 0.3


def choose(codes: np.ndarray, level: int) -> int:
    """The encoder's version-4 choices for a block: its level's, plus light followers at levels
    2-4 when the block is repetitive. Stored in the payload: the decoder only reads them."""
    choices = default_choices(level)
    if level >= 2 and not choices & CHOICE_LIGHT and repeat_share(codes) >= LIGHT_SHARE:
        choices |= CHOICE_LIGHT
    return choices


def payload_version(level: int, choices: int | None = None) -> int:
    """The version byte :func:`cm_encode` writes for a block of ``level`` with ``choices``:
    the oldest version whose model set equals the block's (so unchanged levels keep their
    bytes), else :data:`CM_FORMAT_VERSION`."""
    ch = default_choices(level) if choices is None else choices
    cur = block_config(level, CM_FORMAT_VERSION, ch)
    return next(v for v in CM_VERSIONS
                if v == CM_FORMAT_VERSION or block_config(level, v, ch) == cur)


def _arrays(ms: ModelSet, n: int):
    cap_bits = _cap_bits(n)
    o = ms.orders
    return (np.array([m.k for m in o], dtype=np.int64),
            np.array([min(m.bits, cap_bits) for m in o], dtype=np.int64),
            np.array([m.limit | m.rate << 10 for m in o], dtype=np.int64),
            np.array([int(m.ir) for m in o], dtype=np.int64), kernel_params(ms, n))


def memory_bytes(level: int, n: int = 1 << 40) -> int:
    """Approximate table memory (bytes) the coder allocates at ``level`` for ``n`` bases."""
    from .cm_kernel import P_LBITS, P_LW, P_MM_BITS, P_NF, P_NL, P_NRC

    ms = block_config(level, CM_FORMAT_VERSION, default_choices(level) | CHOICE_LIGHT)
    orders, tbits, _, _, prm = _arrays(ms, n)
    tot = 0
    for k, b in zip(orders.tolist(), tbits.tolist()):
        tot += 16 << (2 * k if 2 * k <= b else b)
    if int(prm[P_NL]):
        tot += (4 << int(prm[P_LBITS])) * int(prm[P_LW])
    if ms.prior.on:
        tot += _prior().E.nbytes * 2  # the file's table and the kernel's copy
    return tot + (4 << int(prm[P_MM_BITS])) * max(int(prm[P_NF]), int(prm[P_NRC]), 1)


def _prior(tag: bytes | None = None) -> PriorWeights:
    """The newest shipped prior, or the one whose sha256 starts with ``tag``."""
    from ..models.prior import load_prior

    return load_prior(tag=tag)


#: the kernel's prior argument when the prior is off (same types as a real one: one compile)
_NO_PRIOR = (np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64),
             np.zeros(1, np.int16), np.zeros(1, np.int32), np.zeros(3, np.int32),
             np.zeros(3, np.int64), np.array([1, 8], np.int64))


def _check_hint(hint: np.ndarray | None, n: int) -> tuple[np.ndarray, bool]:
    if hint is None:
        return np.zeros(1, dtype=np.uint8), False
    hint = np.ascontiguousarray(hint, dtype=np.uint8)
    if hint.shape != (n,):
        raise ValueError(f"hint has shape {hint.shape}, expected ({n},)")
    return hint, True


def _run(decode: bool, codes: np.ndarray, hint, has_hint: bool, ms: ModelSet, data: np.ndarray,
         cap: int = 4, prior: PriorWeights | None = None):
    lean = ms.lean
    if lean is not None and not has_hint:
        # never a table larger than the block can fill: about 2 entries per inserted position
        mbits = min(lean.bits,
                    max(10, int(np.ceil(np.log2(max(codes.shape[0] // lean.step, 1) * 2)))))
        vals = {"k": lean.k, "mlen": lean.min_len, "mbits": mbits, "lr": lean.lr,
                "mthr": lean.miss_thr, "vcap": lean.vcap, "cap": cap, "istep": lean.step,
                "limit": lean.limit}
        prm = np.array([vals[f] for f in LEAN_FIELDS], dtype=np.int64)
        return cm_lean(decode, codes, prm, data, _SQ, _ST, _RT0)
    from .cm_kernel import P_CAP, alloc_tables, cm_kernel

    orders, tbits, limits, irf, prm = _arrays(ms, codes.shape[0])
    prm[P_CAP] = cap
    T, MT, LT = alloc_tables(orders, tbits, prm)
    pg = prior.kernel_arrays if prior is not None and ms.prior.on else _NO_PRIOR
    out, olen = cm_kernel(decode, codes, hint, has_hint, orders, tbits, limits, irf, prm, data,
                          _SQ, _ST, _RT, T, MT, LT, pg)
    if olen < 0:
        raise RuntimeError("cm kernel: table size mismatch")
    return out, olen


def _header(version: int, choices: int, prior: PriorWeights | None) -> bytes:
    if version < 4:
        return bytes([version])
    tag = prior.sha256[:PRIOR_TAG_BYTES] if prior is not None else b""
    return bytes([version, choices]) + tag


def cm_encode(codes: np.ndarray, level: int, hint: np.ndarray | None = None, *,
              choices: int | None = None, _version: int | None = None) -> bytes:
    """Code a stream of base codes (uint8, 0..3) with the context-mixing coder.

    ``hint`` (optional) holds a predicted base per position (0..3) or 4 for none; the
    decoder must be given the same hint. ``choices`` (version-4 bits; default: :func:`choose`)
    sets the light followers and the prior of this block; the payload records it.

    >>> import numpy as np
    >>> codes = np.array([0, 1, 2, 3] * 50, dtype=np.uint8)
    >>> data = cm_encode(codes, 5)
    >>> bool((cm_decode(data, len(codes), 5) == codes).all())
    True
    """
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    n = codes.shape[0]
    if n and int(codes.max()) > 3:
        raise ValueError("cm_encode: codes must be 0..3")
    if choices is None:
        choices = choose(codes, level)
    if _version is None:
        _version = payload_version(level, choices)
    level_config(level, _version)  # ``_version``: tests write old payloads with it
    if n > _MAX_N:
        raise ValueError(f"cm_encode: a block holds at most {_MAX_N} bases, got {n}")
    hint_a, has_hint = _check_hint(hint, n)
    if n == 0:
        return bytes([_version])
    cfg = block_config(level, _version, choices)
    prior = _prior() if cfg.prior.on else None  # resolved once: the header names what runs
    dummy = np.zeros(1, dtype=np.uint8)
    out, olen = _run(False, codes, hint_a, has_hint, cfg, dummy, 4, prior)
    if olen > out.shape[0]:
        out, olen = _run(False, codes, hint_a, has_hint, cfg, dummy, 25, prior)
    return _header(_version, choices, prior) + out[:olen].tobytes()


def _read_header(data: bytes) -> tuple[int, int, PriorWeights | None, int]:
    """``(version, choices, the prior it names, header bytes)`` of a payload."""
    if len(data) < 1 or data[0] not in CM_VERSIONS:
        raise ValueError("cm payload: unknown format version")
    version = int(data[0])
    if version < 4:
        return version, 0, None, 1
    if len(data) < 2 or data[1] & ~(CHOICE_LIGHT | CHOICE_PRIOR):
        raise ValueError("cm payload: bad choice byte")
    choices = int(data[1])
    if not choices & CHOICE_PRIOR:
        return version, choices, None, 2
    try:
        prior = _prior(bytes(data[2:2 + PRIOR_TAG_BYTES]))
    except ModelError as e:
        raise ValueError(f"cm payload: coded with a learned prior this seqcoder does not ship "
                         f"({e}); a newer seqcoder decodes it") from None
    return version, choices, prior, 2 + PRIOR_TAG_BYTES


def cm_decode(data: bytes, n: int, level: int, hint: np.ndarray | None = None) -> np.ndarray:
    """Decode ``n`` base codes from a :func:`cm_encode` payload (same level, same hint).

    >>> import numpy as np
    >>> cm_decode(cm_encode(np.array([3, 2, 1], dtype=np.uint8), 1), 3, 1).tolist()
    [3, 2, 1]
    """
    level_config(level)
    n = int(n)
    if n < 0 or n > _MAX_N:
        raise ValueError(f"cm_decode: block length {n} out of range")
    if len(data) < 1 or data[0] not in CM_VERSIONS:
        raise ValueError("cm payload: unknown format version")
    hint_a, has_hint = _check_hint(hint, n)
    codes = np.zeros(n, dtype=np.uint8)
    if n == 0:
        return codes
    version, choices, prior, skip = _read_header(data)
    payload = np.frombuffer(data, dtype=np.uint8)[skip:].copy()
    _run(True, codes, hint_a, has_hint, block_config(level, version, choices), payload, 4, prior)
    return codes
