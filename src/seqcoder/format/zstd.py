"""Every Zstandard call seqcoder makes, and the level each kind of data gets.

Two frame kinds are written: plain frames (magic and content size: RAW blocks, the index, the
FASTA layout) and bare frames (no magic, no content size: the autoencoder sections, whose
size the reader knows from the section table, 5 bytes less a frame). A frame that does not
decode is a :class:`~seqcoder.errors.FormatError` naming the data it held.

>>> decompress(compress(b"ACGT" * 100, RAW_LEVEL), 400, "demo")[:8]
b'ACGTACGT'
>>> decompress_bare(compress_bare(b"xyz"), 3, "demo")
b'xyz'
"""

from __future__ import annotations

from typing import BinaryIO

import zstandard

from ..errors import FormatError

#: blocks that are not nucleotide data, and the index: small or rare, so the best cheap level
RAW_LEVEL = 19
INDEX_LEVEL = 19
#: the autoencoder's latent, residual and ambiguous positions: few bytes, every one counts
BARE_LEVEL = 22


def layout_level(size: int) -> int:
    """High compression for the usual small layout parts, fast for huge ones (junk input).

    >>> layout_level(1000), layout_level(5 << 20), layout_level(100 << 20)
    (19, 9, 3)
    """
    if size <= 1 << 20:
        return 19
    return 9 if size <= 8 << 20 else 3


def compress(data: bytes, level: int) -> bytes:
    """One plain zstd frame (magic, content size)."""
    return zstandard.ZstdCompressor(level=level).compress(data)


def decompress(data: bytes, max_size: int | None, what: str) -> bytes:
    """Inverse of :func:`compress`; ``max_size`` bounds a frame that does not state its size."""
    try:
        if max_size is None:
            return zstandard.ZstdDecompressor().decompress(data)
        return zstandard.ZstdDecompressor().decompress(data, max_output_size=max_size)
    except zstandard.ZstdError as exc:
        raise FormatError(f"{what}: zstd error: {exc}") from None


def compress_bare(data: bytes, level: int = BARE_LEVEL) -> bytes:
    """One zstd frame without magic number and content size."""
    params = zstandard.ZstdCompressionParameters.from_level(
        level, source_size=len(data), format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_content_size=0)
    return zstandard.ZstdCompressor(compression_params=params).compress(data)


def decompress_bare(data: bytes, size: int, what: str, *, exact: bool = True) -> bytes:
    """Inverse of :func:`compress_bare`: ``size`` bytes (at most ``size`` unless ``exact``)."""
    try:
        out = zstandard.ZstdDecompressor(format=zstandard.FORMAT_ZSTD1_MAGICLESS).decompress(
            data, max_output_size=max(size, 1))
    except zstandard.ZstdError as exc:
        raise FormatError(f"{what} section: zstd error: {exc}") from None
    if len(out) != size and (exact or len(out) > size):
        raise FormatError(f"{what} section holds {len(out)} bytes, expected {size}")
    return out


#: what a zstd stream raises on damaged input
DecodeError = zstandard.ZstdError


def stream_reader(source: BinaryIO) -> BinaryIO:
    """Read a zstd-compressed input (every frame) as uncompressed bytes."""
    return zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=True)
