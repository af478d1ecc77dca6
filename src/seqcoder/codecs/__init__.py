"""Sequence codecs by name and by on-disk id. Modules are imported on first use, so model-free
codecs never import torch."""

from __future__ import annotations

import importlib

from ..errors import SeqcoderError
from ..format.ids import CodecId
from .base import CodecOptions, ModelRef, SequenceCodec, _FACTORIES, _NAMES

#: codec name -> (frozen id, module that registers it, needs a model)
CODECS: dict[str, tuple[CodecId, str, bool]] = {
    "2bit": (CodecId.TWO_BIT, "seqcoder.codecs.two_bit", False),
    "ae-zstd": (CodecId.AE_ZSTD, "seqcoder.codecs.ae_zstd", True),
    "cm": (CodecId.CM, "seqcoder.codecs.cm", False),
    "ae-cm": (CodecId.AE_CM, "seqcoder.codecs.ae_cm", True),
}
DEFAULT_CODEC = "cm"


def codec_name(codec_id: CodecId) -> str:
    for name, (cid, _, _) in CODECS.items():
        if cid == codec_id:
            return name
    raise SeqcoderError(f"unknown codec id {int(codec_id)}")


def make_codec(name: str, options: CodecOptions) -> SequenceCodec:
    """Build the codec called ``name`` (see :data:`CODECS`)."""
    if name not in CODECS:
        raise SeqcoderError(f"unknown codec {name!r}; choose one of {', '.join(CODECS)}")
    importlib.import_module(CODECS[name][1])
    return _FACTORIES[name](options)


__all__ = ["CODECS", "DEFAULT_CODEC", "CodecOptions", "ModelRef", "SequenceCodec", "codec_name",
           "make_codec", "_NAMES"]
