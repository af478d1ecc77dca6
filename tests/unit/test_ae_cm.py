"""The ``ae-cm`` codec (needs the ``ae`` extra: torch)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")  # the ae extra

from seqcoder.codecs.ae_cm import AECmCodec, make_hint  # noqa: E402
from seqcoder.codecs.base import CodecOptions  # noqa: E402
from seqcoder.errors import UnsafeDecodeError  # noqa: E402
from seqcoder.format.ids import SectionId  # noqa: E402
from test_ae_helpers import tiny_loaded  # noqa: E402


def test_hint_is_none_at_ambiguous():
    h = make_hint(np.array([0, 1, 2, 3], np.uint8), np.array([2]))
    assert h.tolist() == [0, 3, 4, 2]  # AE order A,T,C,G -> stream A,C,G,T


@pytest.mark.parametrize("n", [0, 1, 200, 1000])
def test_roundtrip(n, monkeypatch):
    c = AECmCodec(CodecOptions(level=2, ae_margin=0.01), loaded=tiny_loaded())
    rng = np.random.default_rng(n)
    codes = rng.integers(0, 4, n, dtype=np.uint8)
    secs = c.encode(codes)
    assert [s for s, _ in secs] == [SectionId.AE_PARAMS, SectionId.AE_LATENT, SectionId.AE_AMBIGUOUS,
                                    SectionId.BASES]
    assert np.array_equal(c.decode(dict(secs), n), codes)
    # the decoder's floats stray a little (another machine): the margin keeps the output exact
    rng2 = np.random.default_rng(1)
    exact = c.stage.decoder_output
    monkeypatch.setattr(c.stage, "decoder_output",
                        lambda z: (y := exact(z)) + rng2.uniform(-1e-3, 1e-3, y.shape).astype(np.float32))
    assert np.array_equal(c.decode(dict(secs), n), codes)
    if n >= 200:  # every output on a rounding boundary, far past the margin: refused, never decoded wrong
        monkeypatch.setattr(c.stage, "decoder_output", lambda z: np.full_like(exact(z), 0.125))
        with pytest.raises(UnsafeDecodeError):
            c.decode(dict(secs), n)
