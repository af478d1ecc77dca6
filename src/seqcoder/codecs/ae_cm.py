"""Codec ``ae-cm``: the autoencoder's reconstruction as a hint to the context-mixing coder.

::

    codes --AE stage (ae_stage)--> AE_PARAMS, AE_LATENT, AE_AMBIGUOUS
                        \\--> reconstruction r --> hint (stream code; 4 = none at ambiguous positions)
    codes + hint --cm_encode(level)--> BASES  (first byte: the cm level)

No residual section: the cm coder learns how far to trust the hint. At stored ambiguous
positions the hint is 4 (no prediction) on both sides, so encoder and decoder give the coder
the same hint by construction.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FormatError
from ..format.ids import SectionId
from .ae_common import AECodecBase, AEEncoding, stream_from_ae, take_sections
from .base import CodecOptions

NO_HINT = 4


def make_hint(recon_ae: np.ndarray, ambiguous: np.ndarray) -> np.ndarray:
    """Stream-code hint from an AE reconstruction; 4 at ambiguous positions."""
    hint = stream_from_ae(recon_ae).astype(np.uint8)
    if len(ambiguous):
        hint[ambiguous] = NO_HINT
    return hint


class AECmCodec(AECodecBase):
    """Autoencoder latent + context mixing with the reconstruction as a hint.

    ``options.level`` is the cm level (stored in the BASES section's first byte);
    model selection works as for :class:`~seqcoder.codecs.ae_zstd.AEZstdCodec`.
    """

    def __init__(self, options: CodecOptions | None = None, loaded: Any = None):
        from ..entropy import level_config

        self.options = options or CodecOptions()
        self.level = int(self.options.level)
        level_config(self.level)
        super().__init__(self.options, loaded)

    def encode_block(self, codes: np.ndarray, keep_float_latent: bool = False) -> AEEncoding:
        from ..entropy import cm_encode

        codes = np.ascontiguousarray(codes, dtype=np.uint8)
        a = self.stage.analyse(codes, keep_float_latent=keep_float_latent)
        hint = make_hint(a.recon, a.ambiguous)
        bases = bytes([self.level]) + cm_encode(codes, self.level, hint=hint)
        stats = {"ambiguous": int(len(a.ambiguous)),
                 "hint_accuracy": float((hint == codes).mean()) if len(codes) else 1.0}
        return AEEncoding(self.stage_sections(a) + [(SectionId.BASES, bases)], a, stats)

    def decode(self, sections: dict[SectionId, bytes], n: int) -> np.ndarray:
        from ..entropy import cm_decode

        params, latent, amb, bases = take_sections(
            sections, (SectionId.AE_PARAMS, SectionId.AE_LATENT, SectionId.AE_AMBIGUOUS, SectionId.BASES), "ae-cm")
        if not bases:
            raise FormatError("ae-cm BASES section is empty")
        recon, ambiguous = self.stage.reconstruct(params, latent, amb, n)
        try:
            return cm_decode(bases[1:], n, bases[0], hint=make_hint(recon, ambiguous))
        except ValueError as e:
            raise FormatError(f"ae-cm BASES section: {e}") from None
