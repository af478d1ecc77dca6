"""The collection verbs of the ``seqcoder`` command: pack, add, get, unpack (and the collection
views of list, info and test). Like :mod:`seqcoder.cli`, heavy imports happen inside commands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import SeqcoderError

COLLECTION_MAGIC = b"\x89SQL"


class CollectionCliError(SeqcoderError):
    """A problem with what the user asked for (printed, exit status 1)."""


def is_collection(path: str) -> bool:
    """True when ``path`` is a collection archive (by its magic bytes)."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == COLLECTION_MAGIC
    except (IsADirectoryError, FileNotFoundError):
        return False


_DECODE_THREADS = ("threads (0 = all cores): literal sections decode ahead of the copies; "
                   "the output does not depend on it (default 1)")


def _levels(p: argparse.ArgumentParser, default_help: str) -> None:
    for level in range(1, 10):
        p.add_argument(f"-{level}", dest="level", action="store_const", const=level, help=argparse.SUPPRESS)
    p.add_argument("-L", "--level", dest="level", type=int, default=None, metavar="N", help=default_help)


def _input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="*", metavar="FILE", help="FASTA files, plain or gzip/bzip2/xz/zstd")
    p.add_argument("--files-from", metavar="LIST", help="read input paths from LIST, one a line ('-': stdin)")
    p.add_argument("-T", "--threads", type=int, default=1, metavar="N",
                   help="threads (0 = all cores); the archive's bytes do not depend on it (default 1)")
    p.add_argument("--strict", action="store_true", help="refuse an input that is not nucleotide FASTA")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")


def add_parsers(sub) -> None:
    """Add pack, add, get and unpack to the ``seqcoder`` subcommands."""
    p = sub.add_parser("pack", help="pack many genomes into one collection archive")
    p.add_argument("archive", metavar="ARCHIVE")
    _input_options(p)
    _levels(p, "level 1 (fast) .. 9 (best); also -1 .. -9 (default 4)")
    p.add_argument("--max-refs", type=int, default=None, metavar="N",
                   help="keep only the first N members whole as references, bounding what a get decodes "
                        "(default 0: every earlier member)")
    p.add_argument("-f", "--force", action="store_true", help="overwrite ARCHIVE")
    p.set_defaults(run=_cmd_pack)

    p = sub.add_parser("add", help="append genomes to a collection archive (existing members are not re-encoded)")
    p.add_argument("archive", metavar="ARCHIVE")
    _input_options(p)
    p.add_argument("--no-wait", action="store_true",
                   help="fail at once if another process is writing ARCHIVE (default: wait for it)")
    p.set_defaults(run=_cmd_add)

    p = sub.add_parser("repair", help="remove what an interrupted add left at the end of a collection archive")
    p.add_argument("archive", metavar="ARCHIVE")
    p.set_defaults(run=_cmd_repair)

    p = sub.add_parser("get", help="extract members (or one record of a member) from a collection archive")
    p.add_argument("archive", metavar="ARCHIVE")
    p.add_argument("members", nargs="+", metavar="MEMBER")
    out = p.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", metavar="FILE", help="write the (one) member to FILE")
    out.add_argument("-c", "--stdout", action="store_true", help="write to standard output")
    out.add_argument("-C", "--directory", metavar="DIR", help="write members into DIR (default: .)")
    p.add_argument("--record", metavar="ID", help="only this record (its id or #N) of the member")
    p.add_argument("-f", "--force", action="store_true", help="overwrite existing files")
    p.add_argument("-T", "--threads", type=int, default=1, metavar="N", help=_DECODE_THREADS)
    p.set_defaults(run=_cmd_get)

    p = sub.add_parser("unpack", help="restore every member of a collection archive")
    p.add_argument("archive", metavar="ARCHIVE")
    p.add_argument("-C", "--directory", metavar="DIR", default=".", help="where to write (default: .)")
    p.add_argument("-f", "--force", action="store_true", help="overwrite existing files")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-T", "--threads", type=int, default=1, metavar="N", help=_DECODE_THREADS)
    p.set_defaults(run=_cmd_unpack)


def _threads(n: int) -> int:
    from .api import resolve_threads  # imported here: `seqcoder --help` stays instant

    return resolve_threads(n)


def _input_paths(args) -> list[str]:
    paths = list(args.files)
    if args.files_from:
        stream = sys.stdin if args.files_from == "-" else open(args.files_from, encoding="utf-8")
        with stream:
            paths += [line.strip() for line in stream if line.strip()]
    if not paths:
        raise CollectionCliError("no input files (give FILE... or --files-from LIST)")
    for path in paths:
        if not os.path.isfile(path):
            raise CollectionCliError(f"{path}: no such file")
    return paths


