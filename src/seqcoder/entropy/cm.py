"""Public entry points of the context-mixing nucleotide coder.

Level 1 (without a hint) runs the lean kernel of :mod:`.lean_kernel` (one order-5 model, one
forward repeat follower, one mixer: ~30 MB/s); levels 2..9, and level 1 with a hint, run the
generic kernel of :mod:`.cm_kernel` with the model sets of ``_LEVELS``. Both are numba
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
from .tables import build_tables

if TYPE_CHECKING:
    from ..models.prior import PriorWeights

#: first payload byte; bump when the coded format changes. Version 2, 3 and 4 payloads still
#: decode (with the model sets of ``_LEVELS_V2`` / ``_V3`` / ``_V4``). A new payload is written
#: with the oldest version whose model set of its level equals the current one (level 1:
#: still 2), else with 5. A version-4 or 5 payload carries the encoder's choices for its block
#: (:data:`CHOICE_LIGHT`, :data:`CHOICE_PRIOR`) and, with the prior, the first bytes of the
#: prior's sha256 (FORMAT.md, cm payload).
CM_FORMAT_VERSION = 5
#: payload versions this module decodes
CM_VERSIONS = (2, 3, 4, 5)
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
#: the version-4 switches and their earlier values: ``prior`` the learned prior as a mixer input;
#: ``hmix`` = (hidden units, learning-rate shift) of the hidden-layer mixer (0 units: none)
V4_OFF = {"prior": 0, "hmix": (0, 6)}
#: the version-5 switch and its earlier value: ``adapt`` = (bases of the weight-set context,
#: learning-rate shift; 0: off) of the prior's output layer adapted online to the block
V5_OFF = {"adapt": (0, 0)}
#: the light repeat class of levels 5-9 (and of a block whose encoder turns it on)
LIGHT_ON = (16, 11, 22, 4, 8, 0)


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
    _c.update(V4_OFF)
    _c.update(V5_OFF)
#: the model sets of version-2 payloads (frozen: archives written with them must decode)
_LEVELS_V2: dict[int, dict] = {lv: dict(c) for lv, c in _LEVELS.items()}
#: the version-3 changes per level (the README's cm table measures each)
_RACC = {"racc": 1}
_LIGHT = {"racc": 1, "light": LIGHT_ON}
_V3_CHANGES: dict[int, dict] = {2: _RACC, 3: _RACC, 4: _RACC, 5: _LIGHT, 6: _LIGHT, 7: _LIGHT,
                                8: _LIGHT, 9: _LIGHT}
for _lvl, _ch in _V3_CHANGES.items():
    _LEVELS[_lvl].update(_ch)
#: the model sets of version-3 payloads (frozen)
_LEVELS_V3: dict[int, dict] = {lv: dict(c) for lv, c in _LEVELS.items()}
#: the version-4 changes per level (the README's cm table measures each). With the prior, the
#: default level needs no more than level 3's models (orders 1 and 5-7 and a third pair of
#: followers gained 0.05 % on the 19 genomes for a third of its time), and more than 4 + 4
#: followers gained nothing at levels 6-9, which spend the time on the hidden-layer mixer.
_LEAN4 = {"models": _m([2, 3, 4, 6, 8]), "rep": (14, 22, 12, 2, 2)}
_REP9 = (14, 23, 12, 4, 4)
_V4_CHANGES: dict[int, dict] = {
    4: {**_LEAN4, "prior": 1},
    5: {"prior": 1},
    6: {"prior": 1, "rep": _REP9},
    7: {"prior": 1, "rep": _REP9, "hmix": (4, 3)},
    8: {"prior": 1, "rep": _REP9, "hmix": (8, 3)},
    9: {"prior": 1, "rep": _REP9, "hmix": (16, 3)},
}
for _lvl, _ch in _V4_CHANGES.items():
    _LEVELS[_lvl].update(_ch)
#: the model sets of version-4 payloads (frozen)
_LEVELS_V4: dict[int, dict] = {lv: dict(c) for lv, c in _LEVELS.items()}
#: the version-5 changes: at levels 5-9 the prior's output layer also adapts to the block
#: (weight sets per node kind and previous base). It gains about 0.25 % but costs the default
#: level 4 about half of its speed, so level 4 keeps writing version 4 (README, cm table).
#: Level 9's hidden mixer drops to level 8's 8 units: 16 gained nothing over 8 on EsCo and
#: took a fifth of level 9's time, which the adapted layer had pushed below 0.3x xz -9e.
_ADAPT = (1, 13)
_V5_CHANGES: dict[int, dict] = {lv: {"adapt": _ADAPT} for lv in range(5, 10)}
_V5_CHANGES[9]["hmix"] = (8, 3)
for _lvl, _ch in _V5_CHANGES.items():
    _LEVELS[_lvl].update(_ch)
_BY_VERSION = {2: _LEVELS_V2, 3: _LEVELS_V3, 4: _LEVELS_V4, 5: _LEVELS}


def level_config(level: int, version: int = CM_FORMAT_VERSION) -> dict:
    """The model set of ``level`` (1..9) in payload ``version`` (default: the current one)."""
    if not 1 <= int(level) <= 9:
        raise ValueError(f"cm level must be 1..9, got {level}")
    if version not in _BY_VERSION:
        raise ValueError(f"cm payload: unknown format version {version}")
    return _BY_VERSION[version][int(level)]


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
        "drv": cfg["drv"], "prior": cfg["prior"], "hmix": cfg["hmix"][0], "hlr": cfg["hmix"][1],
        "pak": cfg["adapt"][0], "palr": cfg["adapt"][1],
    }
    if set(vals) != set(PRM_FIELDS):
        raise AssertionError("kernel_params and PRM_FIELDS disagree")
    prm = np.zeros(N_PRM, dtype=np.int64)
    for j, name in enumerate(PRM_FIELDS):
        prm[j] = vals[name]
    return prm


def block_config(level: int, version: int, choices: int = 0) -> dict:
    """The model set a block uses: its level's in payload ``version``, with a version-4
    payload's ``choices`` (light followers, prior) in place of the level's defaults."""
    cfg = dict(level_config(level, version))
    if version >= 4:
        cfg["light"] = LIGHT_ON if choices & CHOICE_LIGHT else V3_OFF["light"]
        cfg["prior"] = 1 if choices & CHOICE_PRIOR else 0
        if not cfg["prior"]:
            cfg["adapt"] = V5_OFF["adapt"]  # it adapts the prior
    return cfg


def default_choices(level: int) -> int:
    """The version-4 choices that reproduce ``level``'s model set."""
    cfg = level_config(level)
    return (CHOICE_LIGHT if cfg["light"][0] else 0) | (CHOICE_PRIOR if cfg["prior"] else 0)


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


