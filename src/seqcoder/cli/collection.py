"""Collections: ``pack``, ``add``, ``unpack``, and what ``list``, ``info``, ``test`` and ``get``
do with a collection archive (``.sqcl``)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

from .common import CliError, add_level_flags, add_sync_flag, add_threads_flag, check_output, progress, \
    safe_name, say, threads, write_bytes, write_members

#: help of -T where threads only speed up decoding
DECODE_THREADS = "literal sections decode ahead of the copies; the output does not depend on it"


def _input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("archive", metavar="ARCHIVE")
    p.add_argument("files", nargs="*", metavar="FILE", help="FASTA files, plain or gzip/bzip2/xz/zstd")
    p.add_argument("--files-from", metavar="LIST", help="read input paths from LIST, one a line ('-': stdin)")
    add_threads_flag(p, "the archive's bytes do not depend on it")
    p.add_argument("--strict", action="store_true", help="refuse an input that is not nucleotide FASTA")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")


def add_parsers(sub: Any) -> None:
    """Add pack and add to the ``seqcoder`` subcommands."""
    p = sub.add_parser("pack", help="pack many genomes into one collection archive")
    _input_options(p)
    add_level_flags(p)
    p.add_argument("--max-depth", type=int, default=None, metavar="D",
                   help="longest chain of first parents a member is coded against: a get decodes that "
                        "chain and a few more members (default 8; 0: no parents, only the pool of earlier "
                        "members' new sequence)")
    p.add_argument("-f", "--force", action="store_true", help="overwrite ARCHIVE")
    p.set_defaults(run=_cmd_pack)

    p = sub.add_parser("add", help="append genomes to a collection archive (existing members are not re-encoded)")
    _input_options(p)
    p.add_argument("--no-wait", action="store_true",
                   help="fail at once if another process is writing ARCHIVE (default: wait for it)")
    p.set_defaults(run=_cmd_add)

    p = sub.add_parser("repair", help="remove what an interrupted add left at the end of a collection archive")
    p.add_argument("archive", metavar="ARCHIVE")
    p.set_defaults(run=_cmd_repair)


def add_unpack_parser(sub: Any) -> None:
    p = sub.add_parser("unpack", help="restore every member of a collection archive")
    p.add_argument("archive", metavar="ARCHIVE")
    p.add_argument("-C", "--directory", metavar="DIR", default=".", help="where to write (default: .)")
    p.add_argument("-f", "--force", action="store_true", help="overwrite existing files")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_sync_flag(p)
    add_threads_flag(p, DECODE_THREADS, default=0)
    p.set_defaults(run=_cmd_unpack)


def _input_paths(args: argparse.Namespace) -> list[str]:
    paths = list(args.files)
    if args.files_from:
        stream = sys.stdin if args.files_from == "-" else open(args.files_from, encoding="utf-8")
        with stream:
            paths += [line.strip() for line in stream if line.strip()]
    if not paths:
        raise CliError("no input files (give FILE... or --files-from LIST)")
    for path in paths:
        if not os.path.isfile(path):
            raise CliError(f"{path}: no such file")
    return paths


def _summary(quiet: bool, verb: str, archive: str, members: int, bytes_in: int, size: int) -> None:
    if not quiet and sys.stderr.isatty():
        print(f"{archive}: {verb} {members} members, {bytes_in} bytes -> {size} bytes", file=sys.stderr)


def _cmd_pack(args: argparse.Namespace) -> int:
    from ..collection import DEFAULT_MAX_DEPTH, Collection
    from ..levels import DEFAULT_LEVEL, check_level

    paths = _input_paths(args)
    level = check_level(DEFAULT_LEVEL if args.level is None else args.level)
    if Path(args.archive).exists() and not args.force:
        raise CliError(f"{args.archive}: already exists; use -f to overwrite (or add to append)")
    if os.path.abspath(args.archive) in {os.path.abspath(p) for p in paths}:
        raise CliError(f"{args.archive}: is also an input")
    max_depth = DEFAULT_MAX_DEPTH if args.max_depth is None else args.max_depth
    with progress(len(paths), args.quiet, Path(args.archive).name, "genome") as bar:
        c = Collection.create(args.archive, paths, level=level, max_depth=max_depth, threads=threads(args.threads),
                              strict=args.strict, progress=lambda _n: bar.update(1), on_wait=say)
    _summary(args.quiet, "packed", args.archive, len(c.members), sum(m.original_size for m in c.members),
             c.archive_size)
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    from ..collection import Collection

    paths = _input_paths(args)
    c = Collection(args.archive)
    before = len(c.members)
    with progress(len(paths), args.quiet, Path(args.archive).name, "genome") as bar:
        c.add(paths, threads=threads(args.threads), strict=args.strict, progress=lambda _n: bar.update(1),
              wait=not args.no_wait, on_wait=say)
    _summary(args.quiet, "added", args.archive, len(c.members) - before,
             sum(m.original_size for m in c.members[before:]), c.archive_size)
    return 0


def _cmd_repair(args: argparse.Namespace) -> int:
    from ..collection.recovery import repair

    report = repair(args.archive, on_wait=say)
    state = f"cut back to its last complete state, {report.removed} bytes removed" if report.removed else "complete"
    print(f"{args.archive}: {state} ({report.members} members)")
    return 0


def _cmd_unpack(args: argparse.Namespace) -> int:
    from ..collection import Collection

    c = Collection(args.archive)
    directory = Path(args.directory)
    for m in c.members:
        check_output(safe_name(directory, m.name), args.force)
    with progress(sum(m.original_size for m in c.members), args.quiet, Path(args.archive).name) as bar:
        for entry, data in c.iter_members(threads=threads(args.threads)):
            write_bytes(safe_name(directory, entry.name), data, True, durable=args.sync)
            bar.update(entry.original_size)
    return 0


# --- the shared verbs (seqcoder list / info / test / get of a .sqcl) ------------------------------

def list_report(path: str, records: bool = False) -> dict[str, Any]:
    from ..collection import Collection
    from ..collection.report import CollectionInfo

    return CollectionInfo(Collection(path)).to_dict(sections=False, records=records)


def print_list(r: dict[str, Any]) -> None:
    if "record_list" in r:
        w = max([6] + [len(str(x["member"])) for x in r["record_list"]])
        print(f"{'member':<{w}}\t{'record':<12}\t{'length':>12}")
        for x in r["record_list"]:
            print(f"{x['member']:<{w}}\t{x['record']:<12}\t{x['length']:>12}")
        return
    bpb = f"{r['bits_per_base']:.4f}" if r["bits_per_base"] is not None else "-"
    print(f"{r['file']}: collection of {r['members']} members, level {r['level']}, format v{r['format_version']}")
    print(f"  {r['original_bytes']} -> {r['archive_bytes']} bytes, {r['bases']} bases, {bpb} bits/base")
    rows = r["member_list"]
    w = max([6] + [len(str(m["name"])) for m in rows])
    print(f"  {'member':<{w}} {'bytes':>12} {'archive':>10} {'bits/base':>9} {'records':>7}")
    for m in rows:
        b = f"{m['bits_per_base']:.4f}" if m["bits_per_base"] is not None else "-"
        print(f"  {m['name']:<{w}} {m['original_bytes']:>12} {m['archive_bytes']:>10} {b:>9} {m['records']:>7}")


def info_report(path: str) -> dict[str, Any]:
    from ..collection import Collection
    from ..collection.report import CollectionInfo

    return CollectionInfo(Collection(path)).to_dict()


def print_info(r: dict[str, Any]) -> None:
    print(r["file"])
    bound = (f"max depth {r['max_depth']}" if r["format_version"] >= 2
             else f"max refs {r['max_refs'] or 'all'}")
    print(f"  collection format version {r['format_version']}, level {r['level']}, {bound}, "
          f"{r['archive_bytes']} bytes")
    s = r["section_bytes"]
    print(f"  sections: layout {s['layout']}, tokens {s['tokens']}, literals {s['literals']} bytes")
    for m in r["member_list"]:
        print(f"  {m['name']}: block at {m['offset']}, {m['size']} bytes, original {m['original_bytes']} bytes, "
              f"{m['bases']} bases ({m['literal_bases']} literal), {_refs(m)}, sha256 {m['sha256']}")


def _refs(m: dict[str, Any]) -> str:
    if "parents" not in m:
        return f"refs {m['references']}"
    return f"parents {', '.join(m['parents']) or 'none'}, pool {len(m['pool'])} members"


def test(path: str, args: argparse.Namespace) -> str:
    from ..collection import Collection

    return f"{Collection(path).test(threads=threads(args.threads))} members"


_REGION = re.compile(r"^(?P<member>.+):(?P<record>[^:]+):(?P<start>[0-9]+)-(?P<end>[0-9]+)$")


def get(args: argparse.Namespace) -> int:
    from ..collection import Collection

    c = Collection(args.archive)
    regions = [m for m in args.members if m not in c.names and _REGION.match(m)]
    if regions:
        return _get_regions(args, c, regions)
    names = list(dict.fromkeys(args.members))
    for name in names:
        c.entry(name)  # every name is checked before anything is decoded or written
    n = threads(args.threads)
    write_members(args, names, lambda: ((e.name, d) for e, d in c.iter_members(names, n)),
                  lambda: c.read_record(names[0], args.record, n))
    return 0


def _get_regions(args: argparse.Namespace, c: Any, regions: list[str]) -> int:
    """``get ARCHIVE MEMBER:RECORD:START-END ...``: each region as FASTA, to -o FILE or stdout."""
    if len(regions) != len(args.members):
        raise CliError("give either member names or regions (MEMBER:RECORD:START-END), not both")
    if args.record or args.directory:
        raise CliError("a region is written to standard output or -o FILE (no --record, no -C)")
    parts = []
    for text in regions:
        m = _REGION.match(text)
        assert m is not None
        c.entry(m["member"])
        parts.append((m["member"], m["record"], int(m["start"]), int(m["end"])))
    n = threads(args.threads)
    data = b"".join(c.read_region(member, record, start, end, n) for member, record, start, end in parts)
    write_bytes(Path(args.output) if args.output else None, data, args.force, durable=args.sync)
    return 0
