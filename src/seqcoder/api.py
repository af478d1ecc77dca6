"""Reusable :class:`Compressor` and :class:`Decompressor` objects, and one-shot functions that
delegate to them.

::

    input bytes --(blocks at line ends)--> parse_fasta --> codes --codec--> sections --+
                                              \\--> layout --------------------------------+--> block
    block --> sections --codec--> codes --+--> render_fasta --> bytes (crc32 checked)
                          layout ---------+

Output bytes never depend on the thread count: blocks are independent and written in order.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from collections.abc import Callable, Iterator

from .codecs import DEFAULT_CODEC, MODEL_CODECS, CodecOptions, SequenceCodec, codec_name, codec_spec, make_codec
from .errors import ChecksumError, FormatError, ModelError
from .format.container import (MAX_BLOCK_SIZE, ArchiveHeader, ArchiveIndex, ArchiveReader, BlockEntry, BlockHeader,
                               RecordEntry, Section, crc32, encode_block, encode_index_and_trailer,
                               read_block_at, read_summary)
from .format import zstd
from .format.ids import ARCHIVE_SUFFIX, BlockKind, SectionId
from .io.atomic import write_atomically
from .io.fasta import render_fasta, select_record
from .io.sniff import parse_input
from .io.inputs import open_decompressed, read_up_to, uncompressed_name
from .levels import check_level
from .reports import SCHEMA_VERSION

DEFAULT_BLOCK_SIZE = 64 << 20  # a whole bacterial genome fits: models see all of it
MIN_BLOCK_SIZE = 1 << 10
@dataclass
class Stats:
    """What one compression or decompression did."""

    original_size: int = 0
    archive_size: int = 0
    bases: int = 0
    blocks: int = 0
    raw_blocks: int = 0
    records: int = 0

    @property
    def bits_per_base(self) -> float:
        return 8 * self.archive_size / self.bases if self.bases else float("nan")


@dataclass
class _EncodedBlock:
    data: bytes
    original_size: int
    bases: int
    spans: list  # RecordSpan of io.fasta, offsets inside the block
    raw: bool


class _CountingWriter:
    def __init__(self, sink: BinaryIO):
        self.sink, self.count = sink, 0

    def write(self, data: bytes) -> None:
        self.sink.write(data)
        self.count += len(data)


def _blocks(source: BinaryIO, block_size: int) -> Iterator[bytes]:
    """Cut the input after the last line end inside each ``block_size`` window, so a block
    starts at a line start (a line longer than a block is cut where it must be)."""
    pending = b""
    while True:
        data = pending + read_up_to(source, block_size - len(pending))
        if len(data) < block_size:
            if data:
                yield data
            return
        cut = data.rfind(b"\n") + 1 or len(data)
        yield data[:cut]
        pending = data[cut:]


def _in_order(jobs: Iterator[Callable[[], object]], threads: int) -> Iterator[object]:
    """Run ``jobs`` on ``threads`` threads and yield results in job order, with at most
    ``threads + 1`` in flight (memory stays bounded by the block size)."""
    if threads <= 1:
        for job in jobs:
            yield job()
        return
    with ThreadPoolExecutor(threads) as pool:
        pending: deque[Future] = deque()
        for job in jobs:
            pending.append(pool.submit(job))
            if len(pending) > threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def resolve_threads(threads: int) -> int:
    """``0`` means every core."""
    return (os.cpu_count() or 1) if threads == 0 else max(1, threads)


class Compressor:
    """Compress FASTA (or any bytes) into seqcoder archives. Build once, reuse: the codec and
    its weights are loaded here, not per call. ``level`` None is the codec's default level
    (the codec table, :data:`seqcoder.codecs.CODECS`).

    >>> c = Compressor(codec="2bit")
    >>> Decompressor().decompress(c.compress(b">r1\\nACGTN\\n"))
    b'>r1\\nACGTN\\n'
    """

    def __init__(self, codec: str = DEFAULT_CODEC, level: int | None = None, *,
                 model: str | None = None, threads: int = 1, strict: bool = False,
                 block_size: int = DEFAULT_BLOCK_SIZE, ae_margin: float | None = None,
                 device: str = "cpu"):
        self.spec = codec_spec(codec)
        level = check_level(self.spec.default_level if level is None else level)
        if not MIN_BLOCK_SIZE <= block_size <= MAX_BLOCK_SIZE:
            raise ValueError(f"block size must be {MIN_BLOCK_SIZE} bytes to {MAX_BLOCK_SIZE >> 20} MiB")
        if model is not None and not self.spec.needs_model:
            raise ModelError(f"codec {codec!r} uses no model; --model applies to {', '.join(MODEL_CODECS)}")
        self.codec: SequenceCodec = make_codec(
            codec, CodecOptions(level=level, model=model, ae_margin=ae_margin, device=device))
        self.level = level
        self.threads = resolve_threads(threads)
        self.strict = strict
        self.block_size = block_size

    def header(self) -> ArchiveHeader:
        ref = self.codec.model_ref
        return ArchiveHeader(self.spec.codec_id, self.level, ref.name, ref.version, ref.sha256)

    def compress(self, data: bytes) -> bytes:
        sink = io.BytesIO()
        self.compress_stream(io.BytesIO(data), sink)
        return sink.getvalue()

    def compress_stream(self, source: BinaryIO, sink: BinaryIO, *, path: str | None = None,
                        progress: Callable[[int], None] | None = None) -> Stats:
        """Read all of ``source`` and write one archive to ``sink``. ``progress`` is called
        with the input bytes of each block as it is written."""
        out = _CountingWriter(sink)
        out.write(self.header().to_bytes())
        index = ArchiveIndex()
        digest = hashlib.sha256()
        stats = Stats()

        def jobs():
            line = 1
            for data in _blocks(source, self.block_size):
                digest.update(data)
                yield lambda data=data, line=line: self._encode_block(data, line, path)
                line += data.count(b"\n")

        for block in _in_order(jobs(), self.threads):
            assert isinstance(block, _EncodedBlock)
            number = len(index.blocks)
            original_offset = index.original_size
            for span in block.spans:
                continues = span.header is None and number > 0 and index.records and span is block.spans[0]
                if continues:
                    record = index.records[-1]
                    record.last_block, record.end = number, original_offset + span.end
                    record.residues += span.residues
                    record.bases += span.bases
                else:
                    index.records.append(RecordEntry(span.header, number, number, original_offset + span.start,
                                                     original_offset + span.end, span.residues, span.bases))
            index.blocks.append(BlockEntry(out.count, len(block.data), original_offset,
                                           block.original_size, block.bases))
            index.original_size += block.original_size
            stats.raw_blocks += block.raw
            out.write(block.data)
            if progress:
                progress(block.original_size)
        index.original_sha256 = digest.digest()
        out.write(encode_index_and_trailer(index))
        stats.original_size, stats.archive_size = index.original_size, out.count
        stats.bases, stats.blocks, stats.records = index.bases, len(index.blocks), len(index.records)
        return stats

    def _encode_block(self, data: bytes, first_line: int, path: str | None) -> _EncodedBlock:
        parsed = parse_input(data, strict=self.strict, path=path, first_line=first_line)
        if parsed is None:
            payload = zstd.compress(data, zstd.RAW_LEVEL)
            block = encode_block(BlockKind.RAW, len(data), 0, crc32(data), [Section(SectionId.RAW, payload)])
            return _EncodedBlock(block, len(data), 0, [], True)
        sections = [Section(SectionId.LAYOUT, parsed.layout)]
        sections += [Section(sid, payload) for sid, payload in self.codec.encode(parsed.codes)]
        block = encode_block(BlockKind.FASTA, len(data), len(parsed.codes), crc32(data), sections)
        return _EncodedBlock(block, len(data), len(parsed.codes), parsed.records, False)


class Decompressor:
    """Decode seqcoder archives, verifying every checksum. Codecs (and their weights) are
    built once per distinct archive header and reused.

    ``model`` overrides where the archive's model is looked up (a path or zoo name); its
    sha256 must still equal the one the archive records.
    """

    def __init__(self, *, model: str | None = None, threads: int = 1, device: str = "cpu"):
        self.model = model
        self.threads = resolve_threads(threads)
        self.device = device
        self._codecs: dict[tuple, SequenceCodec] = {}

    def codec_for(self, header: ArchiveHeader) -> SequenceCodec:
        spec = codec_spec(header.codec_id)
        name, needs_model = spec.name, spec.needs_model
        model = None
        if needs_model:
            model = self.model or f"{header.model_name}@{header.model_version}"
        key = (name, header.level, model)
        if key not in self._codecs:
            codec = make_codec(name, CodecOptions(level=header.level, model=model, device=self.device))
            if needs_model and codec.model_ref.sha256 != header.model_sha256:
                raise ModelError(
                    f"the archive needs model {header.model_name}@{header.model_version} with sha256 "
                    f"{header.model_sha256.hex()[:16]}…, but {model} has {codec.model_ref.sha256.hex()[:16]}…")
            self._codecs[key] = codec
        return self._codecs[key]

    def decompress(self, data: bytes) -> bytes:
        sink = io.BytesIO()
        self.decompress_stream(io.BytesIO(data), sink)
        return sink.getvalue()

    def decompress_stream(self, source: BinaryIO, sink: BinaryIO | None, *, path: str | None = None,
                          progress: Callable[[int], None] | None = None) -> Stats:
        """Decode one archive from ``source`` into ``sink`` (None: verify only). Raises
        :class:`FormatError`/:class:`ChecksumError` on any damage; what was already written
        to ``sink`` then must be discarded (the CLI writes to a temporary file)."""
        reader = ArchiveReader(source, path)
        header = reader.read_header()
        codec = self.codec_for(header)
        digest = hashlib.sha256()
        stats = Stats()
        index_box: list[ArchiveIndex] = []

        def jobs():
            while True:
                item = reader.read_block_or_index()
                if isinstance(item, ArchiveIndex):
                    index_box.append(item)
                    return
                block_header, sections = item
                yield lambda h=block_header, s=sections: _decode_block(codec, h, s, path)

        for data in _in_order(jobs(), self.threads):
            assert isinstance(data, bytes)
            digest.update(data)
            if sink is not None:
                sink.write(data)
            stats.original_size += len(data)
            stats.blocks += 1
            if progress:
                progress(len(data))
        index = index_box[0]
        if index.original_size != stats.original_size or len(index.blocks) != stats.blocks:
            raise FormatError("index does not match the blocks (corrupt archive)", reader.offset, path)
        if digest.digest() != index.original_sha256:
            raise ChecksumError("decoded output differs from the original (sha256 mismatch)", None, path)
        stats.archive_size, stats.bases, stats.records = reader.offset, index.bases, len(index.records)
        return stats

    def extract_record(self, stream: BinaryIO, record: str, *, path: str | None = None) -> bytes:
        """The bytes of one record (its header line through its last line end), decoding only the
        blocks that hold it. ``record`` is a name (first word of the header), a whole header, or
        ``#N`` for the N-th record (1-based)."""
        header, index, _ = read_summary(stream, path)
        entry = find_record(index, record, path)
        codec = self.codec_for(header)
        parts = []
        for number in range(entry.first_block, entry.last_block + 1):
            block = index.blocks[number]
            block_header, sections = read_block_at(stream, block, path)
            parts.append(_decode_block(codec, block_header, sections, path))
        joined = b"".join(parts)
        base = index.blocks[entry.first_block].original_offset
        return joined[entry.start - base:entry.end - base]


