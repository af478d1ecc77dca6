"""The shared AE stage and the ``ae-zstd`` codec, with tiny random models (fast)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from seqcoder.codecs import ae_quant as aq  # noqa: E402
from seqcoder.codecs import ae_sections as asec  # noqa: E402
from seqcoder.codecs.ae_zstd import AEZstdCodec  # noqa: E402
from seqcoder.codecs.base import CodecOptions  # noqa: E402
from seqcoder.errors import FormatError, UnsafeDecodeError  # noqa: E402
from seqcoder.format.ids import SectionId  # noqa: E402
from test_ae_helpers import tiny_loaded  # noqa: E402


def _codes(n, seed=1):
    rng = np.random.default_rng(seed)
    # some structure so the latent is not pure noise
    return np.tile(rng.integers(0, 4, 97, dtype=np.uint8), n // 97 + 1)[:n] ^ (rng.random(n) < 0.1).astype(np.uint8)


def _codec(margin=None, **kw):
    return AEZstdCodec(CodecOptions(ae_margin=margin), loaded=tiny_loaded(**kw))


def test_quantization_roundtrip():
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((3, 40)) * np.array([0.1, 10, 1])[:, None]).astype(np.float32)
    q, s = aq.quantize_per_channel(z)
    assert q.dtype == np.int8 and s.dtype == np.float32 and s.shape == (3,)
    assert int(np.abs(q).max()) == 127
    back = aq.dequantize(q, s)
    assert np.all(np.abs(back - z) <= s[:, None] / 2 + 1e-7)
    # dequantization is one float32 multiply: bit-identical to q * s
    assert np.array_equal(back, q.astype(np.float32) * s[:, None])
    q0, s0 = aq.quantize_per_channel(np.zeros((2, 4), np.float32))
    assert np.all(q0 == 0) and np.all(s0 == 1)


def test_params_and_ambiguous_roundtrip():
    p = asec.AEParams(1280, 4, 2e-4, np.array([0.5, 1, 2, 3], np.float32))
    b = p.to_bytes()
    assert len(b) == 1 + 2 + 1 + 4 + 16
    q = asec.AEParams.from_bytes(b)
    assert (q.K, q.P) == (1280, 4)
    assert np.float32(q.margin) == np.float32(2e-4) and np.array_equal(q.scales, p.scales)
    with pytest.raises(FormatError):
        asec.AEParams.from_bytes(b"\2" + b[1:])
    with pytest.raises(FormatError):
        asec.AEParams.from_bytes(b[:-1])
    pos = np.array([0, 5, 6, 1000, 10**6], np.int64)
    assert np.array_equal(asec.ambiguous_from_bytes(asec.ambiguous_to_bytes(pos), 10**6 + 1), pos)
    many = np.arange(0, 30000, 7)
    assert np.array_equal(asec.ambiguous_from_bytes(asec.ambiguous_to_bytes(many), 30000), many)
    assert asec.ambiguous_from_bytes(asec.ambiguous_to_bytes(np.zeros(0)), 0).size == 0
    with pytest.raises(FormatError):
        asec.ambiguous_from_bytes(asec.ambiguous_to_bytes(pos), 10**6)  # out of range


def test_reconstruct_floor_at_ambiguous():
    y = np.array([0.5 / 4 - 1e-6, 0.5 / 4 + 1e-6, 1.0, 0.0, 3.49 / 4], np.float32)
    r = aq.reconstruct_from_output(y, np.array([0, 1]))
    assert r.tolist() == [0, 0, 0, 0, 3]  # floor at 0 and 1; 4 counts as 0


@pytest.mark.parametrize("n", [0, 1, 63, 64, 65, 1000])
def test_roundtrip_sizes(n):
    c = _codec()
    codes = _codes(n)
    secs = c.encode(codes)
    ids = [s for s, _ in secs]
    assert ids == [SectionId.AE_PARAMS, SectionId.AE_LATENT, SectionId.AE_AMBIGUOUS, SectionId.AE_RESIDUAL]
    assert np.array_equal(c.decode(dict(secs), n), codes)


def test_batch_size_and_threads_do_not_change_output():
    c = _codec(margin=1e-3)
    codes = _codes(64 * 9 + 5)
    secs = dict(c.encode(codes))
    c.stage.batch = 3
    assert np.array_equal(c.decode(secs, len(codes)), codes)
    old = torch.get_num_threads()
    try:
        for t in (1, 2):
            torch.set_num_threads(t)
            assert np.array_equal(c.decode(secs, len(codes)), codes)
    finally:
        torch.set_num_threads(old)
    # the float outputs agree far inside the margin
    a = c.stage.analyse(codes)
    c.stage.batch = 64
    y64 = c.stage.decoder_output(aq.dequantize(a.latent, a.params.scales))
    c.stage.batch = 1
    y1 = c.stage.decoder_output(aq.dequantize(a.latent, a.params.scales))
    assert float(np.abs(y64 - y1).max()) < 1e-6


def _stray(monkeypatch, codec, change):
    """The decoder's float output changed by ``change`` (another machine's rounding, say)."""
    exact = codec.stage.decoder_output
    monkeypatch.setattr(codec.stage, "decoder_output", lambda z: change(exact(z)))


def test_perturbed_decoder_output_still_exact(monkeypatch):
    # noise of +-1e-3 in y is +-4e-3 in 4y: a margin of 0.01 covers it (guard at m/2 = 5e-3)
    c = _codec(margin=0.01)
    codes = _codes(5000)
    encoding = c.encode_block(codes)
    secs = dict(encoding.sections)
    assert encoding.stats["ambiguous"] > 0
    rng = np.random.default_rng(7)
    _stray(monkeypatch, c, lambda y: y + rng.uniform(-1e-3, 1e-3, y.shape).astype(np.float32))
    for _ in range(3):
        assert np.array_equal(c.decode(secs, len(codes)), codes)


def test_unsafe_decode_is_detected(monkeypatch):
    c = _codec(margin=1e-3)
    codes = _codes(3000)
    secs = dict(c.encode(codes))
    a = c.stage.analyse(codes)
    stored = set(a.ambiguous.tolist())
    i = next(j for j in range(len(codes)) if j not in stored)

    def push_to_boundary(y):
        y = y.copy()
        y[i] = np.float32((np.floor(4 * y[i]) + 0.5) / 4)
        return y

    _stray(monkeypatch, c, push_to_boundary)
    with pytest.raises(UnsafeDecodeError, match="ae-margin"):
        c.decode(secs, len(codes))


def test_wrong_model_geometry_is_refused():
    c = _codec()
    codes = _codes(300)
    secs = dict(c.encode(codes))
    other = AEZstdCodec(CodecOptions(), loaded=tiny_loaded(P=3))
    with pytest.raises(Exception, match="P=2"):
        other.decode(secs, len(codes))


def test_missing_section_is_format_error():
    c = _codec()
    secs = dict(c.encode(_codes(100)))
    del secs[SectionId.AE_RESIDUAL]
    with pytest.raises(FormatError):
        c.decode(secs, 100)


@pytest.mark.parametrize("n", [1, 15, 16, 17, 64, 65, 127, 128, 129, 300])
def test_tail_chunk_lengths_round_trip(n):
    # tiny model K=64: the tail chunk is coded at its own length (a multiple of 16)
    c = _codec()
    codes = _codes(n, seed=n)
    a = c.stage.analyse(codes)
    full, tail = aq.chunk_plan(n, c.stage.K)
    assert a.latent.shape == (c.stage.P, (full * c.stage.K + tail) // 16)
    assert np.array_equal(c.decode(dict(c.encode(codes)), n), codes)


def test_shorter_tail_saves_latent():
    c = _codec()
    short = c.stage.analyse(_codes(c.stage.K + 16)).latent.shape[1]
    assert short == (c.stage.K + 16) // 16 < 2 * c.stage.K // 16
