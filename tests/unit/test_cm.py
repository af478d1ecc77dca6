"""Round trips, compiled-vs-interpreter identity and a golden pin for the cm coder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from seqcoder.codecs.base import CodecOptions
from seqcoder.codecs.cm import CmCodec
from seqcoder.entropy import CM_FORMAT_VERSION, DEFAULT_LEVEL, cm_decode, cm_encode, memory_bytes
from seqcoder.format.ids import SectionId

ROOT = Path(__file__).resolve().parents[2]
SHARED = next((p for p in (ROOT.parent / "shared", ROOT / "shared", ROOT.parents[1] / "shared")
               if (p / "data").is_dir()), None)


def _esco(n: int) -> np.ndarray:
    if SHARED is None:
        pytest.skip("shared data not available")
    path = SHARED / "data" / "dnacorpus" / "EsCo"
    if not path.is_file():
        pytest.skip("EsCo not available")
    from seqcoder.alphabet import encode_bases

    return encode_bases(path.read_bytes()[:n])


def _rand(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 4, n, dtype=np.uint8)


def _repetitive(n: int, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, 4, 300, dtype=np.uint8)
    parts = []
    while sum(len(p) for p in parts) < n:
        u = unit.copy()
        u[rng.integers(0, 300, 5)] = rng.integers(0, 4, 5)
        parts.append(u if rng.random() < 0.5 else (3 - u)[::-1])
    return np.concatenate(parts)[:n].astype(np.uint8)


@pytest.mark.parametrize("level", range(1, 10))
def test_roundtrip_levels(level):
    for codes in (_rand(3000, level), _repetitive(5000, level)):
        data = cm_encode(codes, level)
        assert np.array_equal(cm_decode(data, len(codes), level), codes)


@pytest.mark.parametrize("level", [1, DEFAULT_LEVEL, 9])
def test_roundtrip_real(level):
    codes = _esco(50_000)
    data = cm_encode(codes, level)
    assert 8 * len(data) / len(codes) < 2.0
    assert np.array_equal(cm_decode(data, len(codes), level), codes)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 17])
def test_tiny(n):
    codes = _rand(n, n)
    for level in (1, DEFAULT_LEVEL, 9):
        data = cm_encode(codes, level)
        out = cm_decode(data, n, level)
        assert out.dtype == np.uint8 and np.array_equal(out, codes)


def test_constant_and_repeat_compress():
    codes = np.zeros(20_000, dtype=np.uint8)
    assert len(cm_encode(codes, 1)) < 100
    rep = _repetitive(20_000)
    assert 8 * len(cm_encode(rep, DEFAULT_LEVEL)) / len(rep) < 0.8


def test_hint_roundtrip():
    codes = _repetitive(8000)
    rng = np.random.default_rng(5)
    hint = codes.copy()
    flip = rng.random(len(codes)) < 0.1
    hint[flip] = rng.integers(0, 5, int(flip.sum()))
    hint[rng.random(len(codes)) < 0.05] = 4
    rnd = _rand(8000, 9)
    hint_r = rnd.copy()
    hint_r[rng.random(len(rnd)) < 0.2] = 4
    for level in (1, DEFAULT_LEVEL):
        d_h = cm_encode(codes, level, hint)
        assert np.array_equal(cm_decode(d_h, len(codes), level, hint), codes)
        d_r = cm_encode(rnd, level, hint_r)
        assert np.array_equal(cm_decode(d_r, len(rnd), level, hint_r), rnd)
        # a good hint on unpredictable data must help a lot
        assert len(d_r) < 0.6 * len(cm_encode(rnd, level))


def test_hint_validation():
    with pytest.raises(ValueError):
        cm_encode(_rand(10), 1, np.zeros(9, dtype=np.uint8))
    with pytest.raises(ValueError):
        cm_encode(_rand(10), 0)
    with pytest.raises(ValueError):
        cm_decode(b"\x7f", 10, 1)


def test_garbage_never_crashes():
    rng = np.random.default_rng(3)
    codes = _repetitive(2000)
    data = cm_encode(codes, DEFAULT_LEVEL)
    for cut in (1, 2, 5, 12, len(data) // 2):
        try:
            out = cm_decode(data[:cut], len(codes), DEFAULT_LEVEL)
        except ValueError as e:  # a cut inside the header (choices, prior tag)
            assert data[0] >= 4 and cut < 10, e
            continue
        assert out.shape == codes.shape
    junk = bytes([CM_FORMAT_VERSION, 0]) + rng.integers(0, 256, 300, dtype=np.uint8).tobytes()
    assert cm_decode(junk, 5000, DEFAULT_LEVEL).max() <= 3
    # the lean kernel of level 1
    data = cm_encode(codes, 1)
    for cut in (1, 2, 5, len(data) // 2):
        assert cm_decode(data[:cut], len(codes), 1).shape == codes.shape
    assert cm_decode(junk, 5000, 1).max() <= 3


@pytest.mark.parametrize("level", [1, DEFAULT_LEVEL])
def test_twin_identical(level, pure_kernels):
    codes = np.concatenate([_repetitive(700, 7), _rand(300, 8)])
    hint = codes.copy()
    hint[::7] = 4
    for h in (None, hint):
        fast = cm_encode(codes, level, h)
        with pure_kernels():
            slow = cm_encode(codes, level, h)
        assert fast == slow
    with pure_kernels():
        assert np.array_equal(cm_decode(fast, len(codes), level, hint), codes)


def test_codec():
    codec = CmCodec(CodecOptions(level=2))
    codes = _repetitive(3000)
    sections = codec.encode(codes)
    assert [s for s, _ in sections] == [SectionId.BASES]
    assert np.array_equal(codec.decode(dict(sections), len(codes)), codes)


def test_memory_bound():
    for level in range(1, 10):
        assert memory_bytes(level) <= 2 * 1024**3


# Changing a digest means the coded format changed: bump CM_FORMAT_VERSION with it. The
# digests of earlier versions are frozen: their payloads must keep decoding the same way.
GOLDEN_SHA256 = {2: "4b6ea0e0985db29be93dc6ed86db7d4bcb49d6db976f326e05b34f4baa45261f",
                 3: "fc5f2db99c41916d32dc6f3429d9d3d64f8f982c624a13210b7f6c9b2a250df1",
                 4: "3adf6dee534b0181cba796d7b7a0922a8a6051fdac57e487582a356895325023",
                 5: "013632562e91766eca0bdabac807568e157597d47d6188904b51e5ddf0a56571"}


@pytest.mark.parametrize("version", sorted(GOLDEN_SHA256))
def test_golden(version):
    rng = np.random.default_rng(20240501)
    codes = np.concatenate([rng.integers(0, 4, 100, dtype=np.uint8)] * 2)
    # a fixed level: choosing another default is no format change
    data = cm_encode(codes, 5, _version=version)
    assert data[0] == version
    assert hashlib.sha256(data).hexdigest() == GOLDEN_SHA256[version]
    assert np.array_equal(cm_decode(data, len(codes), 5), codes)
