"""Model architectures by stable string id (CompressAI style).

>>> from seqcoder.models.registry import build_model
>>> m = build_model("seqcoder-ae", P=2, K=64, stem_channels=(4, 8, 8, 8), funnel_channels=(8, 4),
...                 decoder_in=4, decoder_channels=(8, 8, 4), num_heads=2)
>>> type(m).__name__
'ConvolutionalAutoEncoder1D'
"""

from __future__ import annotations

from collections.abc import Callable

_MODELS: dict[str, Callable] = {}


def register_model(name: str):
    """Class decorator: make an architecture constructible by ``name`` (never reuse a name)."""

    def wrap(cls):
        if name in _MODELS and _MODELS[name] is not cls:
            raise ValueError(f"model architecture {name!r} registered twice")
        _MODELS[name] = cls
        cls.arch_name = name
        return cls

    return wrap


def build_model(arch: str, **hparams):
    """Construct a freshly initialised model of architecture ``arch``."""
    from . import autoencoder  # noqa: F401  (registers the architectures)

    if arch not in _MODELS:
        from ..errors import ModelError

        raise ModelError(f"unknown model architecture {arch!r} (known: {', '.join(sorted(_MODELS))})")
    return _MODELS[arch](**hparams)


def architectures() -> list[str]:
    from . import autoencoder  # noqa: F401

    return sorted(_MODELS)
