"""The codec table: every sequence codec's name, frozen on-disk id, class, default level,
whether it needs a model, and the pip extra it needs. Nothing else declares these facts.
Classes are imported on first use, so model-free codecs never import torch, and reading the
table (``seqcoder --help``) imports neither numpy nor numba.

>>> [spec.name for spec in CODECS.values()]
['cm', 'ae-zstd', 'ae-cm', '2bit']
>>> codec_spec(CodecId.AE_CM).needs_model
True
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..errors import SeqcoderError
from ..extras import require
from ..format.ids import CodecId
from ..format.model_ref import ModelRef
from ..levels import DEFAULT_LEVEL
from .base import CodecOptions, SequenceCodec


@dataclass(frozen=True)
class CodecSpec:
    """One row of the codec table."""

    name: str  #: what ``--codec`` takes
    codec_id: CodecId  #: what the archive header stores
    class_path: str  #: ``module:Class`` of the implementation
    summary: str  #: one line for help texts
    default_level: int = DEFAULT_LEVEL
    needs_model: bool = False
    extra: str | None = None  #: the pip extra it needs beyond the core install


_SPECS = (
    CodecSpec("cm", CodecId.CM, "seqcoder.codecs.cm:CmCodec", "context mixing (default)"),
    CodecSpec("ae-zstd", CodecId.AE_ZSTD, "seqcoder.codecs.ae_zstd:AEZstdCodec",
              "the published SeqCoder autoencoder + zstd residual", needs_model=True, extra="ae"),
    CodecSpec("ae-cm", CodecId.AE_CM, "seqcoder.codecs.ae_cm:AECmCodec",
              "the autoencoder's reconstruction as a cm input", needs_model=True, extra="ae"),
    CodecSpec("2bit", CodecId.TWO_BIT, "seqcoder.codecs.two_bit:TwoBitCodec", "four bases a byte"),
)
#: codec name -> its row, in the order help texts list them
CODECS: dict[str, CodecSpec] = {spec.name: spec for spec in _SPECS}
DEFAULT_CODEC = _SPECS[0].name
#: the codecs that take ``--model``
MODEL_CODECS = tuple(spec.name for spec in _SPECS if spec.needs_model)


def codec_spec(key: str | CodecId) -> CodecSpec:
    """The row for a codec name or on-disk id."""
    for spec in _SPECS:
        if key == spec.name or (isinstance(key, CodecId) and key == spec.codec_id):
            return spec
    if isinstance(key, CodecId):
        raise SeqcoderError(f"unknown codec id {int(key)}")
    raise SeqcoderError(f"unknown codec {key!r}; choose one of {', '.join(CODECS)}")


def codec_name(codec_id: CodecId) -> str:
    return codec_spec(codec_id).name


def make_codec(name: str, options: CodecOptions) -> SequenceCodec:
    """Build the codec called ``name`` (see :data:`CODECS`)."""
    spec = codec_spec(name)
    if spec.extra:
        require(spec.extra, what=f"codec {spec.name}")
    module, cls = spec.class_path.split(":")
    codec: SequenceCodec = getattr(importlib.import_module(module), cls)(options)
    return codec


__all__ = ["CODECS", "DEFAULT_CODEC", "MODEL_CODECS", "CodecOptions", "CodecSpec", "ModelRef", "SequenceCodec",
           "codec_name", "codec_spec", "make_codec"]
