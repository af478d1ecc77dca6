"""The ``seqcoder`` command: gzip-style compress/decompress plus train, eval and bench.

``main(argv) -> int`` is the testable entry; ``main_cli()`` only calls it. Heavy modules
(numpy, numba, torch) are imported inside the commands, so ``--help`` stays instant.
Exit status: 0 success, 1 error, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

from . import __version__
from .codecs import CODECS
from .errors import SeqcoderError, error_line
from .levels import DEFAULT_LEVEL, MAX_LEVEL, MIN_LEVEL

SUFFIX = ".sqc"

DESCRIPTION = """\
Lossless compressor for prokaryotic genomes (FASTA or bare sequence).
Inputs compressed with gzip (bgzip too), bzip2, xz or zstd are read transparently; the
archive stores and gives back the uncompressed bytes, byte for byte."""


class CliError(SeqcoderError):
    """A problem with what the user asked for (the command prints it and exits 1)."""


def _add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="*", metavar="FILE", help="inputs ('-' or none: standard input)")
    p.add_argument("-o", "--output", metavar="OUT", help="output file (one input only)")
    p.add_argument("-c", "--stdout", action="store_true", help="write to standard output")
    keep = p.add_mutually_exclusive_group()
    keep.add_argument("-k", "--keep", action="store_true", default=True, help="keep inputs (default)")
    keep.add_argument("--rm", action="store_true", help="remove each input after its output is verified")
    p.add_argument("-f", "--force", action="store_true",
                   help="overwrite outputs; allow binary output to a terminal")
    p.add_argument("-T", "--threads", type=int, default=1, metavar="N",
                   help="threads (0 = all cores); output does not depend on it (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or warnings")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seqcoder", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"seqcoder {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("compress", help="compress FASTA files to FILE.sqc",
                       description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_output_options(p)
    p.add_argument("--codec", default=None, choices=list(CODECS), metavar="CODEC",
                   help="; ".join(f"{s.name}: {s.summary}" for s in CODECS.values()))
    for level in range(MIN_LEVEL, MAX_LEVEL + 1):
        p.add_argument(f"-{level}", dest="level", action="store_const", const=level,
                       help=argparse.SUPPRESS)
    p.add_argument("-L", "--level", dest="level", type=int, default=None, metavar="N",
                   help=f"level {MIN_LEVEL} (fast) .. {MAX_LEVEL} (best); also -{MIN_LEVEL} .. -{MAX_LEVEL} "
                        f"(default {DEFAULT_LEVEL})")
    p.add_argument("--model", metavar="NAME|PATH", help="autoencoder for the ae-* codecs (default: shipped)")
    p.add_argument("--ae-margin", type=float, default=None, metavar="M",
                   help="safety margin of the autoencoder's rounding decisions (see FORMAT.md)")
    p.add_argument("--strict", action="store_true",
                   help="refuse input that is not nucleotide FASTA instead of storing it generically")
    p.add_argument("--block-size", type=_size, default=None, metavar="SIZE",
                   help="input bytes per independent block, e.g. 64M (default 64M)")
    p.set_defaults(run=_cmd_compress)

    for name, helptext in (("decompress", "restore FILE.sqc to FILE"), ("cat", "decompress to standard output")):
        p = sub.add_parser(name, help=helptext)
        _add_output_options(p)
        p.add_argument("--record", metavar="ID",
                       help="extract one record (name, whole header or #N), decoding only its blocks")
        p.add_argument("--model", metavar="NAME|PATH", help="where to find the archive's model")
        p.set_defaults(run=_cmd_decompress, cat=name == "cat")

    p = sub.add_parser("test", help="decode archives fully and verify every checksum")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--model", metavar="NAME|PATH")
    p.add_argument("-T", "--threads", type=int, default=1, metavar="N")
    p.add_argument("-v", "--verbose", action="store_true", help="print FILE: OK for each good archive")
    p.set_defaults(run=_cmd_test)

    p = sub.add_parser("list", help="records, lengths, bits per base, codec and model, without decoding")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_cmd_list)

    p = sub.add_parser("info", help="container header, section table and checksums, without decoding")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_cmd_info)

    from .cli_batch import add_parsers as add_batch_parsers
    from .cli_collection import add_parsers as add_collection_parsers

    add_collection_parsers(sub)
    add_batch_parsers(sub)

    p = sub.add_parser("models", help="list the shipped models")
    p.set_defaults(run=_cmd_models)

    for name, module, helptext in (
        ("train", "seqcoder.train", "train an autoencoder (the published recipe by default)"),
        ("train-prior", "seqcoder.train.prior", "train the cm coder's learned prior (a small network)"),
        ("eval", "seqcoder.evaluate", "the published per-file evaluation table of an autoencoder"),
        ("bench", "seqcoder.bench", "benchmark codecs and baseline tools on files "
                                    "('bench collections SET_DIR...': collection compressors)"),
    ):
        p = sub.add_parser(name, help=helptext, add_help=False)
        p.set_defaults(run=_delegate(module), delegate=name)
    return parser


def _size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    text = text.strip().lower().rstrip("b")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None


def _delegate(module_name: str):
    def run(args, rest):
        import importlib

        name = module_name
        if args.delegate == "bench" and rest[:1] == ["collections"]:
            name, rest = "seqcoder.bench_collections", rest[1:]
        module = importlib.import_module(name)
        parser = argparse.ArgumentParser(prog=f"seqcoder {args.delegate}")
        module.configure_parser(parser)
        return module.run(parser.parse_args(rest))

    return run


# --- helpers ---------------------------------------------------------------------------------

def _progress(total: int | None, quiet: bool, desc: str):
    """A tqdm bar on stderr, only when stderr is a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False,
                disable=quiet or not sys.stderr.isatty())