def find_record(index: ArchiveIndex, record: str, path: str | None = None) -> RecordEntry:
    """The entry of the record ``record`` names (:func:`~seqcoder.io.fasta.select_record`)."""
    return index.records[select_record([r.header for r in index.records], record, path or "the archive")]


def _decode_block(codec: SequenceCodec, header: BlockHeader, sections: dict[SectionId, bytes],
                  path: str | None) -> bytes:
    try:
        if header.kind == BlockKind.RAW:
            data = zstd.decompress(sections[SectionId.RAW], header.original_size, "RAW section")
        else:
            codes = codec.decode(sections, header.bases)
            if len(codes) != header.bases:
                raise ValueError(f"codec gave {len(codes)} bases, the block holds {header.bases}")
            data = render_fasta(codes, sections[SectionId.LAYOUT], header.original_size)
    except FormatError as exc:
        if exc.offset is not None:
            raise
        raise FormatError(f"cannot decode block: {exc}", header.offset, path) from None
    except ModelError:
        raise
    except Exception as exc:  # a damaged section must surface as a format error, never a crash
        raise FormatError(f"cannot decode block: {type(exc).__name__}: {exc}", header.offset, path) from None
    if len(data) != header.original_size or crc32(data) != header.original_crc32:
        raise ChecksumError("decoded block differs from the original (crc32 mismatch)", header.offset, path)
    return data


