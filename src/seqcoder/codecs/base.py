"""What a sequence codec is.

A codec turns the A/C/G/T stream of one block (uint8 codes, see :mod:`seqcoder.alphabet`)
into sections and back::

    codes (uint8, 0..3) --encode--> [(SectionId, bytes), ...] --decode--> codes

Codecs know nothing of FASTA, containers or checksums; the container knows nothing of how
a codec predicts bases. A codec object is built once per archive (weights loaded once) and
reused for every block; ``encode``/``decode`` keep no state between calls (what an
evaluation wants to know about one encode is returned by that call), so blocks can run on
several threads and in any order. Names, ids and default levels are in the codec table,
:data:`seqcoder.codecs.CODECS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..format.ids import SectionId
from ..format.model_ref import ModelRef
from ..levels import DEFAULT_LEVEL

if TYPE_CHECKING:  # numpy is not imported to read the codec table
    import numpy as np

#: what ``encode`` returns: the sections of one block, in the order they are stored
Sections = list[tuple[SectionId, bytes]]


@dataclass
class CodecOptions:
    """Everything that selects a codec's behaviour. What the decoder needs is stored."""

    level: int = DEFAULT_LEVEL
    model: str | None = None  # zoo name, name@version, or a path (.pth / .safetensors)
    ae_margin: float | None = None  # safety margin of the AE decision (None: codec default)
    device: str = "cpu"
    extra: dict[str, Any] = field(default_factory=dict)


class SequenceCodec(Protocol):
    #: the model this codec instance uses (ModelRef() when none)
    model_ref: ModelRef

    def encode(self, codes: np.ndarray) -> Sections:
        """Code ``codes`` (uint8 0..3) into sections."""
        ...

    def decode(self, sections: dict[SectionId, bytes], n: int) -> np.ndarray:
        """Return the ``n`` codes the sections hold."""
        ...


__all__ = ["CodecOptions", "ModelRef", "Sections", "SequenceCodec"]
