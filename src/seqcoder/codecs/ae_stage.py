"""The autoencoder stage shared by ``ae-zstd`` and ``ae-cm``: the network's float parts, run
so that encoder and decoder agree on every base.

::

    stream codes --TO_AE--> full chunks of K, then one tail chunk of the rest rounded up to a
                            multiple of 16 (padded with code 4) --/4--> encoder --> z (float)
        z --per-channel symmetric int8--> q (AE_LATENT, zstd 22) + scales (AE_PARAMS)
        q * scale (float32, bit-exact) --decoder, fp32, TF32 off--> y
        v = 4 * clip(y, 0, 1)
        reconstruction r = floor(v) where v lies within m of a boundary k + 0.5 (AE_AMBIGUOUS)
                           round(v)  everywhere else                       (value 4 counts as 0)

Why this decodes exactly on other hardware: the decoder recomputes ``y`` in floating point,
so its ``v`` differs from the encoder's by some small error ``e``. Away from the stored
positions the encoder's ``v`` was at least ``m`` from every boundary, so ``round`` agrees as
long as ``|e| < m``; at stored positions ``v`` was within ``m`` of ``k + 0.5`` and ``floor``
gives ``k`` as long as ``|e| < 0.5 - m``. The decoder checks its own output: a non-stored
position closer than ``m/2`` to a boundary (or a stored one further than ``1.5 m``) proves
``|e| > m/2`` and raises :class:`~seqcoder.errors.UnsafeDecodeError` rather than risk a wrong
base. ``m`` is in units of ``4y`` and stored in AE_PARAMS.

The latent is kept as P channel sequences ``q (P, T)``: channel ``c`` holds the latent of
every chunk in order, ``T = (full chunks * K + tail) / 16``. Coding the tail chunk at its own
length saves the latent of the padding (about 60 bytes on a 19 kb genome).

The integer parts are in :mod:`.ae_quant` (quantization, rounding), the byte layouts in
:mod:`.ae_sections`; the codec base class is in :mod:`.ae_common`.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..alphabet import AE_PAD_CODE, TO_AE
from ..errors import ModelError, UnsafeDecodeError
from ..format.model_ref import ModelRef
from ..format.zstd import compress_bare, decompress_bare
from .ae_quant import (STRIDE, boundary_distance, channel_scales, chunk_plan, dequantize, quantize,
                       quantize_per_channel, reconstruct_from_output)
from .ae_sections import AEParams, ambiguous_from_bytes, ambiguous_to_bytes
from .base import CodecOptions

#: default safety margin in units of 4*y (see the module docstring and docs/autoencoder.md)
DEFAULT_MARGIN = 2e-4
#: chunks per decoder batch; the last batch is zero-padded to this size
DECODE_BATCH = 16
#: quantization steps (multiples of max|z|/127) an encoder with a cost function tries
STEP_CANDIDATES = (1.0, 1.5, 2.0)
#: chunks the step search looks at (evenly spaced; all of a smaller block)
SEARCH_CHUNKS = 64


@dataclass
class AEAnalysis:
    """What the encoder side of the AE stage computed for one block."""

    params: AEParams
    latent: np.ndarray  # int8 (P, T): each channel's latent over all chunks in order
    y: np.ndarray  # float32, decoder output of the dequantized latent, flat (n)
    ambiguous: np.ndarray  # int64 sorted positions < n
    recon: np.ndarray  # AE codes 0..3, length n
    orig_ae: np.ndarray  # AE codes of the input, length n
    z: np.ndarray | None = None  # float latent (P, T) (kept for evaluation)

StepCost = Callable[[np.ndarray, np.ndarray, np.ndarray], int]

_DEVICE_MODELS: dict[tuple[int, str], object] = {}
_DEV_LOCK = threading.Lock()


def _model_on(model, device: str):
    if device == "cpu":
        return model
    with _DEV_LOCK:
        key = (id(model), device)
        m = _DEVICE_MODELS.get(key)
        if m is None:
            m = copy.deepcopy(model).to(device).eval()
            _DEVICE_MODELS[key] = m
        return m


@contextlib.contextmanager
def exact_fp32():
    """Run the decoder in plain fp32: TF32 off (restored afterwards), no autocast."""
    import torch

    old = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    try:
        with torch.autocast("cpu", enabled=False), torch.no_grad():
            yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def load_stage_model(options: CodecOptions, loaded=None):
    """The :class:`~seqcoder.models.zoo.LoadedModel` a codec instance uses.

    ``loaded`` wins; else ``options.extra["model_ref"]`` (an archive's ModelRef, decode side)
    is resolved with ``options.model`` as override; else ``options.model`` is loaded.
    """
    from ..models.zoo import load_model, resolve_model_for_archive

    if loaded is not None:
        return loaded
    ref = (options.extra or {}).get("model_ref")
    if isinstance(ref, ModelRef) and ref.name:
        return resolve_model_for_archive(ref, options.model)
    return load_model(options.model)


class AEStage:
    """Encoder/decoder halves of the AE stage for one loaded model (reusable, stateless)."""

    def __init__(self, loaded, margin: float | None = None, device: str = "cpu", batch: int = DECODE_BATCH):
        self.loaded = loaded
        self.model = loaded.model
        self.K = int(loaded.hparams["K"])
        self.P = int(loaded.hparams["P"])
        self.margin = float(DEFAULT_MARGIN if margin is None else margin)
        if not 0 <= self.margin < 0.25:
            raise ValueError(f"ae margin must be in [0, 0.25), got {self.margin}")
        self.device = device or "cpu"
        if self.device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise ModelError(f"device {self.device!r} requested but torch sees no CUDA device")
        self.batch = int(batch)

    # -- float parts
    @property
    def latent_length(self) -> int:
        return self.K // STRIDE

    def _groups(self, T: int) -> list[tuple[int, int, int]]:
        """``(first latent column, chunks, latent length per chunk)`` of the full chunks and
        of the tail chunk, for a latent of ``T`` columns."""
        L = self.latent_length
        full, tail = divmod(T, L)
        groups = [(0, full, L)] if full else []
        return groups + ([(full * L, 1, tail)] if tail else [])

    def encode_latent(self, orig_ae: np.ndarray) -> np.ndarray:
        """Float latent ``(P, T)`` of AE codes (full chunks, then the padded tail chunk)."""
        import torch

        full, tail = chunk_plan(len(orig_ae), self.K)
        padded = np.full(full * self.K + tail, AE_PAD_CODE, dtype=np.uint8)
        padded[:len(orig_ae)] = orig_ae
        m = _model_on(self.model, self.device)
        parts = [np.zeros((self.P, 0), np.float32)]
        with exact_fp32():
            for start, count, length in ((0, full, self.K), (full * self.K, 1 if tail else 0, tail)):
                chunks = padded[start:start + count * length].reshape(count, length)
                for i in range(0, count, self.batch):
                    x = torch.from_numpy(chunks[i:i + self.batch].astype(np.float32) / np.float32(4.0))
                    z = m.encode(x.unsqueeze(1).to(self.device)).float().cpu().numpy()
                    parts.append(z.transpose(1, 0, 2).reshape(self.P, -1))
        return np.concatenate(parts, axis=1)

    def decoder_output(self, latent_f32: np.ndarray) -> np.ndarray:
        """Flat float32 decoder output of a dequantized latent ``(P, T)`` (fp32, TF32 off).

        Chunks of one length go through the decoder in fixed, zero-padded batches of
        ``self.batch`` (the tail chunk in a batch of its own), so the encoder and the decoder run
        exactly the same computation on one machine whatever the block size; other machines
        (threads, CPU vs GPU) differ by float error the margin absorbs.
        """
        import torch

        m = _model_on(self.model, self.device)
        out = [np.zeros(0, np.float32)]
        b = self.batch
        with exact_fp32():
            for first, count, L in self._groups(latent_f32.shape[1]):
                chunks = latent_f32[:, first:first + count * L].reshape(self.P, count, L).transpose(1, 0, 2)
                for i in range(0, count, b):
                    part = chunks[i:i + b]
                    real = len(part)
                    if real < b:
                        # always full batches: the kernels a backend picks depend on the batch size
                        # (oneDNN: batch <= 8 vs >= 16 differ by ~5e-6 in y), so pad with zeros
                        part = np.concatenate([part, np.zeros((b - real,) + part.shape[1:], np.float32)])
                    z = torch.from_numpy(np.ascontiguousarray(part, dtype=np.float32))
                    out.append(m.decode(z.to(self.device)).float().cpu().numpy()[:real].reshape(-1))
        return np.concatenate(out)

    # -- encoder side
    def analyse(self, codes: np.ndarray, keep_float_latent: bool = False,
                step_cost: StepCost | None = None) -> AEAnalysis:
        """Encode, quantize and decode one block. With ``step_cost``, the quantization step is
        the one of :data:`STEP_CANDIDATES` whose cost is smallest on a sample of chunks."""
        codes = np.asarray(codes, dtype=np.uint8)
        orig_ae = TO_AE[codes]
        z = self.encode_latent(orig_ae)
        step = self._best_step(z, orig_ae, step_cost) if step_cost and z.size else 1.0
        q, scale = quantize_per_channel(z, step)
        y, ambiguous, recon = self._decode_side(q, scale, len(codes))
        params = AEParams(self.K, self.P, self.margin, scale)
        return AEAnalysis(params, q, y, ambiguous, recon, orig_ae, z if keep_float_latent else None)

    def _decode_side(self, q: np.ndarray, scale: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(decoder output, ambiguous positions, reconstruction) of a quantized latent."""
        y = self.decoder_output(dequantize(q, scale))[:n]
        v = np.clip(y, 0, 1) * np.float32(4.0)
        ambiguous = np.flatnonzero(boundary_distance(v) < np.float32(self.margin)).astype(np.int64)
        return y, ambiguous, reconstruct_from_output(y, ambiguous)

    def _best_step(self, z: np.ndarray, orig_ae: np.ndarray, step_cost: StepCost) -> float:
        """Rate-distortion choice of the quantization step: a coarser step shrinks the latent
        and grows the residual; which wins depends on the model and the data."""
        L = self.latent_length
        full = z.shape[1] // L
        if full > SEARCH_CHUNKS:  # evenly spaced full chunks stand for the block
            picks = np.linspace(0, full - 1, SEARCH_CHUNKS).astype(np.int64)
            cols = (picks[:, None] * L + np.arange(L)).reshape(-1)
            bases = (picks[:, None] * self.K + np.arange(self.K)).reshape(-1)
            z_sample, ae_sample = z[:, cols], orig_ae[bases]
        else:
            z_sample, ae_sample = z, orig_ae
        costs = []
        for step in STEP_CANDIDATES:
            scale = channel_scales(z, step)  # the whole block's scale, not the sample's
            q = quantize(z_sample, scale)
            recon = self._decode_side(q, scale, len(ae_sample))[2]
            costs.append(step_cost(q, ae_sample, recon))
        return STEP_CANDIDATES[int(np.argmin(costs))]

    def sections(self, a: AEAnalysis) -> tuple[bytes, bytes, bytes]:
        """(AE_PARAMS, AE_LATENT, AE_AMBIGUOUS) bytes of an analysis."""
        latent = compress_bare(np.ascontiguousarray(a.latent, dtype=np.int8).tobytes())
        return a.params.to_bytes(), latent, ambiguous_to_bytes(a.ambiguous)

    # -- decoder side
    def reconstruct(self, params_b: bytes, latent_b: bytes, amb_b: bytes, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(reconstruction as AE codes 0..3, ambiguous positions) for ``n`` bases."""
        p = AEParams.from_bytes(params_b)
        if p.K != self.K or p.P != self.P:
            raise ModelError(f"archive needs an autoencoder with K={p.K}, P={p.P}; the model has "
                             f"K={self.K}, P={self.P}")
        full, tail = chunk_plan(n, p.K)
        T = (full * p.K + tail) // STRIDE
        q = np.frombuffer(decompress_bare(latent_b, p.P * T, "AE_LATENT"), dtype=np.int8).reshape(p.P, T)
        ambiguous = ambiguous_from_bytes(amb_b, n)
        y = self.decoder_output(dequantize(q, p.scales))[:n]
        self._guard(y, ambiguous, p.margin)
        return reconstruct_from_output(y, ambiguous), ambiguous

    @staticmethod
    def _guard(y: np.ndarray, ambiguous: np.ndarray, margin: float) -> None:
        d = boundary_distance(np.clip(y, 0, 1) * np.float32(4.0))
        stored = np.zeros(len(y), dtype=bool)
        stored[ambiguous] = True
        bad = (~stored & (d < np.float32(margin / 2))) | (stored & (d > np.float32(1.5 * margin)))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise UnsafeDecodeError(
                f"the autoencoder's output at base {i} (and {int(bad.sum()) - 1} more) differs from the "
                f"encoder's by more than half the archive's safety margin ({margin:g} in units of 4y); "
                "decoding could give wrong bases. Decode on CPU in fp32, or re-encode with a larger --ae-margin."
            )