def _bar(total: int, quiet: bool, desc: str, unit: str = "B"):
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, unit_scale=unit == "B", desc=desc, leave=False,
                disable=quiet or not sys.stderr.isatty())


def _summary(quiet: bool, verb: str, archive: str, members: int, bytes_in: int, size: int) -> None:
    if not quiet and sys.stderr.isatty():
        print(f"{archive}: {verb} {members} members, {bytes_in} bytes -> {size} bytes", file=sys.stderr)


def _cmd_pack(args) -> int:
    from .collection import DEFAULT_MAX_REFS, Collection
    from .levels import DEFAULT_LEVEL

    paths = _input_paths(args)
    level = args.level if args.level is not None else DEFAULT_LEVEL
    if not 1 <= level <= 9:
        raise CollectionCliError(f"level must be 1..9, not {level}")
    if Path(args.archive).exists() and not args.force:
        raise CollectionCliError(f"{args.archive}: already exists; use -f to overwrite (or add to append)")
    if os.path.abspath(args.archive) in {os.path.abspath(p) for p in paths}:
        raise CollectionCliError(f"{args.archive}: is also an input")
    max_refs = DEFAULT_MAX_REFS if args.max_refs is None else args.max_refs
    with _bar(len(paths), args.quiet, Path(args.archive).name, "genome") as bar:
        c = Collection.create(args.archive, paths, level=level, max_refs=max_refs, threads=_threads(args.threads),
                              strict=args.strict, progress=lambda _n: bar.update(1), on_wait=_say)
    _summary(args.quiet, "packed", args.archive, len(c.members), sum(m.original_size for m in c.members),
             c.archive_size)
    return 0


def _cmd_add(args) -> int:
    from .collection import Collection

    paths = _input_paths(args)
    c = Collection(args.archive)
    before = len(c.members)
    with _bar(len(paths), args.quiet, Path(args.archive).name, "genome") as bar:
        c.add(paths, threads=_threads(args.threads), strict=args.strict, progress=lambda _n: bar.update(1),
              wait=not args.no_wait, on_wait=_say)
    _summary(args.quiet, "added", args.archive, len(c.members) - before,
             sum(m.original_size for m in c.members[before:]), c.archive_size)
    return 0


def _say(message: str) -> None:
    print(f"seqcoder: {message}", file=sys.stderr)


def _cmd_repair(args) -> int:
    from .collection.recovery import repair

    report = repair(args.archive, on_wait=_say)
    state = f"cut back to its last complete state, {report.removed} bytes removed" if report.removed else "complete"
    print(f"{args.archive}: {state} ({report.members} members)")
    return 0


def _write_file(target: Path, data: bytes, force: bool) -> None:
    from .io.atomic import write_atomically

    if target.exists() and not force:
        raise CollectionCliError(f"{target}: already exists; use -f to overwrite")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, lambda out: out.write(data))


def _safe_name(directory: Path, name: str) -> Path:
    target = directory / name
    if Path(name).name != name or name in (".", ".."):
        raise CollectionCliError(f"member name {name!r} is not a plain file name; not written")
    return target


def _cmd_get(args) -> int:
    if os.path.isdir(args.archive):  # a seqcoder batch directory: found through its catalog
        from .cli_batch import cmd_get

        return cmd_get(args)
    from .collection import Collection

    c = Collection(args.archive)
    names = list(dict.fromkeys(args.members))
    for name in names:
        c.entry(name)  # every name is checked before anything is decoded or written
    threads = _threads(args.threads)
    write_outputs(args, names, lambda: ((e.name, d) for e, d in c.iter_members(names, threads)),
                  lambda: c.read_record(names[0], args.record, threads))
    return 0


def write_outputs(args, names: list[str], members: Callable[[], Iterator[tuple[str, bytes]]],
                  record: Callable[[], bytes]) -> None:
    """What ``get`` writes, wherever the members come from (an archive or a batch catalog):
    ``--record`` of one member, or members to ``-o FILE``, ``-c`` or ``-C DIR``; every target
    is checked before anything is decoded."""
    if args.output and len(names) > 1:
        raise CollectionCliError("-o takes one member; use -C DIR for several")
    if args.record and len(names) > 1:
        raise CollectionCliError("--record takes one member")
    directory = Path(args.directory or ".")
    if args.record:
        data = record()
        if args.output or args.directory:
            target = Path(args.output) if args.output else _safe_name(directory, names[0])
            _write_file(target, data, args.force)
        else:
            sys.stdout.buffer.write(data)
        return
    if not args.stdout and not args.output:
        for name in names:
            target = _safe_name(directory, name)
            if target.exists() and not args.force:
                raise CollectionCliError(f"{target}: already exists; use -f to overwrite")
    for name, data in members():
        if args.stdout:
            sys.stdout.buffer.write(data)
        else:
            _write_file(Path(args.output) if args.output else _safe_name(directory, name), data, args.force)
    if args.stdout:
        sys.stdout.buffer.flush()


