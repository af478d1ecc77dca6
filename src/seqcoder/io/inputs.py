"""Open inputs that may be gzip (bgzip too), bzip2, xz or zstd compressed: read transparently,
so an archive always stores, and gives back, the uncompressed bytes."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from typing import Any, BinaryIO, cast

from ..errors import FormatError
from ..format import zstd

#: magic bytes -> (format name, file suffixes)
COMPRESSED_INPUTS = {
    b"\x1f\x8b": ("gzip", (".gz", ".bgz")),
    b"BZh": ("bzip2", (".bz2",)),
    b"\xfd7zXZ\x00": ("xz", (".xz",)),
    b"\x28\xb5\x2f\xfd": ("zstd", (".zst",)),
}
#: every suffix a compressed input may have (the CLI drops it from the archive's name)
COMPRESSED_SUFFIXES = tuple(s for _, suffixes in COMPRESSED_INPUTS.values() for s in suffixes)


def sniff_compression(head: bytes) -> str | None:
    """Name of the compression format whose magic ``head`` starts with, or None."""
    for magic, (name, _) in COMPRESSED_INPUTS.items():
        if head.startswith(magic):
            return name
    return None


#: what the decompressors raise on damaged data (OSError only without an errno: BadGzipFile)
_DAMAGE = (EOFError, ValueError, zlib.error, lzma.LZMAError, zstd.DecodeError, OSError)


class _Decompressed(io.BufferedIOBase):
    """A decompressing reader whose every failure on damaged data is a FormatError naming the
    input (the decompressors each raise their own kinds of exception)."""

    def __init__(self, inner: Any, kind: str, path: str | None):
        super().__init__()
        self._inner, self._kind, self._path = inner, kind, path

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        try:
            return self._inner.read(-1 if size is None else size)
        except _DAMAGE as exc:
            if isinstance(exc, OSError) and exc.errno is not None:
                raise  # a real I/O error of the file, not damaged data
            raise FormatError(f"cannot read (damaged {self._kind} data: {exc})", None, self._path) from None

    read1 = read

    def close(self) -> None:
        self._inner.close()
        super().close()


def open_decompressed(raw: BinaryIO, path: str | None = None) -> tuple[BinaryIO, str | None]:
    """Wrap ``raw`` so that reads give uncompressed bytes; also return the format found.
    Damaged compressed data is a :class:`FormatError` naming ``path``."""
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(Any, raw))
    kind = sniff_compression(buffered.peek(6)[:6])
    inner: Any
    if kind == "gzip":
        inner = gzip.GzipFile(fileobj=buffered)  # reads every member: bgzip works
    elif kind == "bzip2":
        inner = bz2.BZ2File(buffered)
    elif kind == "xz":
        inner = lzma.LZMAFile(buffered)
    elif kind == "zstd":
        inner = zstd.stream_reader(buffered)
    else:
        return cast(BinaryIO, buffered), None
    return cast(BinaryIO, _Decompressed(inner, kind, path)), kind


def read_up_to(stream: BinaryIO, n: int) -> bytes:
    """Read ``n`` bytes, fewer only at the end of the stream (decompressors give short reads)."""
    parts, got = [], 0
    while got < n:
        part = stream.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)