@dataclass
class ArchiveInfo:
    """What an archive holds, read without decoding any sequence."""

    path: str | None
    archive_size: int
    header: ArchiveHeader
    index: ArchiveIndex
    blocks: list[BlockHeader] = field(default_factory=list)

    @property
    def codec(self) -> str:
        return codec_name(self.header.codec_id)

    @property
    def bits_per_base(self) -> float:
        bases = self.index.bases
        return 8 * self.archive_size / bases if bases else float("nan")

    def to_dict(self, *, records: bool = True, blocks: bool = True) -> dict[str, Any]:
        """The report of ``seqcoder list --json`` (``records``) and ``info --json`` (``blocks``:
        read with ``inspect(..., sections=True)``)."""
        h, index = self.header, self.index
        report: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION, "file": self.path, "format_version": h.version, "codec": self.codec,
            "level": h.level, "model": f"{h.model_name}@{h.model_version}" if h.model_name else None,
            "model_sha256": h.model_sha256.hex() if h.model_name else None,
            "original_bytes": index.original_size, "archive_bytes": self.archive_size, "bases": index.bases,
            "bits_per_base": round(self.bits_per_base, 6) if index.bases else None,
            "records": len(index.records), "blocks": len(index.blocks), "original_sha256": index.original_sha256.hex()}
        if records:
            report["record_list"] = [
                {"name": r.name, "header": (r.header or b"").decode("utf-8", "replace"), "residues": r.residues,
                 "bases": r.bases, "blocks": [r.first_block, r.last_block]} for r in index.records]
        if blocks:
            report["block_list"] = [
                {"offset": b.offset, "size": b.size, "kind": BlockKind(b.kind).name, "original_bytes": b.original_size,
                 "bases": b.bases, "original_crc32": f"{b.original_crc32:08x}",
                 "sections": [{"id": sid, "name": _section_name(sid), "bytes": length, "crc32": f"{crc:08x}"}
                              for sid, length, crc in b.sections]} for b in self.blocks]
        return report


