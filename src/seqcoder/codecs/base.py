"""What a sequence codec is, and the registry that maps names and on-disk ids to codecs.

A codec turns the A/C/G/T stream of one block (uint8 codes, see :mod:`seqcoder.alphabet`)
into sections and back::

    codes (uint8, 0..3) --encode--> [(SectionId, bytes), ...] --decode--> codes

Codecs know nothing of FASTA, containers or checksums; the container knows nothing of how
a codec predicts bases. A codec object is built once per archive (weights loaded once) and
reused for every block; ``encode``/``decode`` must not keep state between blocks, so blocks
can run on several threads and in any order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from ..format.ids import CodecId, SectionId


@dataclass(frozen=True)
class ModelRef:
    """The model an archive needs, as written in its header (empty for model-free codecs)."""

    name: str = ""
    version: str = ""
    sha256: bytes = b"\0" * 32


@dataclass
class CodecOptions:
    """Everything that selects a codec's behaviour. What the decoder needs is stored."""

    level: int = 6
    model: str | None = None  # zoo name, name@version, or a path (.pth / .safetensors)
    ae_margin: float | None = None  # safety margin of the AE decision (None: codec default)
    device: str = "cpu"
    extra: dict = field(default_factory=dict)


class SequenceCodec(Protocol):
    codec_id: CodecId
    name: str
    #: the model this codec instance uses (ModelRef() when none)
    model_ref: ModelRef

    def encode(self, codes: np.ndarray) -> list[tuple[SectionId, bytes]]:
        """Code ``codes`` (uint8 0..3) into sections."""

    def decode(self, sections: dict[SectionId, bytes], n: int) -> np.ndarray:
        """Return the ``n`` codes the sections hold."""


#: name -> factory(options) -> codec
_FACTORIES: dict[str, Callable[[CodecOptions], SequenceCodec]] = {}
_NAMES: dict[CodecId, str] = {}


def register_codec(name: str, codec_id: CodecId):
    """Class or factory decorator: make a codec known under ``name`` and its frozen id."""

    def wrap(factory):
        _FACTORIES[name] = factory
        _NAMES[codec_id] = name
        return factory

    return wrap
