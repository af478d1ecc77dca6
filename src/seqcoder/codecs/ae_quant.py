"""The integer side of the autoencoder stage: chunk geometry, int8 quantization of the latent
and the rounding of decoder outputs to bases. Pure numpy, identical on every machine (one IEEE
operation per value), so encoder and decoder share it; see :mod:`.ae_stage` for why the
rounding decodes exactly."""

from __future__ import annotations

import numpy as np

#: the encoder halves the length four times: chunk lengths are multiples of this
STRIDE = 16


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