def _section_name(section_id: int) -> str:
    try:
        return SectionId(section_id).name.lower()
    except ValueError:
        return "?"


def inspect(path: str | os.PathLike, *, sections: bool = True) -> ArchiveInfo:
    """Read an archive's header, index and (optionally) block headers without decoding.

    Raises :class:`FormatError` when they are damaged.
    """
    with open(path, "rb") as stream:
        header, index, size = read_summary(stream, str(path))
        info = ArchiveInfo(str(path), size, header, index)
        if sections:
            reader = ArchiveReader(stream, str(path))
            info.blocks = [reader.read_block_header_at(b.offset) for b in index.blocks]
    return info


# --- one-shot functions ------------------------------------------------------------------------

def compress(data: bytes, codec: str = DEFAULT_CODEC, level: int | None = None, **options: Any) -> bytes:
    """Compress bytes into an archive (``level`` None: the codec's default, see
    :data:`seqcoder.codecs.CODECS`).

    >>> decompress(compress(b">x\\nacgtNNNN\\n", codec="2bit"))
    b'>x\\nacgtNNNN\\n'
    """
    return Compressor(codec, level, **options).compress(data)


def decompress(data: bytes, **options: Any) -> bytes:
    """Decode an archive made by :func:`compress`."""
    return Decompressor(**options).decompress(data)


def archive_name(src: str | os.PathLike, compressed: str | None) -> Path:
    """Where ``compress`` writes the archive of ``src``: ``x.fna`` -> ``x.fna.sqc``, and for a
    ``compressed`` input (the format found in it) without its suffix, ``x.fna.gz`` -> ``x.fna.sqc``.

    >>> str(archive_name("x.fna.gz", "gzip")), str(archive_name("x.fna", None))
    ('x.fna.sqc', 'x.fna.sqc')
    """
    name = str(src)
    return Path((uncompressed_name(name) if compressed else name) + ARCHIVE_SUFFIX)


def compress_file(src: str | os.PathLike, dst: str | os.PathLike | None = None, **options: Any) -> Stats:
    """Compress ``src`` to ``dst`` (default :func:`archive_name`, as the CLI), atomically."""
    compressor = Compressor(**options)
    with open(src, "rb") as raw:
        source, compressed = open_decompressed(raw, str(src))
        target = Path(dst) if dst is not None else archive_name(src, compressed)
        return write_atomically(target, lambda out: compressor.compress_stream(source, out, path=str(src)))


def decompress_file(src: str | os.PathLike, dst: str | os.PathLike | None = None, **options: Any) -> Stats:
    """Decode ``src`` to ``dst`` (default: ``src`` without ``.sqc``), atomically."""
    if dst is None:
        if not str(src).endswith(ARCHIVE_SUFFIX):
            raise ValueError(f"give dst: the source does not end in {ARCHIVE_SUFFIX}")
        dst = str(src)[:-len(ARCHIVE_SUFFIX)]
    decompressor = Decompressor(**options)
    with open(src, "rb") as source:
        return write_atomically(Path(dst), lambda out: decompressor.decompress_stream(source, out, path=str(src)))
