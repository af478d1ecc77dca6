"""Public entry points of the context-mixing nucleotide coder.

Level 1 (without a hint) runs the lean kernel of :mod:`.lean_kernel` (one order-5 model, one
forward repeat follower, one mixer: ~30 MB/s); levels 2..9, and level 1 with a hint, run the
generic kernel of :mod:`.cm_kernel` with the model sets of ``_LEVELS``. Both are numba
kernels (cached machine code) with a pure-Python twin (``.py_func``).
"""

from __future__ import annotations

import numpy as np

from .lean_kernel import LEAN_FIELDS, cm_lean
from .tables import build_tables

#: first payload byte; bump when the coded format changes. Version 2 payloads still decode
#: (with the model sets of ``_LEVELS_V2``). A new payload is written with the oldest version
#: whose model set of its level equals the current one (level 1: still 2), else with 3.
CM_FORMAT_VERSION = 3
#: payload versions this module decodes
CM_VERSIONS = (2, 3)
#: repeat tables store positions in int32
_MAX_N = (1 << 30) - 1

_SQ, _ST, _RT = build_tables()
_RT0 = np.ascontiguousarray(_RT[0])  # the rate row of level 1's counters (1 / (n + 1.5))

# Per level: finite-context models as (order, log2 slots, count limit | rate table << 10,
# inverted repeats on/off); an order whose 4^k contexts fit in 2^bits slots is a direct table,
# deeper orders are 2-way hashed buckets with a 16-bit check. ``rep``: repeat followers (min
# length, log2 table size, miss threshold of the last 16, forward followers, reverse-complement
# followers). ``lr``: mixer rates (mixers 1-3, final mixer). ``arate``: APM rate shift.
# ``vcap``: longest verification of a repeat candidate. ``am``: adaptive (count, p) maps as
# extra inputs. ``fast``: one mixer, no APM. ``apm1``: order of the first APM context.
# ``repl``: replace a weak follower when a candidate is this much longer (0: off). ``m3``:
# third mixer's selector. ``lrd``/``lrk``: mixer-rate boost at the block start. ``vote``: the
# followers' vote as one more input. ``rsync``: a follower that misses is shifted by +-1..+-rsmax
# when the shifted copy matches the last ``rsync`` bases (indel re-sync; 0: off). The tuning
# history is in the cm report (benchmarks/).
_LEVELS: dict[int, dict] = {}


def _lv(models, rep=(12, 22, 8, 1, 1), lr=(16, 16, 16), arate=7, vcap=32, am=0, fast=0,
        apm1=4, repl=0, m3=0, lrd=0, lrk=0, vote=0, rsync=8, rsmax=3):
    return {"models": models, "rep": rep, "lr": lr, "arate": arate, "vcap": vcap, "am": am,
            "fast": fast, "apm1": apm1, "repl": repl, "m3": m3,
            "lrd": lrd, "lrk": lrk, "vote": vote, "rsync": rsync,
            "rsmax": rsmax}


#: the version-3 switches and their version-2 values (off): ``racc`` follower maps keyed by
#: lifetime accuracy; ``light`` = (followers, seed length <= 16, log2 seed-table buckets,
#: positions per bucket, miss threshold of the last 16, probation: a miss in the first this
#: many predictions drops a follower) of the light repeat class (followers 0: none);
#: ``drv`` derived contexts (recent loss, last hit of the longest follower) for mixer 2
V3_OFF = {"racc": 0, "light": (0, 11, 22, 4, 8, 0), "drv": 0}


def _m(orders, deep_bits=22, ir_max=12, deep_limit=255):
    """Order list -> model tuples: direct tables up to 2^22 slots, IR up to ``ir_max``."""
    return [(k, min(2 * k, 22) if 2 * k <= 22 else deep_bits,
             1023 if k <= 11 else deep_limit, 1 if k <= ir_max else 0) for k in orders]


_LOW = _m([1, 2, 3, 4, 5, 6, 7, 8])
_DEEP16 = [(16, 22, 255 + (3 << 10), 0)]
_LEVELS[1] = _lv(_m([3, 8]), rep=(20, 18, 12, 1, 0), fast=1)
# levels with ``lean`` use :func:`.lean_kernel.cm_lean` when no hint is given (with a hint: the
# generic kernel with the settings above): (order, follower min length (<= 16), follower table
# bits, mixer rate, miss threshold of the last 16, verify cap, insert step, counter limit).
# Level 1: order 5, follower on 16-mers stored every 8th position in 2^18 entries; EsCo
# 1.897 bits/base at ~30 MB/s (the two-order lean model before it: 1.894 at ~15 MB/s)
_LEVELS[1]["lean"] = (5, 16, 18, 16, 12, 32, 8, 1023)
if not _LEVELS[1]["lean"][1] <= 16:
    raise AssertionError("the lean kernel hashes at most 16 bases")
