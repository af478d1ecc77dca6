"""Codec ``2bit``: four bases a byte. The fastest codec and the baseline every other must beat."""

from __future__ import annotations

import numpy as np

from ..alphabet import pack_2bit, unpack_2bit
from ..errors import FormatError
from ..format.ids import SectionId
from .base import CodecOptions, ModelRef, Sections


class TwoBitCodec:
    """Four bases a byte, first base in the high bits.

    >>> import numpy as np
    >>> c = TwoBitCodec()
    >>> c.decode(dict(c.encode(np.array([3, 2, 1, 0, 1], np.uint8))), 5).tolist()
    [3, 2, 1, 0, 1]
    """

    model_ref = ModelRef()

    def __init__(self, options: CodecOptions | None = None):
        self.options = options or CodecOptions()

    def encode(self, codes: np.ndarray) -> Sections:
        return [(SectionId.BASES, pack_2bit(codes))]

    def decode(self, sections: dict[SectionId, bytes], n: int) -> np.ndarray:
        try:
            return unpack_2bit(sections[SectionId.BASES], n)
        except (KeyError, ValueError) as exc:
            raise FormatError(f"bad 2bit section: {exc}") from None
