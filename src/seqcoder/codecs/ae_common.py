"""The autoencoder stage shared by ``ae-zstd`` and ``ae-cm``.

::

    stream codes --TO_AE--> chunks of K (tail: code 4) --/4--> encoder --> z (float)
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

AE_PARAMS layout (little-endian, format 1)::

    u8 format=1 | u32 K | u16 P | u32 latent_length | u32 chunks | f32 margin
    | u8 latent_layout (1: int8 (chunks, P, L); 2: int8 (P, chunks, L), written by default)
    | u8 ambiguous_format (1: varint gaps)
    | f32 scale[P]
"""

from __future__ import annotations

import contextlib
import copy
import struct
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
import zstandard

from ..alphabet import FROM_AE, TO_AE
from ..codecs.base import CodecOptions
from ..errors import FormatError, ModelError, UnsafeDecodeError
from ..io.varint import decode_uvarints, encode_uvarints

PARAMS_FORMAT = 1
LATENT_LAYOUT_CHUNK_MAJOR = 1  # int8 (chunks, P, L), as the network produces it
LATENT_LAYOUT_CHANNEL_MAJOR = 2  # int8 (P, chunks, L): each channel's values together (smaller)
AMBIGUOUS_VARINT_GAPS = 1
ZSTD_LEVEL = 22
PAD_CODE = 4
#: default safety margin in units of 4*y (see module docstring and the README's measurements)
DEFAULT_MARGIN = 2e-4
#: chunks per decoder batch; the last batch is zero-padded to this size
DECODE_BATCH = 16
_HEAD = struct.Struct("<BIHIIfBB")


# --------------------------------------------------------------------------- small helpers


def zstd_compress(data: bytes, level: int = ZSTD_LEVEL) -> bytes:
    return zstandard.ZstdCompressor(level=level).compress(data)


def zstd_decompress(data: bytes, size: int, what: str) -> bytes:
    try:
        out = zstandard.ZstdDecompressor().decompress(data, max_output_size=max(size, 1))
    except zstandard.ZstdError as e:
        raise FormatError(f"{what} section: zstd error: {e}") from None
    if len(out) != size:
        raise FormatError(f"{what} section holds {len(out)} bytes, expected {size}")
    return out


