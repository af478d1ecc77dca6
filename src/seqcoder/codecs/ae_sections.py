"""Byte layouts of the autoencoder sections (AE_PARAMS and AE_AMBIGUOUS; FORMAT.md section 9).

Section layouts (varints are LEB128, floats little-endian IEEE binary32)::

    AE_PARAMS    u8 format=1 | varint K | varint P | f32 margin | f32 scale[P]
    AE_LATENT    zstd_frame(q as int8, channel-major (P, T))
    AE_AMBIGUOUS varint count | u8 mode (0 raw, 1 zstd_frame) | position gaps as varints

``zstd_frame`` is a Zstandard frame without magic number and content size (the section table
says what it is, the reader knows the size).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from ..errors import FormatError
from ..format.varint import decode_uvarints, encode_uvarint, encode_uvarints
from ..format.zstd import compress_bare, decompress_bare

PARAMS_FORMAT = 1
_F32 = struct.Struct("<f")


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