def _check_output(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise CliError(f"{target}: already exists; use -f to overwrite")


def _refuse_terminal(stream, force: bool) -> None:
    if stream.isatty() and not force:
        raise CliError("compressed data not written to a terminal; use -f to force")


def _compressed_output_name(path: str, compressed: str | None) -> Path:
    if compressed:
        from .io.inputs import COMPRESSED_SUFFIXES

        for suffix in COMPRESSED_SUFFIXES:
            if path.endswith(suffix):
                return Path(path[: -len(suffix)] + SUFFIX)
    return Path(path + SUFFIX)


def _write(target: Path | None, produce):
    """Write via ``produce(stream)`` to standard output or atomically to ``target``."""
    from .io.atomic import write_atomically

    if target is None:
        result = produce(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return result
    return write_atomically(target, produce)


def _inputs(args) -> list[str]:
    files = args.files or ["-"]
    if args.output and len(files) > 1:
        raise CliError("-o takes one input")
    return files


# --- commands --------------------------------------------------------------------------------

def _cmd_compress(args) -> int:
    from .api import DEFAULT_BLOCK_SIZE, Compressor, Decompressor
    from .codecs import DEFAULT_CODEC
    from .io.inputs import open_decompressed

    compressor = Compressor(args.codec or DEFAULT_CODEC, args.level, model=args.model, threads=args.threads,
                            strict=args.strict, block_size=args.block_size or DEFAULT_BLOCK_SIZE,
                            ae_margin=args.ae_margin)
    for name in _inputs(args):
        stdin = name == "-"
        if name.endswith(SUFFIX) and not args.force:
            raise CliError(f"{name}: already has the {SUFFIX} suffix; use -f to compress it again")
        if stdin and sys.stdin.isatty() and not args.force:
            raise CliError("compressed data not read from a terminal; give a file or use -f")
        raw = sys.stdin.buffer if stdin else open(name, "rb")
        try:
            size = None if stdin else os.fstat(raw.fileno()).st_size
            source, compressed = open_decompressed(raw, name)
            to_stdout = args.stdout or (stdin and not args.output)
            target = (None if to_stdout else Path(args.output) if args.output
                      else _compressed_output_name(name, compressed))
            if target is None:
                _refuse_terminal(sys.stdout, args.force)
            else:
                _check_output(target, args.force)
            with _progress(size if not compressed else None, args.quiet, Path(name).name) as bar:
                stats = _write(target, lambda out: compressor.compress_stream(
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
    return 0


def _cmd_decompress(args) -> int:
    from .api import Decompressor

    decompressor = Decompressor(model=args.model, threads=args.threads)
    for name in _inputs(args):
        stdin = name == "-"
        to_stdout = args.stdout or args.cat or (stdin and not args.output)
        if to_stdout:
            target = None
        elif args.output:
            target = Path(args.output)
        elif name.endswith(SUFFIX):
            target = Path(name[: -len(SUFFIX)])
        else:
            raise CliError(f"{name}: unknown suffix (expected {SUFFIX}); use -o or -c")
        if target is not None:
            _check_output(target, args.force)
        if args.record:
            if stdin:
                raise CliError("--record needs an archive file, not standard input")
            with open(name, "rb") as stream:
                data = decompressor.extract_record(stream, args.record, path=name)
            _write(target, lambda out: out.write(data))
            continue
        source = sys.stdin.buffer if stdin else open(name, "rb")
        try:
            total = None
            if not stdin and sys.stderr.isatty() and not args.quiet:
                from .api import inspect

                total = inspect(name, sections=False).index.original_size
            with _progress(total, args.quiet, Path(name).name) as bar:
                _write(target, lambda out: decompressor.decompress_stream(
                    source, out, path=name, progress=bar.update))
        finally:
            if not stdin:
                source.close()
        if args.rm and target is not None and not stdin:
            os.unlink(name)
    return 0


def _cmd_test(args) -> int:
    from .api import Decompressor

    from .cli_collection import is_collection, test_collection

    decompressor = Decompressor(model=args.model, threads=args.threads)
    status = 0
    for name in args.files:
        try:
            if is_collection(name):
                members = test_collection(name, args.threads)
                if args.verbose:
                    print(f"{name}: OK ({members} members)")
                continue
            with open(name, "rb") as source:
                stats = decompressor.decompress_stream(source, None, path=name)
            if args.verbose:
                print(f"{name}: OK ({stats.original_size} bytes, {stats.records} records)")
        except (SeqcoderError, OSError) as exc:
            print(f"seqcoder: {error_line(exc, name)}", file=sys.stderr)
            status = 1
    return status


def _record_rows(info) -> list[dict]:
    return [{"name": r.name, "header": (r.header or b"").decode("utf-8", "replace"),
             "residues": r.residues, "bases": r.bases, "blocks": [r.first_block, r.last_block]}
            for r in info.index.records]


def _summary(info) -> dict:
    h = info.header
    return {"schema_version": 1, "file": info.path, "format_version": h.version, "codec": info.codec,
            "level": h.level, "model": f"{h.model_name}@{h.model_version}" if h.model_name else None,
            "model_sha256": h.model_sha256.hex() if h.model_name else None,
            "original_bytes": info.index.original_size, "archive_bytes": info.archive_size,
            "bases": info.index.bases, "bits_per_base": round(info.bits_per_base, 6) if info.index.bases else None,
            "records": len(info.index.records), "blocks": len(info.index.blocks),
            "original_sha256": info.index.original_sha256.hex()}


def _cmd_list(args) -> int:
    from .api import inspect
    from .cli_batch import list_batch
    from .cli_collection import is_collection, list_collection

    reports = []
    for name in args.files:
        if os.path.isdir(name):
            list_batch(name, args.json)
            continue
        if is_collection(name):
            collection = list_collection(name, args.json)
            if args.json:
                print(json.dumps(collection, indent=2))
            continue
        info = inspect(name, sections=False)
        reports.append(dict(_summary(info), record_list=_record_rows(info)))
    if not reports:
        return 0
    if args.json:
        print(json.dumps(reports if len(reports) > 1 else reports[0], indent=2))
        return 0
    for report in reports:
        print(f"{report['file']}: {report['codec']} -{report['level']}, format v{report['format_version']}, "
              f"model {report['model'] or '-'}")
        bpb = f"{report['bits_per_base']:.4f}" if report["bits_per_base"] is not None else "-"
        print(f"  {report['original_bytes']} -> {report['archive_bytes']} bytes, {report['bases']} bases, "
              f"{bpb} bits/base, {report['records']} records in {report['blocks']} blocks")
        print(f"  {'record':<30} {'residues':>12} {'ACGT':>12}")
        for row in report["record_list"]:
            print(f"  {row['name'] or '(no header)':<30} {row['residues']:>12} {row['bases']:>12}")
    return 0


def _cmd_info(args) -> int:
    from .api import inspect
    from .format.ids import BlockKind

    from .cli_collection import info_collection, is_collection, print_info

    reports = []
    for name in args.files:
        if is_collection(name):
            print_info(info_collection(name), args.json)
            continue
        info = inspect(name)
        blocks = []
        for header in info.blocks:
            blocks.append({"offset": header.offset, "size": header.size, "kind": BlockKind(header.kind).name,
                           "original_bytes": header.original_size, "bases": header.bases,
                           "original_crc32": f"{header.original_crc32:08x}",
                           "sections": [{"id": sid, "name": _section_name(sid), "bytes": length,
                                         "crc32": f"{crc:08x}"} for sid, length, crc in header.sections]})
        reports.append(dict(_summary(info), block_list=blocks))
    if not reports:
        return 0
    if args.json:
        print(json.dumps(reports if len(reports) > 1 else reports[0], indent=2))
        return 0
    for r in reports:
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
    return 0


def _section_name(section_id: int) -> str:
    from .format.ids import SectionId

    try:
        return SectionId(section_id).name.lower()
    except ValueError:
        return "?"


def _cmd_models(args) -> int:
    from .models.zoo import DEFAULT_MODEL, shipped_models

    for entry in shipped_models():
        spec = f"{entry['name']}@{entry['version']}"
        mark = " (default)" if entry["name"] == DEFAULT_MODEL or spec == DEFAULT_MODEL else ""
        arch = entry.get("architecture", "seqcoder-ae")
        print(f"{spec}{mark}  {arch}  sha256 {entry.get('sha256', '?')[:16]}…  {entry.get('file', '')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args, rest = parser.parse_known_args(argv)
    if getattr(args, "delegate", None) is None and rest:
        parser.parse_args(argv)  # reports the unknown arguments, exit 2
    quiet = getattr(args, "quiet", False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if quiet else "default")
        warnings.showwarning = lambda message, *a, **k: print(f"seqcoder: warning: {message}", file=sys.stderr)
        try:
            return args.run(args, rest) if getattr(args, "delegate", None) else args.run(args)
        except BrokenPipeError:
            # the reader went away (`seqcoder cat x | head`): stop quietly, like cat and gzip
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 141
        except (SeqcoderError, OSError, ValueError) as exc:
            print(f"seqcoder: error: {error_line(exc)}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("seqcoder: interrupted", file=sys.stderr)
            return 130


def main_cli() -> None:
    sys.exit(main())
