"""The version-3 parts of the cm kernel: each is compiled-vs-interpreter identical, round
trips, changes the coded bytes when on (so it is really wired in), and version-2 payloads
keep decoding with the version-2 model sets."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import seqcoder.entropy.cm as cm
from seqcoder.entropy import cm_decode, cm_encode
from seqcoder.entropy.cm_kernel import N_PRM, PRM_FIELDS
from seqcoder.entropy.modelset import BY_VERSION, LIGHT_ON, V2, V3, Light


def _repetitive(n: int, seed: int = 2) -> np.ndarray:
    """Random bases in which copies of earlier stretches (either strand, a few substitutions,
    20..400 bases long) make up about half: the repeats that followers are made for."""
    rng = np.random.default_rng(seed)
    out = rng.integers(0, 4, 64, dtype=np.uint8).tolist()
    while len(out) < n:
        if rng.random() < 0.5:
            out += rng.integers(0, 4, int(rng.integers(20, 200))).tolist()
            continue
        ln = int(rng.integers(20, 400))
        start = int(rng.integers(0, max(1, len(out) - ln)))
        seg = np.array(out[start:start + ln], dtype=np.uint8)
        if rng.random() < 0.5:
            seg = (3 - seg)[::-1]
        seg[rng.integers(0, len(seg), 1 + len(seg) // 50)] = rng.integers(0, 4, 1 + len(seg) // 50)
        out += seg.tolist()
    return np.array(out[:n], dtype=np.uint8)


SWITCHES = {
    "racc1": {"followers": replace(V2[4].followers, racc=1)},
    "racc2": {"followers": replace(V2[4].followers, racc=2)},
    "light": {"light": LIGHT_ON},
    "light_small": {"light": Light(3, 6, 12, 2, 4)},
}


@pytest.fixture
def level4(monkeypatch):
    """Level 4 of version 3 with a switch set by the test (restored afterwards); the tests
    write version-3 payloads (``_version=3``)."""
    levels = dict(V3)
    monkeypatch.setitem(BY_VERSION, 3, levels)

    def set_(**kw):
        levels[4] = replace(V2[4], **kw)

    return set_


@pytest.mark.parametrize("name", sorted(SWITCHES))
def test_switch_twin_identical_and_roundtrip(level4, name, pure_kernels):
    codes = _repetitive(1500, 11)
    base = cm_encode(codes, 4, _version=2)
    level4(**SWITCHES[name])
    fast = cm_encode(codes, 4, _version=3)
    assert fast[0] == 3
    assert fast != base, f"switch {name} changed nothing"
    assert np.array_equal(cm_decode(fast, len(codes), 4), codes)
    with pure_kernels():
        assert cm_encode(codes, 4, _version=3) == fast
        assert np.array_equal(cm_decode(fast, len(codes), 4), codes)


def test_all_switches_together_with_hint(level4, pure_kernels):
    codes = _repetitive(1200, 12)
    hint = codes.copy()
    hint[::5] = 4
    merged = {}
    for kw in SWITCHES.values():
        merged.update(kw)
    level4(**merged)
    fast = cm_encode(codes, 4, hint, _version=3)
    with pure_kernels():
        assert cm_encode(codes, 4, hint, _version=3) == fast
    assert np.array_equal(cm_decode(fast, len(codes), 4, hint), codes)


def test_light_followers_help_on_repeats(level4):
    codes = _repetitive(60_000, 13)
    racc = replace(V2[4].followers, racc=1)
    level4(followers=racc)
    without = len(cm_encode(codes, 4, _version=3))
    level4(followers=racc, light=LIGHT_ON)
    with_light = cm_encode(codes, 4, _version=3)
    assert np.array_equal(cm_decode(with_light, len(codes), 4), codes)
    assert len(with_light) < without


@pytest.mark.parametrize("level", range(1, 10))
def test_version2_payloads_still_decode(level):
    codes = _repetitive(4000, level)
    old = cm_encode(codes, level, _version=2)
    assert old[0] == 2
    assert np.array_equal(cm_decode(old, len(codes), level), codes)
    new = cm_encode(codes, level)
    assert new[0] == cm.payload_version(level, cm.choose(codes, level))
    assert np.array_equal(cm_decode(new, len(codes), level), codes)
    if new[0] == 2:
        assert new == old  # an unchanged model keeps writing (and pinning) version 2


def test_level1_unchanged():
    # the lean kernel and its payload are the same as in version 2
    assert cm.payload_version(1) == 2
    assert cm.level_config(1) == cm.level_config(1, 2)


def test_version2_configs_have_every_switch_off():
    for lv in range(1, 10):
        ms = cm.level_config(lv, 2)
        assert ms.followers.racc == 0 and ms.light.count == 0 and not ms.prior.on
        assert ms.mixers.hidden == 0 and ms.prior.adapt_shift == 0


def test_kernel_params_named():
    ms = cm.level_config(9)
    prm = cm.kernel_params(ms, 10_000)
    assert prm.shape == (N_PRM,) and len(set(PRM_FIELDS)) == N_PRM
    assert prm[PRM_FIELDS.index("nf")] == ms.followers.forward
    assert prm[PRM_FIELDS.index("racc")] == ms.followers.racc
    assert prm[PRM_FIELDS.index("palr")] == ms.prior.adapt_shift == 13


def test_unknown_version_rejected():
    with pytest.raises(ValueError):
        cm_decode(bytes([cm.CM_FORMAT_VERSION + 1, 0, 0]), 10, 4)
    with pytest.raises(ValueError):
        cm.level_config(4, 7)


def test_primitives_coder_roundtrip():
    from seqcoder.entropy.primitives import code_bit, coder_flush, coder_start, counter_next

    rng = np.random.default_rng(4)
    bits = rng.integers(0, 2, 3000)
    ps = rng.integers(1, 4096, 3000)
    out = np.zeros(3000, dtype=np.uint8)
    x1, x2, xv, dpos = coder_start(False, out)
    olen = 0
    for b, p in zip(bits.tolist(), ps.tolist()):
        _, x1, x2, xv, dpos, olen = code_bit(False, b, p, x1, x2, xv, dpos, out, out, olen)
    olen = coder_flush(x1, out, olen)
    data = out[:olen].copy()
    x1, x2, xv, dpos = coder_start(True, data)
    back = []
    for p in ps.tolist():
        b, x1, x2, xv, dpos, olen = code_bit(True, 0, p, x1, x2, xv, dpos, data, out, olen)
        back.append(b)
    assert back == bits.tolist()
    e = 2147483648  # p = 1/2, count 0
    for _ in range(50):
        e = counter_next(e, 1, 65536 * 100 // 150, 3)
    assert e & 1023 == 3 and (e >> 10) > (1 << 21)


def test_accuracy_buckets_match_their_definition():
    from seqcoder.entropy.cm_kernel import _acc_bucket

    for t in range(0, 200):
        for h in range(0, t + 1):
            assert _acc_bucket(h, t, 1) == min(7, 8 * h // (t + 1))
            # mode 2: the miss rate f = floor(256 * misses / tries) on a log scale
            want = 0
            if t >= 3:
                f = 256 * (t - h) // t
                want = 7 if f == 0 else 1 + sum(1 for lim in (8, 16, 32, 64, 128) if f < lim)
            assert _acc_bucket(h, t, 2) == want
