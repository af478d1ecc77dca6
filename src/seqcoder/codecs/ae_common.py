"""The autoencoder stage shared by ``ae-zstd`` and ``ae-cm``.

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

Section layouts (varints are LEB128, floats little-endian IEEE binary32)::

    AE_PARAMS    u8 format=1 | varint K | varint P | f32 margin | f32 scale[P]
    AE_LATENT    zstd_frame(q as int8, channel-major (P, T))
    AE_AMBIGUOUS varint count | u8 mode (0 raw, 1 zstd_frame) | position gaps as varints

``zstd_frame`` is a Zstandard frame without magic number and content size (the section table
says what it is, the reader knows the size).
"""

from __future__ import annotations

import contextlib
import copy
import struct
import threading
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

import numpy as np

from ..alphabet import AE_PAD_CODE, FROM_AE, TO_AE
from ..format.ids import SectionId
from ..format.model_ref import ModelRef
from .base import CodecOptions, Sections
from ..errors import FormatError, ModelError, UnsafeDecodeError
from ..format.zstd import compress_bare, decompress_bare
from ..format.varint import decode_uvarints, encode_uvarint, encode_uvarints

PARAMS_FORMAT = 1
#: default safety margin in units of 4*y (see module docstring and the README's measurements)
DEFAULT_MARGIN = 2e-4
#: chunks per decoder batch; the last batch is zero-padded to this size
DECODE_BATCH = 16
#: the encoder halves the length four times: chunk lengths are multiples of this
STRIDE = 16
#: quantization steps (multiples of max|z|/127) an encoder with a cost function tries
STEP_CANDIDATES = (1.0, 1.5, 2.0)
#: chunks the step search looks at (evenly spaced; all of a smaller block)
SEARCH_CHUNKS = 64
_F32 = struct.Struct("<f")


# --------------------------------------------------------------------------- small helpers


