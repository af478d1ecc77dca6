"""The ``seqcoder batch`` command, and ``get`` / ``list`` of a batch directory. Dask is imported
only when a batch runs; ``get`` and ``list`` read the SQLite catalog and the archives."""

from __future__ import annotations

import argparse
import json
import sys

from .errors import SeqcoderError


class BatchCliError(SeqcoderError):
    """A problem with what the user asked for (printed, exit status 1)."""


def _size(text: str) -> int:
    units = {"k": 10**3, "m": 10**6, "g": 10**9}
    t = text.strip().lower().rstrip("b")
    try:
        return int(float(t[:-1]) * units[t[-1]]) if t and t[-1] in units else int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of bases: {text!r}") from None


def add_parsers(sub) -> None:
    """Add ``batch`` to the ``seqcoder`` subcommands."""
    from .batch.defaults import MAX_GROUP_BASES as DEFAULT_MAX_GROUP_BASES
    from .batch.defaults import MIN_GROUP_BASES as DEFAULT_MIN_GROUP_BASES
    from .batch.defaults import THRESHOLD as DEFAULT_THRESHOLD

    p = sub.add_parser("batch", help="pack many genomes into groups of similar ones, on Dask, with a catalog",
                       description="Sketch every genome, group similar ones, pack each group into a collection "
                                   "archive in OUTDIR and write OUTDIR/catalog.sqlite. A rerun reuses the "
                                   "archives that are complete and verified.")
    p.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="FASTA files, or directories searched for *.fa/.fna/.fasta/... (plain or .gz/.bz2/.xz/.zst)")
    p.add_argument("--files-from", metavar="LIST", help="read input paths from LIST, one a line")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="output directory")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N", help="a local cluster of N processes (default: cores)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="a running Dask scheduler (tcp://host:port); workers must see the same paths")
    for level in range(1, 10):
        p.add_argument(f"-{level}", dest="level", action="store_const", const=level, help=argparse.SUPPRESS)
    p.add_argument("-L", "--level", dest="level", type=int, default=None, metavar="N",
                   help="level 1 (fast) .. 9 (best); also -1 .. -9 (default 4)")
    p.add_argument("--max-group-bases", type=_size, default=DEFAULT_MAX_GROUP_BASES, metavar="N",
                   help=f"largest group, in bases; k/M/G suffixes (default {DEFAULT_MAX_GROUP_BASES // 10**6}M)")
    p.add_argument("--min-group-bases", type=_size, default=DEFAULT_MIN_GROUP_BASES, metavar="N",
                   help="clusters smaller than this share archives with other small clusters "
                        f"(default {DEFAULT_MIN_GROUP_BASES // 10**6}M; 0: every cluster its own)")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, metavar="J",
                   help=f"k-mer Jaccard similarity that joins a genome to a cluster (default {DEFAULT_THRESHOLD})")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on standard output")
    p.set_defaults(run=_cmd_batch)


def _cmd_batch(args) -> int:
    try:
        import distributed  # noqa: F401
        import scipy  # noqa: F401
    except ImportError as exc:
        raise BatchCliError(f"seqcoder batch needs the dask extra ({exc.name} is missing): "
                            "pip install 'seqcoder[dask]'") from None
    from .batch.inputs import read_path_list
    from .batch.run import run_batch

    inputs = list(args.inputs) + (read_path_list(args.files_from) if args.files_from else [])
    if not inputs:
        raise BatchCliError("no inputs (give INPUT... or --files-from LIST)")
    level = 4 if args.level is None else args.level
    if args.workers is not None and args.workers < 1:
        raise BatchCliError(f"--workers must be at least 1, not {args.workers}")
    show = not args.quiet and sys.stderr.isatty()
    log = (lambda m: print(f"seqcoder batch: {m}", file=sys.stderr)) if not args.quiet else None
    report = run_batch(inputs, args.output, workers=args.workers, scheduler=args.scheduler, level=level,
                       max_group_bases=args.max_group_bases,
                       min_group_bases=args.min_group_bases, threshold=args.threshold, progress=show, log=log)
    if not args.quiet:
        print(f"seqcoder batch: {report.summary()}", file=sys.stderr)
    if args.json:
        print(json.dumps({"schema_version": 1, "genomes": report.genomes, "groups": report.groups,
                          "reused": report.reused, "bytes_in": report.bytes_in, "bytes_out": report.bytes_out,
                          "catalog_bytes": report.catalog_bytes, "ratio": round(report.ratio, 4),
                          "seconds": round(report.seconds, 3), "sketch_seconds": round(report.sketch_seconds, 3),
                          "pack_seconds": round(report.pack_seconds, 3), "workers": report.workers,
                          "archives": list(report.archives)}, indent=2))
    return 0


def cmd_get(args) -> int:
    """``seqcoder get OUTDIR GENOME... [-o FILE | -c | -C DIR]``: genomes found through the catalog."""
    from .batch import Catalog, iter_genomes
    from .cli_collection import write_outputs
    from .collection import Collection

    names = list(dict.fromkeys(args.members))
    with Catalog(args.archive) as catalog:
        rows = catalog.find(names)  # every name is checked before anything is decoded or written
        archive = catalog.archive_path(rows[0])
    write_outputs(args, names, lambda: ((row.name, data) for row, data in iter_genomes(args.archive, names)),
                  lambda: Collection(archive).read_record(rows[0].member, args.record))
    return 0


def list_batch(directory: str, as_json: bool) -> dict:
    """``seqcoder list OUTDIR``: every genome of the catalog, its group and archive."""
    from .batch import Catalog

    with Catalog(directory) as catalog:
        groups, genomes = catalog.groups(), catalog.genomes()
        meta = catalog.meta
    original = sum(g.original_bytes for g in groups)
    archive = sum(g.archive_bytes for g in groups)
    report = {"schema_version": 1, "directory": directory, "kind": "batch",
              "catalog_schema_version": int(meta["schema_version"]), "genomes": len(genomes), "groups": len(groups),
              "original_bytes": original, "archive_bytes": archive,
              "group_list": [{"group": g.group_id, "archive": g.archive, "members": g.members, "bases": g.bases,
                              "original_bytes": g.original_bytes, "archive_bytes": g.archive_bytes} for g in groups],
              "genome_list": [{"name": r.name, "group": r.group_id, "archive": r.archive, "position": r.position,
                               "cluster": r.cluster, "original_bytes": r.original_size, "bases": r.bases,
                               "sha256": r.sha256} for r in genomes]}
    if as_json:
        print(json.dumps(report, indent=2))
        return report
    ratio = original / archive if archive else 0.0
    print(f"{directory}: {len(genomes)} genomes in {len(groups)} groups, "
          f"{report['original_bytes']} -> {report['archive_bytes']} bytes (ratio {ratio:.2f})")
    print(f"  {'genome':<48} {'group':>5} {'cluster':>7} {'bytes':>12}  archive")
    for r in genomes:
        print(f"  {r.name:<48} {r.group_id:>5} {r.cluster:>7} {r.original_size:>12}  {r.archive}")
    return report