_LEVELS[2] = _lv(_m([2, 4, 8]), rep=(16, 20, 12, 1, 1), fast=1, vote=1)
_LEVELS[3] = _lv(_m([2, 3, 4, 6, 8]), rep=(14, 22, 12, 2, 2), lr=(16, 16, 4), vote=1)
_LEVELS[4] = _lv(_LOW, rep=(14, 22, 12, 3, 3), lr=(16, 16, 4), vote=1)
_LEVELS[5] = _lv(_LOW + _DEEP16, rep=(14, 22, 12, 4, 4), lr=(16, 16, 4), vote=1)
_LEVELS[6] = _lv(_LOW + _DEEP16, rep=(14, 22, 12, 6, 6), lr=(16, 16, 4), vote=1)
_LEVELS[7] = _lv(_LOW + _DEEP16, rep=(14, 22, 12, 8, 8), lr=(16, 16, 4), vote=1)
_LEVELS[8] = _lv(_LOW + _DEEP16, rep=(14, 23, 12, 12, 12), lr=(16, 16, 4), vote=1)
_LEVELS[9] = _lv(_LOW + _DEEP16, rep=(14, 23, 12, 16, 16), lr=(16, 16, 4), vote=1)
for _c in _LEVELS.values():
    _c.update(V3_OFF)
#: the model sets of version-2 payloads (frozen: archives written with them must decode)
_LEVELS_V2: dict[int, dict] = {lv: dict(c) for lv, c in _LEVELS.items()}
#: the version-3 changes per level (the README's cm table measures each)
_RACC = {"racc": 1}
_LIGHT = {"racc": 1, "light": (16, 11, 22, 4, 8, 0)}
_V3_CHANGES: dict[int, dict] = {2: _RACC, 3: _RACC, 4: _RACC, 5: _LIGHT, 6: _LIGHT, 7: _LIGHT,
                                8: _LIGHT, 9: _LIGHT}
for _lvl, _ch in _V3_CHANGES.items():
    _LEVELS[_lvl].update(_ch)
_BY_VERSION = {2: _LEVELS_V2, 3: _LEVELS}


def level_config(level: int, version: int = CM_FORMAT_VERSION) -> dict:
    """The model set of ``level`` (1..9) in payload ``version`` (default: the current one)."""
    if not 1 <= int(level) <= 9:
        raise ValueError(f"cm level must be 1..9, got {level}")
    if version not in _BY_VERSION:
        raise ValueError(f"cm payload: unknown format version {version}")
    return _BY_VERSION[version][int(level)]


def payload_version(level: int) -> int:
    """The version byte that :func:`cm_encode` writes at ``level`` (see CM_FORMAT_VERSION)."""
    cur = level_config(level)
    return next(v for v in CM_VERSIONS if _BY_VERSION[v][int(level)] == cur)


def kernel_params(cfg: dict, n: int, cap: int = 4) -> np.ndarray:
    """The named configuration ``cfg`` (one level's model set) as :func:`.cm_kernel.cm_kernel`'s
    ``prm`` array for a block of ``n`` bases: the one place where names become indices."""
    from .cm_kernel import N_PRM, PRM_FIELDS

    cap_bits = max(10, int(np.ceil(np.log2(max(n, 1) * 2 * 4))))
    mlen, mbits, mthr, nf, nrc = cfg["rep"]
    nl, lk, lbits, lw, lthr, lprob = cfg["light"]
    if nl and not 1 <= lk <= 16:
        raise ValueError("light followers hash at most 16 bases")
    vals = {
        "mm_len": mlen, "mm_bits": min(mbits, max(10, cap_bits - 2)), "mm_thr": mthr,
        "nf": nf, "nrc": nrc, "lr1": cfg["lr"][0], "lr2": cfg["lr"][1], "lr3": cfg["lr"][2],
        "arate": cfg["arate"], "vcap": cfg["vcap"], "cap": cap, "am": cfg["am"],
        "fast": cfg["fast"], "apm1": cfg["apm1"], "repl": cfg["repl"], "m3": cfg["m3"],
        "lrd": cfg["lrd"], "lrk": cfg["lrk"], "vote": cfg["vote"], "rsync": cfg["rsync"],
        "rsmax": cfg["rsmax"], "racc": cfg["racc"], "nl": nl, "lk": lk,
        "lbits": min(lbits, max(10, cap_bits - 3)), "lw": lw, "lthr": lthr, "lprob": lprob,
        "drv": cfg["drv"],
    }
    if set(vals) != set(PRM_FIELDS):
        raise AssertionError("kernel_params and PRM_FIELDS disagree")
    prm = np.zeros(N_PRM, dtype=np.int64)
    for j, name in enumerate(PRM_FIELDS):
        prm[j] = vals[name]
    return prm


def _arrays(level: int, n: int, version: int = CM_FORMAT_VERSION):
    cfg = level_config(level, version)
    # never allocate more than the block can use: about 4 slots per inserted context
    cap_bits = max(10, int(np.ceil(np.log2(max(n, 1) * 2 * 4))))
    orders, tbits, limits, irf = [], [], [], []
    for k, bits, lim, ir in cfg["models"]:
        orders.append(k)
        tbits.append(min(bits, cap_bits))
        limits.append(lim)
        irf.append(ir)
    prm = kernel_params(cfg, n)
    return (np.array(orders, dtype=np.int64), np.array(tbits, dtype=np.int64),
            np.array(limits, dtype=np.int64), np.array(irf, dtype=np.int64), prm)


