"""The autoencoder architecture, the registry and the published checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from seqcoder.models.autoencoder import ConvolutionalAutoEncoder1D  # noqa: E402
from seqcoder.models.registry import architectures, build_model  # noqa: E402

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
PTH = SHARED / "seed" / "FP16_SeqCoder_P4_20K.pth"


def test_registry_names_the_architecture():
    assert "seqcoder-ae" in architectures()
    assert isinstance(build_model("seqcoder-ae", K=64, P=2), ConvolutionalAutoEncoder1D)


@pytest.mark.parametrize("P,K", [(4, 1280), (2, 64), (1, 160)])
def test_shapes(P, K):
    m = ConvolutionalAutoEncoder1D(P=P, K=K).eval()
    with torch.no_grad():
        z = m.encode(torch.rand(2, 1, K))
        y = m.decode(z)
    assert tuple(z.shape) == (2, P, K // 16)
    assert tuple(y.shape) == (2, 1, K)
    assert float(y.min()) >= 0 and float(y.max()) <= 1


def test_published_defaults_parameter_count():
    assert sum(p.numel() for p in ConvolutionalAutoEncoder1D().parameters()) == 633_093


def test_k_must_divide_by_16():
    with pytest.raises(ValueError):
        ConvolutionalAutoEncoder1D(K=100)


@pytest.mark.skipif(not PTH.exists(), reason="../shared/seed checkpoint not beside the checkout")
def test_published_checkpoint_loads_strict_and_reconstructs():
    sd = torch.load(PTH, map_location="cpu", weights_only=True)
    assert len(sd) == 125
    m = ConvolutionalAutoEncoder1D()
    m.load_state_dict(sd, strict=True)
    m.eval()
    # a real sequence (BuEb) reconstructs near the measured 88% with the float latent
    bueb = SHARED / "data" / "dnacorpus" / "BuEb"
    if bueb.exists():
        import numpy as np

        from seqcoder.train.data import chunk_codes, read_ae_codes

        c = chunk_codes(read_ae_codes(bueb)[:1280 * 4], 1280)
        with torch.no_grad():
            y = m(torch.from_numpy(c.astype("float32") / 4).unsqueeze(1)).numpy().reshape(-1)
        acc = (np.rint(np.clip(y, 0, 1) * 4) == c.reshape(-1)).mean()
        assert acc > 0.85
