"""Codec ``ae-zstd``: the published SeqCoder two-stage pipeline, made exact.

::

    codes --AE stage (ae_common)--> AE_PARAMS, AE_LATENT (int8, zstd 22), AE_AMBIGUOUS
                        \\--> reconstruction r
    (orig_ae - r) mod 4 --2-bit pack--> zstd 22 --> AE_RESIDUAL

Decoding recomputes ``r`` from the stored latent (fp32, TF32 off; positions near a rounding
boundary are read with ``floor``, see :mod:`seqcoder.codecs.ae_common`) and adds the residual.
"""

from __future__ import annotations

import numpy as np

from ..alphabet import pack_2bit, unpack_2bit
from ..errors import FormatError
from ..format.ids import CodecId, SectionId
from .ae_common import AECodecBase, stream_from_ae, zstd_compress, zstd_decompress
from .base import register_codec


def _residual(orig_ae: np.ndarray, recon: np.ndarray) -> np.ndarray:
    return ((orig_ae.astype(np.int16) - recon) & 3).astype(np.uint8)


def _stored_bytes(q: np.ndarray, orig_ae: np.ndarray, recon: np.ndarray) -> int:
    """What ae-zstd stores for a quantized latent: zstd(latent) + zstd(2-bit residual)."""
    return len(zstd_compress(q.tobytes())) + len(zstd_compress(pack_2bit(_residual(orig_ae, recon))))


@register_codec("ae-zstd", CodecId.AE_ZSTD)
class AEZstdCodec(AECodecBase):
    """The published autoencoder + residual pipeline (``options.model`` picks the weights).

    Decode side: put the archive's ModelRef in ``options.extra["model_ref"]`` (``options.model``
    then overrides where the weights come from; the sha256 must match), or pass ``loaded``.
    """

    codec_id = CodecId.AE_ZSTD
    name = "ae-zstd"

    def encode(self, codes: np.ndarray) -> list[tuple[SectionId, bytes]]:
        a = self.stage.analyse(codes, keep_float_latent=self.keep_analysis, step_cost=_stored_bytes)
        self.last_analysis = a if self.keep_analysis else None
        params, latent, amb = self.stage.sections(a)
        residual = _residual(a.orig_ae, a.recon)
        res = zstd_compress(pack_2bit(residual))
        self.last_stats = {"ambiguous": int(len(a.ambiguous)), "accuracy": float((residual == 0).mean()) if len(residual) else 1.0}
        return [(SectionId.AE_PARAMS, params), (SectionId.AE_LATENT, latent),
                (SectionId.AE_AMBIGUOUS, amb), (SectionId.AE_RESIDUAL, res)]

    def decode(self, sections: dict[SectionId, bytes], n: int) -> np.ndarray:
        try:
            params, latent = sections[SectionId.AE_PARAMS], sections[SectionId.AE_LATENT]
            amb, res = sections[SectionId.AE_AMBIGUOUS], sections[SectionId.AE_RESIDUAL]
        except KeyError as e:
            raise FormatError(f"ae-zstd block lacks section {SectionId(e.args[0]).name}") from None
        recon, _ = self.stage.reconstruct(params, latent, amb, n)
        residual = unpack_2bit(zstd_decompress(res, (n + 3) // 4, "AE_RESIDUAL"), n)
        return stream_from_ae((recon + residual) & 3)
