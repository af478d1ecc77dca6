"""The ``ae-cm`` codec (skipped until :mod:`seqcoder.entropy` is importable)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
try:
    from seqcoder.entropy import cm_decode, cm_encode  # noqa: F401
except ImportError:  # pragma: no cover
    pytest.skip("seqcoder.entropy is not available", allow_module_level=True)

from seqcoder.codecs.ae_cm import AECmCodec, make_hint  # noqa: E402
from seqcoder.codecs.base import CodecOptions  # noqa: E402
from seqcoder.format.ids import SectionId  # noqa: E402
from test_ae_helpers import tiny_loaded  # noqa: E402


def test_hint_is_none_at_ambiguous():
    h = make_hint(np.array([0, 1, 2, 3], np.uint8), np.array([2]))
    assert h.tolist() == [0, 3, 4, 2]  # AE order A,T,C,G -> stream A,C,G,T


@pytest.mark.parametrize("n", [0, 1, 200, 1000])
def test_roundtrip(n):
    c = AECmCodec(CodecOptions(level=2, ae_margin=0.01), loaded=tiny_loaded())
    rng = np.random.default_rng(n)
    codes = rng.integers(0, 4, n, dtype=np.uint8)
    secs = c.encode(codes)
    assert [s for s, _ in secs] == [SectionId.AE_PARAMS, SectionId.AE_LATENT, SectionId.AE_AMBIGUOUS,
                                    SectionId.BASES]
    assert np.array_equal(c.decode(dict(secs), n), codes)
    rng2 = np.random.default_rng(1)
    c.decode_output_hook = lambda y: y + rng2.uniform(-1e-3, 1e-3, y.shape).astype(np.float32)
    assert np.array_equal(c.decode(dict(secs), n), codes)
