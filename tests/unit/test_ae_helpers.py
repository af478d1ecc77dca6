"""Tiny randomly initialised autoencoders for fast AE tests."""

from __future__ import annotations

import hashlib

TINY = dict(P=2, K=64, stem_channels=(4, 8, 8, 8), funnel_channels=(8, 4), decoder_in=4,
            decoder_channels=(8, 8, 4), num_heads=2)


def tiny_loaded(seed: int = 0, **over):
    import torch

    from seqcoder.codecs.base import ModelRef
    from seqcoder.models.registry import build_model
    from seqcoder.models.zoo import LoadedModel

    torch.manual_seed(seed)
    hp = dict(TINY, **over)
    model = build_model("seqcoder-ae", **hp).eval()
    digest = hashlib.sha256(repr((seed, sorted(hp.items()))).encode()).digest()
    return LoadedModel(model=model, ref=ModelRef("tiny", str(seed), digest), hparams=model.hparams)
