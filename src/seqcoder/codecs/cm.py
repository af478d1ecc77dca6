"""The ``cm`` codec: the context-mixing nucleotide coder of :mod:`seqcoder.entropy`."""

from __future__ import annotations

import numpy as np

from ..entropy import cm_decode, cm_encode
from ..format.ids import SectionId
from ..levels import check_level
from .base import CodecOptions, ModelRef, Sections


class CmCodec:
    """Model-free context mixing; ``options.level`` (1..9) picks the model set.

    >>> import numpy as np
    >>> c = CmCodec(CodecOptions(level=1))
    >>> codes = np.array([0, 1, 2, 3, 3, 2], dtype=np.uint8)
    >>> c.decode(dict(c.encode(codes)), 6).tolist()
    [0, 1, 2, 3, 3, 2]
    """

    model_ref = ModelRef()

    def __init__(self, options: CodecOptions) -> None:
        self.options = options
        self.level = check_level(int(options.level))

    def encode(self, codes: np.ndarray) -> Sections:
        return [(SectionId.BASES, cm_encode(codes, self.level))]

    def decode(self, sections: dict[SectionId, bytes], n: int) -> np.ndarray:
        return cm_decode(sections[SectionId.BASES], n, self.level)
