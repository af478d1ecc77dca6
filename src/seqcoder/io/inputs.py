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

_igzip: Any
_IsalError: type[BaseException]
try:  # ISA-L's inflater: about twice zlib's speed on genomes (docs/collections.md, "Reading inputs")
    from isal import igzip as _igzip
    from isal import isal_zlib as _isal_zlib
    _IsalError = _isal_zlib.error  # type: ignore[assignment]  # a class, typed as an instance
except ImportError:  # pragma: no cover - isal is a dependency; plain zlib still reads everything
    _igzip = None

#: magic bytes -> (format name, file suffixes)
COMPRESSED_INPUTS = {
    b"\x1f\x8b": ("gzip", (".gz", ".bgz")),
    b"BZh": ("bzip2", (".bz2",)),
    b"\xfd7zXZ\x00": ("xz", (".xz",)),
    b"\x28\xb5\x2f\xfd": ("zstd", (".zst",)),
}
#: every suffix a compressed input may have (the CLI drops it from the archive's name)
COMPRESSED_SUFFIXES = tuple(s for _, suffixes in COMPRESSED_INPUTS.values() for s in suffixes)
#: suffixes of FASTA files (``.seq``: a bare sequence), looked for in a folder of genomes (batch
#: inputs, benchmark sets), each also with a compression suffix
FASTA_SUFFIXES = (".fa", ".fna", ".fasta", ".ffn", ".fas", ".fsa", ".frn", ".mfa", ".fsa_nt", ".seq")


def uncompressed_name(name: str) -> str:
    """``name`` without its compression suffix, if it has one.

    >>> uncompressed_name("/data/GCF_1.fna.gz"), uncompressed_name("plasmid.fa")
    ('/data/GCF_1.fna', 'plasmid.fa')
    """
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def is_fasta_name(file_name: str) -> bool:
    """True for a FASTA file name, plain or compressed (not a hidden file).

    >>> is_fasta_name("GCF_1.fna.gz"), is_fasta_name("x.FASTA"), is_fasta_name("MANIFEST.tsv")
    (True, True, False)
    """
    return uncompressed_name(file_name).lower().endswith(FASTA_SUFFIXES) and not file_name.startswith(".")


def sniff_compression(head: bytes) -> str | None:
    """Name of the compression format whose magic ``head`` starts with, or None."""
    for magic, (name, _) in COMPRESSED_INPUTS.items():
        if head.startswith(magic):
            return name
    return None


#: what the decompressors raise on damaged data (OSError only without an errno: BadGzipFile)
_DAMAGE = (EOFError, ValueError, zlib.error, lzma.LZMAError, zstd.DecodeError, OSError, _IsalError)


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
        # every member is read: bgzip works
        inner = _igzip.IGzipFile(fileobj=buffered) if _igzip is not None else gzip.GzipFile(fileobj=buffered)
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

