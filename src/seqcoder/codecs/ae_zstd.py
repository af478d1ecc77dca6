"""Codec ``ae-zstd``: the published SeqCoder two-stage pipeline, made exact.

::

    codes --AE stage (ae_stage)--> AE_PARAMS, AE_LATENT (int8, zstd 22), AE_AMBIGUOUS
                        \\--> reconstruction r
    (orig_ae - r) mod 4 --2-bit pack--> zstd 22 --> AE_RESIDUAL

Decoding recomputes ``r`` from the stored latent (fp32, TF32 off; positions near a rounding
boundary are read with ``floor``, see :mod:`seqcoder.codecs.ae_stage`) and adds the residual.
"""

from __future__ import annotations

import numpy as np

from ..alphabet import pack_2bit, unpack_2bit
from ..format.ids import SectionId
from ..format.zstd import compress_bare, decompress_bare
from .ae_common import AECodecBase, AEEncoding, stream_from_ae, take_sections


def _residual(orig_ae: np.ndarray, recon: np.ndarray) -> np.ndarray:
    return ((orig_ae.astype(np.int16) - recon) & 3).astype(np.uint8)


def _stored_bytes(q: np.ndarray, orig_ae: np.ndarray, recon: np.ndarray) -> int:
    """What ae-zstd stores for a quantized latent: zstd(latent) + zstd(2-bit residual)."""
    return len(compress_bare(q.tobytes())) + len(compress_bare(pack_2bit(_residual(orig_ae, recon))))


class AEZstdCodec(AECodecBase):
    """The published autoencoder + residual pipeline (``options.model`` picks the weights).

    Decode side: put the archive's ModelRef in ``options.extra["model_ref"]`` (``options.model``
    then overrides where the weights come from; the sha256 must match), or pass ``loaded``.
    """

    def encode_block(self, codes: np.ndarray, keep_float_latent: bool = False) -> AEEncoding:
        a = self.stage.analyse(codes, keep_float_latent=keep_float_latent, step_cost=_stored_bytes)
        residual = _residual(a.orig_ae, a.recon)
        res = compress_bare(pack_2bit(residual))
        stats = {"ambiguous": int(len(a.ambiguous)),
                 "accuracy": float((residual == 0).mean()) if len(residual) else 1.0}
        return AEEncoding(self.stage_sections(a) + [(SectionId.AE_RESIDUAL, res)], a, stats)

    def decode(self, sections: dict[SectionId, bytes], n: int) -> np.ndarray:
        params, latent, amb, res = take_sections(
            sections, (SectionId.AE_PARAMS, SectionId.AE_LATENT, SectionId.AE_AMBIGUOUS, SectionId.AE_RESIDUAL),
            "ae-zstd")
        recon, _ = self.stage.reconstruct(params, latent, amb, n)
        residual = unpack_2bit(decompress_bare(res, (n + 3) // 4, "AE_RESIDUAL"), n)
        return stream_from_ae((recon + residual) & 3)
