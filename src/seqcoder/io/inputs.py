"""Open inputs that may be gzip (bgzip too), bzip2, xz or zstd compressed: read transparently,
so an archive always stores, and gives back, the uncompressed bytes."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from typing import Any, BinaryIO, cast

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


def open_decompressed(raw: BinaryIO) -> tuple[BinaryIO, str | None]:
    """Wrap ``raw`` so that reads give uncompressed bytes; also return the format found."""
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(Any, raw))
    kind = sniff_compression(buffered.peek(6)[:6])
    if kind == "gzip":  # every member is read: bgzip works
        if _igzip is not None:
            return cast(BinaryIO, _IsalGzipFile(fileobj=buffered)), kind
        return cast(BinaryIO, gzip.GzipFile(fileobj=buffered)), kind
    if kind == "bzip2":
        return cast(BinaryIO, bz2.BZ2File(buffered)), kind
    if kind == "xz":
        return cast(BinaryIO, lzma.LZMAFile(buffered)), kind
    if kind == "zstd":
        return zstd.stream_reader(buffered), kind
    return cast(BinaryIO, buffered), None


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


if _igzip is not None:
    class _IsalGzipFile(_igzip.IGzipFile):
        """ISA-L's gzip reader whose damaged-stream error is an OSError, as zlib's is."""

        def read(self, size: int | None = -1) -> bytes:
            try:
                return super().read(size)
            except _IsalError as exc:
                raise gzip.BadGzipFile(f"damaged gzip data ({exc})") from None

        def read1(self, size: int | None = -1) -> bytes:
            try:
                return super().read1(size)
            except _IsalError as exc:
                raise gzip.BadGzipFile(f"damaged gzip data ({exc})") from None

        def readinto(self, b: Any) -> int:
            try:
                return super().readinto(b)
            except _IsalError as exc:
                raise gzip.BadGzipFile(f"damaged gzip data ({exc})") from None