def memory_bytes(level: int, n: int = 1 << 40) -> int:
    """Approximate table memory (bytes) the coder allocates at ``level`` for ``n`` bases."""
    from .cm_kernel import P_LBITS, P_LW, P_MM_BITS, P_NF, P_NL, P_NRC

    orders, tbits, _, _, prm = _arrays(level, n)
    tot = 0
    for k, b in zip(orders.tolist(), tbits.tolist()):
        tot += 16 << (2 * k if 2 * k <= b else b)
    if int(prm[P_NL]):
        tot += (4 << int(prm[P_LBITS])) * int(prm[P_LW])
    return tot + (4 << int(prm[P_MM_BITS])) * max(int(prm[P_NF]), int(prm[P_NRC]), 1)


def _check_hint(hint: np.ndarray | None, n: int) -> tuple[np.ndarray, bool]:
    if hint is None:
        return np.zeros(1, dtype=np.uint8), False
    hint = np.ascontiguousarray(hint, dtype=np.uint8)
    if hint.shape != (n,):
        raise ValueError(f"hint has shape {hint.shape}, expected ({n},)")
    return hint, True


def _run(decode: bool, codes: np.ndarray, hint, has_hint: bool, level: int, data: np.ndarray,
         python: bool = False, cap: int = 4, version: int = CM_FORMAT_VERSION):
    lean = level_config(level, version).get("lean")
    if lean is not None and not has_hint:
        k, mlen, mbits, lr, mthr, vcap, istep, limit = lean
        # never a table larger than the block can fill: about 2 entries per inserted position
        mbits = min(mbits, max(10, int(np.ceil(np.log2(max(codes.shape[0] // istep, 1) * 2)))))
        vals = {"k": k, "mlen": mlen, "mbits": mbits, "lr": lr, "mthr": mthr, "vcap": vcap,
                "cap": cap, "istep": istep, "limit": limit}
        prm = np.array([vals[f] for f in LEAN_FIELDS], dtype=np.int64)
        fn = cm_lean.py_func if python else cm_lean
        return fn(decode, codes, prm, data, _SQ, _ST, _RT0)
    from .cm_kernel import P_CAP, alloc_tables, cm_kernel

    orders, tbits, limits, irf, prm = _arrays(level, codes.shape[0], version)
    prm[P_CAP] = cap
    T, MT, LT = alloc_tables(orders, tbits, prm)
    kernel = cm_kernel.py_func if python else cm_kernel
    out, olen = kernel(decode, codes, hint, has_hint, orders, tbits, limits, irf, prm, data,
                   _SQ, _ST, _RT, T, MT, LT)
    if olen < 0:
        raise RuntimeError("cm kernel: table size mismatch")
    return out, olen


def cm_encode(codes: np.ndarray, level: int, hint: np.ndarray | None = None, *,
              _python: bool = False, _version: int | None = None) -> bytes:
    """Code a stream of base codes (uint8, 0..3) with the context-mixing coder.

    ``hint`` (optional) holds a predicted base per position (0..3) or 4 for none; the
    decoder must be given the same hint.

    >>> import numpy as np
    >>> codes = np.array([0, 1, 2, 3] * 50, dtype=np.uint8)
    >>> data = cm_encode(codes, 5)
    >>> bool((cm_decode(data, len(codes), 5) == codes).all())
    True
    """
    if _version is None:
        _version = payload_version(level)
    level_config(level, _version)  # ``_version``: tests write old payloads with it
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    n = codes.shape[0]
    if n and int(codes.max()) > 3:
        raise ValueError("cm_encode: codes must be 0..3")
    if n > _MAX_N:
        raise ValueError(f"cm_encode: a block holds at most {_MAX_N} bases, got {n}")
    hint_a, has_hint = _check_hint(hint, n)
    if n == 0:
        return bytes([_version])
    dummy = np.zeros(1, dtype=np.uint8)
    out, olen = _run(False, codes, hint_a, has_hint, level, dummy, _python, 4, _version)
    if olen > out.shape[0]:
        out, olen = _run(False, codes, hint_a, has_hint, level, dummy, _python, 25, _version)
    return bytes([_version]) + out[:olen].tobytes()


def cm_decode(data: bytes, n: int, level: int, hint: np.ndarray | None = None, *,
              _python: bool = False) -> np.ndarray:
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
    version = int(data[0])
    hint_a, has_hint = _check_hint(hint, n)
    codes = np.zeros(n, dtype=np.uint8)
    if n == 0:
        return codes
    payload = np.frombuffer(data, dtype=np.uint8)[1:].copy()
    _run(True, codes, hint_a, has_hint, level, payload, _python, 4, version)
    return codes
