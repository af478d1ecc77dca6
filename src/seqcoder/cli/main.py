"""The one parser and the one dispatch. ``list``, ``info``, ``test`` and ``get`` take any kind of
archive: a directory is a batch, four magic bytes tell a collection from a single genome.

::

    main(argv) --> build_parser: genome | collection | batch | tools add their commands
               \\-> list/info/test/get PATH --> kind_of(PATH) --> that job's module

Exit status: 0 success, 1 error, 2 usage, 130 interrupted, 141 closed output pipe.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import warnings
from types import ModuleType
from typing import Any

from .. import __version__
from ..errors import SeqcoderError, error_line
from ..format.ids import COLLECTION_MAGIC
from . import batch, collection, genome, tools
from .common import CliError, add_sync_flag, add_threads_flag, print_json

#: what each kind of archive is handled by
JOBS: dict[str, ModuleType] = {"genome": genome, "collection": collection, "batch": batch}


def kind_of(path: str) -> str:
    """``batch`` (a directory), ``collection`` (by its magic) or ``genome`` (anything else: the
    archive reader names what is wrong with a file that is no archive)."""
    if os.path.isdir(path):
        return "batch"
    try:
        with open(path, "rb") as f:
            return "collection" if f.read(len(COLLECTION_MAGIC)) == COLLECTION_MAGIC else "genome"
    except FileNotFoundError:
        return "genome"


_KIND_NAMES = {"genome": "a single-genome archive", "collection": "a collection archive",
               "batch": "a batch directory"}


def _job(path: str, verb: str, attribute: str | None = None) -> ModuleType:
    """The module of the job that owns ``path``, if ``verb`` (its ``attribute``) applies to it."""
    kind = kind_of(path)
    if not hasattr(JOBS[kind], attribute or verb):
        raise CliError(f"{path}: {verb} does not apply to {_KIND_NAMES[kind]}")
    return JOBS[kind]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seqcoder", description=genome.DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"seqcoder {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    genome.add_parsers(sub)

    p = sub.add_parser("test", help="decode archives fully and verify every checksum")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--model", metavar="NAME|PATH")
    add_threads_flag(p)
    p.add_argument("-v", "--verbose", action="store_true", help="print FILE: OK for each good archive")
    p.set_defaults(run=_cmd_test)

    p = sub.add_parser("list", help="records or members, lengths, bits per base, without decoding")
    p.add_argument("files", nargs="+", metavar="FILE", help="archives, collections or batch directories")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--records", action="store_true",
                   help="of a collection: every record of every member and its length (from the index)")
    p.set_defaults(run=_cmd_list)

    p = sub.add_parser("info", help="header, blocks or members, sections and checksums, without decoding")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_cmd_info)

    collection.add_parsers(sub)
    p = sub.add_parser("get", help="extract members (or one record, or a region of one) from a collection "
                                   "archive or a batch directory")
    p.add_argument("archive", metavar="ARCHIVE")
    p.add_argument("members", nargs="+", metavar="MEMBER",
                   help="a member's name, or MEMBER:RECORD:START-END for letters START..END (1-based, "
                        "inclusive, as samtools faidx) of one record, written as FASTA")
    out = p.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", metavar="FILE", help="write the (one) member to FILE")
    out.add_argument("-c", "--stdout", action="store_true", help="write to standard output")
    out.add_argument("-C", "--directory", metavar="DIR", help="write members into DIR (default: .)")
    p.add_argument("--record", metavar="ID", help="only this record (name, whole header or #N) of the member")
    p.add_argument("-f", "--force", action="store_true", help="overwrite existing files")
    add_sync_flag(p)
    add_threads_flag(p, collection.DECODE_THREADS, default=0)  # a get is waited for: every core
    p.set_defaults(run=lambda args: _job(args.archive, "get").get(args))
    collection.add_unpack_parser(sub)
    batch.add_parsers(sub)
    tools.add_parsers(sub)
    return parser


def _cmd_test(args: argparse.Namespace) -> int:
    status = 0
    for name in args.files:
        try:
            what = _job(name, "test").test(name, args)
            if args.verbose:
                print(f"{name}: OK ({what})")
        except (SeqcoderError, OSError) as exc:
            print(f"seqcoder: {error_line(exc, name)}", file=sys.stderr)
            status = 1
    return status


def _show(args: argparse.Namespace, verb: str) -> int:
    """``list`` or ``info``: each job's report (its API's ``to_dict()``), as text or JSON."""
    options = {"records": True} if getattr(args, "records", False) else {}
    if options and any(kind_of(name) != "collection" for name in args.files):
        raise CliError("--records lists the records of collection archives (list FILE.sqc shows them already)")
    reports = [(module, getattr(module, f"{verb}_report")(name, **options))
               for name in args.files for module in [_job(name, verb, f"{verb}_report")]]
    if args.json:
        print_json([r for _, r in reports])
    else:
        for module, report in reports:
            getattr(module, f"print_{verb}")(report)
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    return _show(args, "list")


def _cmd_info(args: argparse.Namespace) -> int:
    return _show(args, "info")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args, rest = parser.parse_known_args(argv)
    delegated = getattr(args, "delegate", None) is not None
    if not delegated and rest:
        parser.parse_args(argv)  # reports the unknown arguments, exit 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if getattr(args, "quiet", False) else "default")
        warnings.showwarning = _show_warning
        try:
            return int(args.run(args, rest) if delegated else args.run(args))
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


def _show_warning(message: Any, *args: Any, **kwargs: Any) -> None:
    print(f"seqcoder: warning: {message}", file=sys.stderr)


def main_cli() -> None:
    status = main()
    # The interpreter's last garbage collection walks every object numba created (about a fifth
    # of a whole-process `get`); freezing them skips it. Every file the command wrote is closed
    # by now, and stdout, stderr and atexit handlers are still flushed and run.
    gc.freeze()
    sys.exit(status)