def chunk_plan(n: int, K: int) -> tuple[int, int]:
    """``(full chunks, tail length)`` for ``n`` bases: full chunks of ``K``, then one chunk of
    the rest rounded up to a multiple of 16 (0: no tail).

    >>> chunk_plan(18940, 1280), chunk_plan(2560, 1280), chunk_plan(1, 1280)
    ((14, 1024), (2, 0), (0, 16))
    """
    full, rest = divmod(int(n), int(K))
    return full, -(-rest // STRIDE) * STRIDE


def quantize_per_channel(z: np.ndarray, step: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per latent channel: ``z (P, T) -> q int8, scale float32 (P,)``; the
    scale is ``step * max|z| / 127`` (a coarser step makes a smaller, less exact latent).

    >>> z = np.array([[1.0, -2.0], [0.5, 0.25]], dtype=np.float32)
    >>> q, s = quantize_per_channel(z)
    >>> q.tolist(), np.allclose(dequantize(q, s), z, atol=s.max())
    ([[64, -127], [127, 64]], True)
    """
    z = np.asarray(z, dtype=np.float32)
    scale = channel_scales(z, step)
    return quantize(z, scale), scale


def channel_scales(z: np.ndarray, step: float = 1.0) -> np.ndarray:
    """``step * max|z[c]| / 127`` per channel as float32 (1.0 for an all-zero channel)."""
    maxabs = np.abs(z).max(axis=1) if z.size else np.zeros(z.shape[0], np.float32)
    scale = (maxabs / np.float32(127.0) * np.float32(step)).astype(np.float32)
    scale[~(scale > 0)] = np.float32(1.0)
    return scale


def quantize(z: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``clip(rint(z / scale), -127, 127)`` as int8, per channel."""
    return np.clip(np.rint(z / scale[:, None]), -127, 127).astype(np.int8)


def dequantize(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``q * scale`` in float32: one IEEE multiply per value, identical on every machine."""
    return q.astype(np.float32) * scale.astype(np.float32)[:, None]


def boundary_distance(v: np.ndarray) -> np.ndarray:
    """Distance of ``v = 4y`` to the nearest rounding boundary ``k + 0.5``."""
    return np.abs(v - np.floor(v) - np.float32(0.5))


def reconstruct_from_output(y: np.ndarray, ambiguous: np.ndarray) -> np.ndarray:
    """AE codes 0..3 from decoder outputs ``y`` (flat): floor at ``ambiguous``, round elsewhere."""
    v = np.clip(y.astype(np.float32), 0, 1) * np.float32(4.0)
    r = np.rint(v)
    if len(ambiguous):
        r[ambiguous] = np.floor(v[ambiguous])
    return (r.astype(np.uint8) & 3).astype(np.uint8)


def ambiguous_to_bytes(positions: np.ndarray) -> bytes:
    """AE_AMBIGUOUS: ``varint count | u8 mode | gaps as varints`` (mode 0 raw, 1 zstd 22).

    Gaps are ``position - previous position`` (the first from 0); zstd only when it is smaller.

    >>> ambiguous_to_bytes(np.array([3, 10])).hex()
    '02000307'
    """
    gaps = np.diff(np.asarray(positions, dtype=np.int64), prepend=0)
    raw = encode_uvarints(gaps)
    packed = compress_bare(raw) if raw else b""
    mode, body = (1, packed) if raw and len(packed) < len(raw) else (0, raw)
    return encode_uvarint(len(gaps)) + bytes([mode]) + body


def ambiguous_from_bytes(data: bytes, n: int) -> np.ndarray:
    """Inverse of :func:`ambiguous_to_bytes`; positions must be increasing and below ``n``."""
    (count,), pos = decode_uvarints(data, 0, 1)
    count = int(count)
    if count > n or pos >= len(data):
        raise FormatError(f"AE_AMBIGUOUS: {count} positions for {n} bases, or no mode byte")
    mode, body = data[pos], data[pos + 1:]
    if mode == 1:
        body = decompress_bare(body, 10 * count, "AE_AMBIGUOUS", exact=False)
    elif mode != 0:
        raise FormatError(f"AE_AMBIGUOUS: unknown mode {mode}")
    gaps, end = decode_uvarints(body, 0, count)
    if end != len(body):
        raise FormatError("AE_AMBIGUOUS section has trailing bytes")
    positions = np.cumsum(gaps.astype(np.int64)) if count else np.zeros(0, np.int64)
    if count and (positions[-1] >= n or (count > 1 and np.any(np.diff(positions) <= 0))):
        raise FormatError("AE_AMBIGUOUS positions are not increasing or out of range")
    return positions.astype(np.int64)


# --------------------------------------------------------------------------- params


@dataclass
class AEParams:
    K: int
    P: int
    margin: float
    scales: np.ndarray

    def to_bytes(self) -> bytes:
        head = bytes([PARAMS_FORMAT]) + encode_uvarints([self.K, self.P]) + _F32.pack(self.margin)
        return head + np.asarray(self.scales, dtype="<f4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> AEParams:
        if not data or data[0] != PARAMS_FORMAT:
            fmt = data[0] if data else None
            raise FormatError(f"AE_PARAMS format {fmt} is not supported (this version reads {PARAMS_FORMAT})")
        (K, P), pos = decode_uvarints(data, 1, 2)
        K, P = int(K), int(P)
        if len(data) != pos + 4 + 4 * P:
            raise FormatError(f"AE_PARAMS section has {len(data)} bytes, expected {pos + 4 + 4 * P}")
        (margin,) = _F32.unpack_from(data, pos)
        if not (margin >= 0 and margin < 0.25):
            raise FormatError(f"AE_PARAMS: margin {margin} out of range")
        scales = np.frombuffer(data, dtype="<f4", offset=pos + 4).astype(np.float32)
        return cls(K, P, float(margin), scales)


# --------------------------------------------------------------------------- the stage


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


#: cost in bytes of a quantized latent ``q (P, T)`` and its reconstruction of ``orig_ae``
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
        #: test hook: called on the decode side with the flat float32 decoder output
        self.decode_output_hook: Callable[[np.ndarray], np.ndarray] | None = None

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
        if self.decode_output_hook is not None:
            y = np.asarray(self.decode_output_hook(y), dtype=np.float32)
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

    @property
    def decode_output_hook(self) -> Callable[[np.ndarray], np.ndarray] | None:
        return self.stage.decode_output_hook

    @decode_output_hook.setter
    def decode_output_hook(self, fn: Callable[[np.ndarray], np.ndarray] | None) -> None:
        self.stage.decode_output_hook = fn