def _cmd_unpack(args) -> int:
    from .collection import Collection

    c = Collection(args.archive)
    directory = Path(args.directory)
    for m in c.members:
        target = _safe_name(directory, m.name)
        if target.exists() and not args.force:
            raise CollectionCliError(f"{target}: already exists; use -f to overwrite")
    with _bar(sum(m.original_size for m in c.members), args.quiet, Path(args.archive).name) as bar:
        for entry, data in c.iter_members(threads=_threads(args.threads)):
            _write_file(_safe_name(directory, entry.name), data, True)
            bar.update(entry.original_size)
    return 0


def list_collection(path: str, as_json: bool) -> dict:
    """``seqcoder list`` of a collection: each member's size and bits per base (no decoding)."""
    from .collection import Collection

    c = Collection(path)
    rows = [{"name": m.name, "original_bytes": m.original_size, "archive_bytes": m.size, "bases": m.bases,
             "records": m.records, "literal_bases": m.literals, "references": m.refs,
             "bits_per_base": round(m.bits_per_base, 6) if m.bases else None, "sha256": m.sha256.hex()}
            for m in c.members]
    bases = sum(m.bases for m in c.members)
    report = {"schema_version": 1, "file": path, "kind": "collection", "format_version": c.header.version,
              "level": c.header.level, "max_refs": c.header.max_refs, "members": len(rows),
              "original_bytes": sum(m.original_size for m in c.members), "archive_bytes": c.archive_size,
              "bases": bases, "bits_per_base": round(8 * c.archive_size / bases, 6) if bases else None,
              "member_list": rows}
    if not as_json:
        bpb = f"{report['bits_per_base']:.4f}" if report["bits_per_base"] is not None else "-"
        print(f"{path}: collection of {len(rows)} members, level {c.header.level}, format v{c.header.version}")
        print(f"  {report['original_bytes']} -> {report['archive_bytes']} bytes, {bases} bases, {bpb} bits/base")
        w = max([6] + [len(str(r["name"])) for r in rows])
        print(f"  {'member':<{w}} {'bytes':>12} {'archive':>10} {'bits/base':>9} {'records':>7}")
        for r in rows:
            b = f"{r['bits_per_base']:.4f}" if r["bits_per_base"] is not None else "-"
            print(f"  {r['name']:<{w}} {r['original_bytes']:>12} {r['archive_bytes']:>10} {b:>9} {r['records']:>7}")
    return report


def info_collection(path: str) -> dict:
    """``seqcoder info`` of a collection: header, member index with offsets and checksums, and
    the bytes of each member's sections (layout, tokens, literals; raw) without decoding them."""
    from .collection import Collection

    c = Collection(path)
    sections = c.section_sizes()
    totals = [sum(s[i] for s in sections if len(s) == 3) for i in range(3)]
    return {"schema_version": 1, "file": path, "kind": "collection", "format_version": c.header.version,
            "level": c.header.level, "max_refs": c.header.max_refs, "match_params": list(c.header.params),
            "archive_bytes": c.archive_size,
            "section_bytes": {"layout": totals[0], "tokens": totals[1], "literals": totals[2]},
            "member_list": [{"name": m.name, "offset": m.offset, "size": m.size, "original_bytes": m.original_size,
                             "sha256": m.sha256.hex(), "kind": m.kind, "bases": m.bases, "literal_bases": m.literals,
                             "literal_level": m.level, "references": m.refs, "section_bytes": s}
                            for m, s in zip(c.members, sections)]}


def print_info(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, indent=2))
        return
    print(report["file"])
    print(f"  collection format version {report['format_version']}, level {report['level']}, "
          f"max refs {report['max_refs'] or 'all'}, {report['archive_bytes']} bytes")
    s = report["section_bytes"]
    print(f"  sections: layout {s['layout']}, tokens {s['tokens']}, literals {s['literals']} bytes")
    for m in report["member_list"]:
        print(f"  {m['name']}: block at {m['offset']}, {m['size']} bytes, original {m['original_bytes']} bytes, "
              f"{m['bases']} bases ({m['literal_bases']} literal), refs {m['references']}, sha256 {m['sha256']}")


def test_collection(path: str, threads: int = 1) -> int:
    from .collection import Collection

    return Collection(path).test(threads=_threads(threads))