def quantize_per_channel(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per latent channel: ``z (N, P, L) -> q int8, scale float32 (P,)``.

    >>> z = np.array([[[1.0, -2.0], [0.5, 0.25]]], dtype=np.float32)
    >>> q, s = quantize_per_channel(z)
    >>> q.tolist(), np.allclose(dequantize(q, s), z, atol=s.max())
    ([[[64, -127], [127, 64]]], True)
    """
    z = np.asarray(z, dtype=np.float32)
    maxabs = np.abs(z).max(axis=(0, 2)) if z.size else np.zeros(z.shape[1], np.float32)
    scale = (maxabs / np.float32(127.0)).astype(np.float32)
    scale[~(scale > 0)] = np.float32(1.0)
    q = np.clip(np.rint(z / scale[None, :, None]), -127, 127).astype(np.int8)
    return q, scale


def dequantize(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``q * scale`` in float32: one IEEE multiply per value, identical on every machine."""
    return q.astype(np.float32) * scale.astype(np.float32)[None, :, None]


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
    """AE_AMBIGUOUS: ``u32 count | u8 mode | gaps as varints`` (mode 0 raw, 1 zstd 22).

    Gaps are ``position - previous position`` (the first from 0); zstd only when it is smaller.

    >>> ambiguous_to_bytes(np.array([3, 10])).hex()
    '02000000000307'
    """
    gaps = np.diff(np.asarray(positions, dtype=np.int64), prepend=0)
    raw = encode_uvarints(gaps)
    packed = zstd_compress(raw) if raw else b""
    mode, body = (1, packed) if raw and len(packed) < len(raw) else (0, raw)
    return struct.pack("<IB", len(gaps), mode) + body


def ambiguous_from_bytes(data: bytes, n: int) -> np.ndarray:
    """Inverse of :func:`ambiguous_to_bytes`; positions must be increasing and below ``n``."""
    if len(data) < 5:
        raise FormatError("AE_AMBIGUOUS section is too short")
    count, mode = struct.unpack_from("<IB", data)
    if count > n:
        raise FormatError(f"AE_AMBIGUOUS: {count} positions for {n} bases")
    body = data[5:]
    if mode == 1:
        try:
            body = zstandard.ZstdDecompressor().decompress(body, max_output_size=10 * count + 16)
        except zstandard.ZstdError as e:
            raise FormatError(f"AE_AMBIGUOUS section: zstd error: {e}") from None
    elif mode != 0:
        raise FormatError(f"AE_AMBIGUOUS: unknown mode {mode}")
    gaps, end = decode_uvarints(body, 0, count)
    if end != len(body):
        raise FormatError("AE_AMBIGUOUS section has trailing bytes")
    pos = np.cumsum(gaps.astype(np.int64)) if count else np.zeros(0, np.int64)
    if count and (pos[-1] >= n or (count > 1 and np.any(np.diff(pos) <= 0)) or pos[0] < 0):
        raise FormatError("AE_AMBIGUOUS positions are not increasing or out of range")
    return pos.astype(np.int64)


# --------------------------------------------------------------------------- params


@dataclass
class AEParams:
    K: int
    P: int
    latent_length: int
    chunks: int
    margin: float
    scales: np.ndarray
    latent_layout: int = LATENT_LAYOUT_CHANNEL_MAJOR
    ambiguous_format: int = AMBIGUOUS_VARINT_GAPS

    def to_bytes(self) -> bytes:
        head = _HEAD.pack(PARAMS_FORMAT, self.K, self.P, self.latent_length, self.chunks,
                          self.margin, self.latent_layout, self.ambiguous_format)
        return head + np.asarray(self.scales, dtype="<f4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "AEParams":
        if len(data) < _HEAD.size:
            raise FormatError(f"AE_PARAMS section of {len(data)} bytes is too short")
        fmt, K, P, L, chunks, margin, layout, amb = _HEAD.unpack_from(data)
        if fmt != PARAMS_FORMAT:
            raise FormatError(f"AE_PARAMS format {fmt} is not supported (this version reads {PARAMS_FORMAT})")
        if layout not in (LATENT_LAYOUT_CHUNK_MAJOR, LATENT_LAYOUT_CHANNEL_MAJOR) or amb != AMBIGUOUS_VARINT_GAPS:
            raise FormatError(f"AE_PARAMS: unknown latent layout {layout} or ambiguous format {amb}")
        if len(data) != _HEAD.size + 4 * P:
            raise FormatError(f"AE_PARAMS section has {len(data)} bytes, expected {_HEAD.size + 4 * P}")
        if not (margin >= 0 and margin < 0.25):
            raise FormatError(f"AE_PARAMS: margin {margin} out of range")
        scales = np.frombuffer(data, dtype="<f4", offset=_HEAD.size).astype(np.float32)
        return cls(K, P, L, chunks, float(margin), scales, layout, amb)


# --------------------------------------------------------------------------- the stage


@dataclass
class AEAnalysis:
    """What the encoder side of the AE stage computed for one block."""

    params: AEParams
    latent: np.ndarray  # int8 (chunks, P, L)
    y: np.ndarray  # float32, decoder output of the dequantized latent, flat (chunks*K)
    ambiguous: np.ndarray  # int64 sorted positions < n
    recon: np.ndarray  # AE codes 0..3, length n
    orig_ae: np.ndarray  # AE codes of the input, length n
    z: np.ndarray | None = None  # float latent (kept for evaluation)


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
    if ref is not None and getattr(ref, "name", ""):
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
    def _inputs(self, orig_ae: np.ndarray) -> np.ndarray:
        n = len(orig_ae)
        chunks = max(1, -(-n // self.K)) if n else 0
        padded = np.full(chunks * self.K, PAD_CODE, dtype=np.uint8)
        padded[:n] = orig_ae
        return padded.reshape(chunks, self.K)

    def encode_latent(self, chunks: np.ndarray) -> np.ndarray:
        import torch

        m = _model_on(self.model, self.device)
        out = []
        with exact_fp32():
            for i in range(0, len(chunks), self.batch):
                x = torch.from_numpy(chunks[i:i + self.batch].astype(np.float32) / np.float32(4.0)).unsqueeze(1)
                out.append(m.encode(x.to(self.device)).float().cpu().numpy())
        if not out:
            return np.zeros((0, self.P, self.K // 16), dtype=np.float32)
        return np.concatenate(out)

    def decoder_output(self, latent_f32: np.ndarray) -> np.ndarray:
        """Flat float32 decoder output of a dequantized latent (fp32, TF32 off).

        Chunks go through the decoder in fixed, zero-padded batches of ``self.batch``, so the
        encoder and the decoder run exactly the same computation on one machine whatever the
        block size; other machines (threads, CPU vs GPU) differ by float error the margin absorbs.
        """
        import torch

        m = _model_on(self.model, self.device)
        out = []
        b = self.batch
        with exact_fp32():
            for i in range(0, len(latent_f32), b):
                part = latent_f32[i:i + b]
                real = len(part)
                if real < b:
                    # always full batches: the kernels a backend picks depend on the batch size
                    # (oneDNN: batch <= 8 vs >= 16 differ by ~5e-6 in y), so pad with zeros
                    part = np.concatenate([part, np.zeros((b - real,) + part.shape[1:], np.float32)])
                z = torch.from_numpy(np.ascontiguousarray(part, dtype=np.float32))
                out.append(m.decode(z.to(self.device)).float().cpu().numpy()[:real].reshape(-1))
        if not out:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(out)

    # -- encoder side
    def analyse(self, codes: np.ndarray, keep_float_latent: bool = False) -> AEAnalysis:
        codes = np.asarray(codes, dtype=np.uint8)
        n = len(codes)
        orig_ae = TO_AE[codes]
        chunks = self._inputs(orig_ae)
        z = self.encode_latent(chunks)
        q, scale = quantize_per_channel(z) if len(z) else (np.zeros((0, self.P, self.K // 16), np.int8),
                                                           np.ones(self.P, np.float32))
        y = self.decoder_output(dequantize(q, scale))[:n]
        v = np.clip(y, 0, 1) * np.float32(4.0)
        ambiguous = np.flatnonzero(boundary_distance(v) < np.float32(self.margin)).astype(np.int64)
        recon = reconstruct_from_output(y, ambiguous)
        params = AEParams(self.K, self.P, self.K // 16, len(chunks), self.margin, scale)
        return AEAnalysis(params, q, y, ambiguous, recon, orig_ae, z if keep_float_latent else None)

    def sections(self, a: AEAnalysis) -> tuple[bytes, bytes, bytes]:
        """(AE_PARAMS, AE_LATENT, AE_AMBIGUOUS) bytes of an analysis."""
        lat = a.latent
        if a.params.latent_layout == LATENT_LAYOUT_CHANNEL_MAJOR:
            lat = lat.transpose(1, 0, 2)
        return a.params.to_bytes(), zstd_compress(np.ascontiguousarray(lat).tobytes()), ambiguous_to_bytes(a.ambiguous)

    # -- decoder side
    def reconstruct(self, params_b: bytes, latent_b: bytes, amb_b: bytes, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(reconstruction as AE codes 0..3, ambiguous positions) for ``n`` bases."""
        p = AEParams.from_bytes(params_b)
        if p.K != self.K or p.P != self.P or p.latent_length != self.K // 16:
            raise ModelError(f"archive needs an autoencoder with K={p.K}, P={p.P}; the model has "
                             f"K={self.K}, P={self.P}")
        want_chunks = max(1, -(-n // p.K)) if n else 0
        if p.chunks != want_chunks:
            raise FormatError(f"AE_PARAMS: {p.chunks} chunks cannot hold {n} bases of K={p.K}")
        size = p.chunks * p.P * p.latent_length
        q = np.frombuffer(zstd_decompress(latent_b, size, "AE_LATENT"), dtype=np.int8)
        if p.latent_layout == LATENT_LAYOUT_CHANNEL_MAJOR:
            q = q.reshape(p.P, p.chunks, p.latent_length).transpose(1, 0, 2)
        else:
            q = q.reshape(p.chunks, p.P, p.latent_length)
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


class AECodecBase:
    """What ``ae-zstd`` and ``ae-cm`` share: the model (loaded once), the AE stage, and the
    hooks that evaluation and the float-perturbation tests use."""

    def __init__(self, options: CodecOptions | None = None, loaded=None):
        self.options = options or CodecOptions()
        lm = load_stage_model(self.options, loaded)
        self.stage = AEStage(lm, self.options.ae_margin, self.options.device)
        self.model_ref = lm.ref
        #: statistics of the last encode (for evaluation and benchmarks)
        self.last_stats: dict = {}
        #: keep the last encode's :class:`AEAnalysis` (evaluation)
        self.keep_analysis = False
        self.last_analysis = None

    @property
    def decode_output_hook(self):
        return self.stage.decode_output_hook

    @decode_output_hook.setter
    def decode_output_hook(self, fn):
        self.stage.decode_output_hook = fn
