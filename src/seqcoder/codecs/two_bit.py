"""Codec ``2bit``: four bases a byte. The fastest codec and the baseline every other must beat."""

from __future__ import annotations

import numpy as np

from ..alphabet import pack_2bit, unpack_2bit
from ..errors import FormatError
from ..format.ids import CodecId, SectionId
from .base import CodecOptions, ModelRef, register_codec


@register_codec("2bit", CodecId.TWO_BIT)
class TwoBitCodec:
    codec_id = CodecId.TWO_BIT
    name = "2bit"
    model_ref = ModelRef()

    def __init__(self, options: CodecOptions | None = None):
        self.options = options or CodecOptions()

    def encode(self, codes: np.ndarray) -> list[tuple[SectionId, bytes]]:
        return [(SectionId.BASES, pack_2bit(codes))]

    def decode(self, sections: dict[SectionId, bytes], n: int) -> np.ndarray:
        try:
            return unpack_2bit(sections[SectionId.BASES], n)
        except (KeyError, ValueError) as exc:
            raise FormatError(f"bad 2bit section: {exc}") from None
