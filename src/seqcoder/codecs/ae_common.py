"""What the ``ae-zstd`` and ``ae-cm`` codecs share: the model (loaded once), the stage of
:mod:`.ae_stage`, and the encode result evaluation reads. The stage's integer parts are in
:mod:`.ae_quant`, its byte layouts in :mod:`.ae_sections`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..alphabet import FROM_AE
from ..errors import FormatError
from ..format.ids import SectionId
from .ae_stage import AEAnalysis, AEStage, load_stage_model
from .base import CodecOptions, Sections


def stream_from_ae(ae_codes: np.ndarray) -> np.ndarray:
    """AE codes 0..3 to stream codes."""
    return FROM_AE[ae_codes]


@dataclass(frozen=True)
class AEEncoding:
    """One block's encode: its sections, the stage's analysis, and the figures evaluation
    reports. Returned, never kept on the codec, which threads share."""

    sections: Sections
    analysis: AEAnalysis
    stats: dict[str, float]


def take_sections(sections: dict[SectionId, bytes], wanted: tuple[SectionId, ...], codec: str) -> list[bytes]:
    """The payloads of ``wanted`` in order; a missing one is a :class:`FormatError`."""
    missing = [sid.name for sid in wanted if sid not in sections]
    if missing:
        raise FormatError(f"{codec} block lacks section {', '.join(missing)}")
    return [sections[sid] for sid in wanted]


class AECodecBase:
    """What ``ae-zstd`` and ``ae-cm`` share: the model (loaded once), the AE stage, and the
    hook that the float-perturbation tests use. Subclasses implement :meth:`encode_block`."""

    def __init__(self, options: CodecOptions | None = None, loaded: Any = None):
        self.options = options or CodecOptions()
        lm = load_stage_model(self.options, loaded)
        self.stage = AEStage(lm, self.options.ae_margin, self.options.device)
        self.model_ref = lm.ref

    def encode(self, codes: np.ndarray) -> Sections:
        return self.encode_block(codes).sections

    def encode_block(self, codes: np.ndarray, keep_float_latent: bool = False) -> AEEncoding:
        """Encode one block and return what evaluation needs with it (``keep_float_latent``:
        keep the float latent in the analysis)."""
        raise NotImplementedError

    def decode(self, sections: dict[SectionId, bytes], n: int) -> np.ndarray:
        raise NotImplementedError

    def stage_sections(self, a: AEAnalysis) -> Sections:
        """The sections every AE codec stores first: AE_PARAMS, AE_LATENT, AE_AMBIGUOUS."""
        params, latent, amb = self.stage.sections(a)
        return [(SectionId.AE_PARAMS, params), (SectionId.AE_LATENT, latent), (SectionId.AE_AMBIGUOUS, amb)]
