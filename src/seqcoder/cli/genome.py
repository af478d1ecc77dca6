"""Single genomes: ``compress``, ``decompress`` and ``cat`` (gzip-style), and what ``list``,
``info``, ``test`` and ``get`` do with a single-genome archive (``.sqc``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..codecs import CODECS
from ..format.ids import ARCHIVE_SUFFIX
from .common import (CliError, add_level_flags, add_sync_flag, add_threads_flag, byte_size, check_output, progress,
                     write_bytes, write_to)


DESCRIPTION = """\
Lossless compressor for prokaryotic genomes (FASTA or bare sequence).
Inputs compressed with gzip (bgzip too), bzip2, xz or zstd are read transparently; the
archive stores and gives back the uncompressed bytes, byte for byte."""


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="*", metavar="FILE", help="inputs ('-' or none: standard input)")
    p.add_argument("-o", "--output", metavar="OUT", help="output file (one input only)")
    p.add_argument("-c", "--stdout", action="store_true", help="write to standard output")
    keep = p.add_mutually_exclusive_group()
    keep.add_argument("-k", "--keep", action="store_true", default=True, help="keep inputs (default)")
    keep.add_argument("--rm", action="store_true", help="remove each input after its output is verified")
    p.add_argument("-f", "--force", action="store_true",
                   help="overwrite outputs; allow binary output to a terminal")
    add_threads_flag(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or warnings")


def add_parsers(sub: Any) -> None:
    """Add compress, decompress and cat to the ``seqcoder`` subcommands."""
    p = sub.add_parser("compress", help="compress FASTA files to FILE.sqc",
                       description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    _output_options(p)
    p.add_argument("--codec", default=None, choices=list(CODECS), metavar="CODEC",
                   help="; ".join(f"{s.name}: {s.summary}" for s in CODECS.values()))
    add_level_flags(p)
    p.add_argument("--model", metavar="NAME|PATH", help="autoencoder for the ae-* codecs (default: shipped)")
    p.add_argument("--ae-margin", type=float, default=None, metavar="M",
                   help="safety margin of the autoencoder's rounding decisions (see FORMAT.md)")
    p.add_argument("--strict", action="store_true",
                   help="refuse input that is not nucleotide FASTA instead of storing it generically")
    p.add_argument("--block-size", type=byte_size, default=None, metavar="SIZE",
                   help="input bytes per independent block, e.g. 64M (default 64M)")
    p.set_defaults(run=_cmd_compress)

    for name, helptext in (("decompress", "restore FILE.sqc to FILE"), ("cat", "decompress to standard output")):
        p = sub.add_parser(name, help=helptext)
        _output_options(p)
        p.add_argument("--record", metavar="ID",
                       help="extract one record (name, whole header or #N), decoding only its blocks")
        p.add_argument("--model", metavar="NAME|PATH", help="where to find the archive's model")
        add_sync_flag(p)
        p.set_defaults(run=_cmd_decompress, cat=name == "cat")


def _inputs(args: argparse.Namespace) -> list[str]:
    files = args.files or ["-"]
    if args.output and len(files) > 1:
        raise CliError("-o takes one input")
    return files


def _refuse_terminal(stream: Any, force: bool) -> None:
    if stream.isatty() and not force:
        raise CliError("compressed data not written to a terminal; use -f to force")


def _cmd_compress(args: argparse.Namespace) -> int:
    from ..api import DEFAULT_BLOCK_SIZE, Compressor
    from ..codecs import DEFAULT_CODEC

    compressor = Compressor(args.codec or DEFAULT_CODEC, args.level, model=args.model, threads=args.threads,
                            strict=args.strict, block_size=args.block_size or DEFAULT_BLOCK_SIZE,
                            ae_margin=args.ae_margin)
    for name in _inputs(args):
        _compress_one(compressor, name, args)
    return 0


def _compress_one(compressor: Any, name: str, args: argparse.Namespace) -> None:
    from ..api import Decompressor, archive_name
    from ..io.inputs import open_decompressed

    stdin = name == "-"
    if name.endswith(ARCHIVE_SUFFIX) and not args.force:
        raise CliError(f"{name}: already has the {ARCHIVE_SUFFIX} suffix; use -f to compress it again")
    if stdin and sys.stdin.isatty() and not args.force:
        raise CliError("compressed data not read from a terminal; give a file or use -f")
    raw = sys.stdin.buffer if stdin else open(name, "rb")
    try:
        size = None if stdin else os.fstat(raw.fileno()).st_size
        source, compressed = open_decompressed(raw, name)
        to_stdout = args.stdout or (stdin and not args.output)
        target = None if to_stdout else Path(args.output) if args.output else archive_name(name, compressed)
        if target is None:
            _refuse_terminal(sys.stdout, args.force)
        else:
            check_output(target, args.force)
        with progress(size if not compressed else None, args.quiet, Path(name).name) as bar:
            stats = write_to(target, lambda out: compressor.compress_stream(
                source, out, path=name, progress=bar.update))
    finally:
        if not stdin:
            raw.close()
    if args.rm and target is not None and not stdin:
        with open(target, "rb") as archive:  # decode it once: only a verified copy replaces the input
            Decompressor(threads=args.threads, model=args.model).decompress_stream(archive, None, path=str(target))
        os.unlink(name)
    if not args.quiet and target is not None and sys.stderr.isatty():
        print(f"{name}: {stats.original_size} -> {stats.archive_size} bytes, "
              f"{stats.bits_per_base:.4f} bits/base", file=sys.stderr)


def _cmd_decompress(args: argparse.Namespace) -> int:
    from ..api import Decompressor

    decompressor = Decompressor(model=args.model, threads=args.threads)
    for name in _inputs(args):
        _decompress_one(decompressor, name, args)
    return 0


def _decompress_one(decompressor: Any, name: str, args: argparse.Namespace) -> None:
    stdin = name == "-"
    to_stdout = args.stdout or args.cat or (stdin and not args.output)
    if to_stdout:
        target = None
    elif args.output:
        target = Path(args.output)
    elif name.endswith(ARCHIVE_SUFFIX):
        target = Path(name[: -len(ARCHIVE_SUFFIX)])
    else:
        raise CliError(f"{name}: unknown suffix (expected {ARCHIVE_SUFFIX}); use -o or -c")
    if target is not None:
        check_output(target, args.force)
    durable = args.sync or args.rm  # --rm deletes the archive: its bytes must be on the disk first
    if args.record:
        if stdin:
            raise CliError("--record needs an archive file, not standard input")
        with open(name, "rb") as stream:
            write_bytes(target, decompressor.extract_record(stream, args.record, path=name), True, durable=durable)
        return
    source = sys.stdin.buffer if stdin else open(name, "rb")
    try:
        total = None
        if not stdin and sys.stderr.isatty() and not args.quiet:
            from ..api import inspect

            total = inspect(name, sections=False).index.original_size
        with progress(total, args.quiet, Path(name).name) as bar:
            write_to(target, lambda out: decompressor.decompress_stream(source, out, path=name, progress=bar.update),
                     durable=durable)
    finally:
        if not stdin:
            source.close()
    if args.rm and target is not None and not stdin:
        os.unlink(name)


# --- the shared verbs (seqcoder list / info / test / get of a .sqc) -------------------------------


def list_report(path: str) -> dict[str, Any]:
    from ..api import inspect

    return inspect(path, sections=False).to_dict(blocks=False)


def print_list(r: dict[str, Any]) -> None:
    print(f"{r['file']}: {r['codec']} -{r['level']}, format v{r['format_version']}, model {r['model'] or '-'}")
    bpb = f"{r['bits_per_base']:.4f}" if r["bits_per_base"] is not None else "-"
    print(f"  {r['original_bytes']} -> {r['archive_bytes']} bytes, {r['bases']} bases, "
          f"{bpb} bits/base, {r['records']} records in {r['blocks']} blocks")
    print(f"  {'record':<30} {'residues':>12} {'ACGT':>12}")
    for row in r["record_list"]:
        print(f"  {row['name'] or '(no header)':<30} {row['residues']:>12} {row['bases']:>12}")


def info_report(path: str) -> dict[str, Any]:
    from ..api import inspect

    return inspect(path).to_dict(records=False)


def print_info(r: dict[str, Any]) -> None:
    print(f"{r['file']}")
    print(f"  format version   {r['format_version']}")
    print(f"  codec            {r['codec']} (level {r['level']})")
    print(f"  model            {r['model'] or '-'}" + (f"  sha256 {r['model_sha256']}" if r["model"] else ""))
    print(f"  original         {r['original_bytes']} bytes, sha256 {r['original_sha256']}")
    print(f"  archive          {r['archive_bytes']} bytes, {r['records']} records, {r['blocks']} blocks")
    for i, b in enumerate(r["block_list"]):
        print(f"  block {i}: {b['kind']} at {b['offset']}, {b['size']} bytes, original {b['original_bytes']} "
              f"bytes crc32 {b['original_crc32']}")
        for s in b["sections"]:
            print(f"    section {s['id']:>3} {s['name']:<14} {s['bytes']:>12} bytes  crc32 {s['crc32']}")


def test(path: str, args: argparse.Namespace) -> str:
    """Decode the whole archive and verify it; what ``test -v`` says about it."""
    from ..api import Decompressor

    with open(path, "rb") as source:
        stats = Decompressor(model=args.model, threads=args.threads).decompress_stream(source, None, path=path)
    return f"{stats.original_size} bytes, {stats.records} records"
