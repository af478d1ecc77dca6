"""Batches: ``seqcoder batch`` (Dask is imported only when one runs), and what ``list``,
``test`` and ``get`` do with a batch directory (they read its SQLite catalog and archives)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import CliError, add_level_flags, base_count, print_json, write_members


def add_parsers(sub: Any) -> None:
    """Add ``batch`` to the ``seqcoder`` subcommands."""
    from ..batch.defaults import MAX_GROUP_BASES, MIN_GROUP_BASES, THRESHOLD

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
    add_level_flags(p)
    p.add_argument("--max-group-bases", type=base_count, default=MAX_GROUP_BASES, metavar="N",
                   help="largest group, in bases; k/M/G suffixes (default: no cap, a cluster is one archive)")
    p.add_argument("--min-group-bases", type=base_count, default=MIN_GROUP_BASES, metavar="N",
                   help="clusters smaller than this share archives with other small clusters "
                        f"(default {MIN_GROUP_BASES // 10**6}M; 0: every cluster its own)")
    p.add_argument("--threshold", type=float, default=THRESHOLD, metavar="J",
                   help=f"k-mer Jaccard similarity that joins a genome to a cluster (default {THRESHOLD})")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on standard output")
    p.set_defaults(run=_cmd_batch)


def _cmd_batch(args: argparse.Namespace) -> int:
    from ..extras import require

    require("dask", what="seqcoder batch")
    from ..batch.inputs import read_path_list
    from ..batch.run import run_batch
    from ..levels import DEFAULT_LEVEL, check_level

    inputs = list(args.inputs) + (read_path_list(args.files_from) if args.files_from else [])
    if not inputs:
        raise CliError("no inputs (give INPUT... or --files-from LIST)")
    level = check_level(DEFAULT_LEVEL if args.level is None else args.level)
    if args.workers is not None and args.workers < 1:
        raise CliError(f"--workers must be at least 1, not {args.workers}")
    show = not args.quiet and sys.stderr.isatty()
    log = (lambda m: print(f"seqcoder batch: {m}", file=sys.stderr)) if not args.quiet else None
    report = run_batch(inputs, args.output, workers=args.workers, scheduler=args.scheduler, level=level,
                       max_group_bases=args.max_group_bases, min_group_bases=args.min_group_bases,
                       threshold=args.threshold, progress=show, log=log)
    if not args.quiet:
        print(f"seqcoder batch: {report.summary()}", file=sys.stderr)
    if args.json:
        print_json([report.to_dict()])
    return 0


# --- the shared verbs (seqcoder list / test / get of a batch directory) --------------------------

def list_report(path: str) -> dict[str, Any]:
    from ..batch import list_directory

    return list_directory(path)


def print_list(r: dict[str, Any]) -> None:
    ratio = r["original_bytes"] / r["archive_bytes"] if r["archive_bytes"] else 0.0
    print(f"{r['directory']}: {r['genomes']} genomes in {r['groups']} groups, "
          f"{r['original_bytes']} -> {r['archive_bytes']} bytes (ratio {ratio:.2f})")
    print(f"  {'genome':<48} {'group':>5} {'cluster':>7} {'bytes':>12}  archive")
    for g in r["genome_list"]:
        print(f"  {g['name']:<48} {g['group']:>5} {g['cluster']:>7} {g['original_bytes']:>12}  {g['archive']}")


def test(path: str, args: argparse.Namespace) -> str:
    """The catalog against the archives, every member decoded (``batch.check_directory``)."""
    from ..batch import Catalog, check_directory

    problems = check_directory(path)
    if problems:
        raise CliError(f"{path}: " + "; ".join(problems))
    with Catalog(path) as catalog:
        return f"{len(catalog.genomes())} genomes in {len(catalog.groups())} archives"


def get(args: argparse.Namespace) -> int:
    """``seqcoder get OUTDIR GENOME... [-o FILE | -c | -C DIR]``: genomes found through the catalog."""
    from ..batch import Catalog, iter_genomes
    from ..collection import Collection

    names = list(dict.fromkeys(args.members))
    with Catalog(args.archive) as catalog:
        rows = catalog.find(names)  # every name is checked before anything is decoded or written
        archive = catalog.archive_path(rows[0])
    write_members(args, names, lambda: ((row.name, data) for row, data in iter_genomes(args.archive, names)),
                  lambda: Collection(archive).read_record(rows[0].member, args.record))
    return 0