def _arrays(cfg: dict, n: int):
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

    cfg = block_config(level, CM_FORMAT_VERSION, default_choices(level) | CHOICE_LIGHT)
    orders, tbits, _, _, prm = _arrays(cfg, n)
    tot = 0
    for k, b in zip(orders.tolist(), tbits.tolist()):
        tot += 16 << (2 * k if 2 * k <= b else b)
    if int(prm[P_NL]):
        tot += (4 << int(prm[P_LBITS])) * int(prm[P_LW])
    if cfg["prior"]:
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


def _run(decode: bool, codes: np.ndarray, hint, has_hint: bool, cfg: dict, data: np.ndarray,
         cap: int = 4, prior: PriorWeights | None = None):
    lean = cfg.get("lean")
    if lean is not None and not has_hint:
        k, mlen, mbits, lr, mthr, vcap, istep, limit = lean
        # never a table larger than the block can fill: about 2 entries per inserted position
        mbits = min(mbits, max(10, int(np.ceil(np.log2(max(codes.shape[0] // istep, 1) * 2)))))
        vals = {"k": k, "mlen": mlen, "mbits": mbits, "lr": lr, "mthr": mthr, "vcap": vcap,
                "cap": cap, "istep": istep, "limit": limit}
        prm = np.array([vals[f] for f in LEAN_FIELDS], dtype=np.int64)
        return cm_lean(decode, codes, prm, data, _SQ, _ST, _RT0)
    from .cm_kernel import P_CAP, alloc_tables, cm_kernel

    orders, tbits, limits, irf, prm = _arrays(cfg, codes.shape[0])
    prm[P_CAP] = cap
    T, MT, LT = alloc_tables(orders, tbits, prm)
    pg = prior.kernel_arrays if prior is not None and cfg["prior"] else _NO_PRIOR
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
    prior = _prior() if cfg["prior"] else None  # resolved once: the header names what runs
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
