"""What each change to the collection coder gains on the shared sets, and what it costs in
speed: the default level packed with the changes turned on one at a time, in order, each
archive unpacked and every member compared with its input (in one process, one thread;
whole-process costs such as imports are left out, so that rows compare like with like).

    python benchmarks/collection_changes.py ../shared/data/collections/phages_97 \\
        ../shared/data/collections/chlamydia_trachomatis_50 \\
        ../shared/data/collections/escherichia_coli_49 --json benchmarks/results/collection_changes.json

A change is turned off by setting back the one constant that carries it (:data:`CHANGES`), so
every row is the code of this commit.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest.mock import patch

from batch_common import commit

from seqcoder.bench.sets import set_files
from seqcoder.collection import Collection, archive, coder, references
from seqcoder.collection import format as collection_format
from seqcoder.collection.archive import member_name, read_input
from seqcoder.levels import DEFAULT_LEVEL

def _old_snp_window() -> dict:
    lit, params = coder.LEVELS[DEFAULT_LEVEL]
    return {DEFAULT_LEVEL: (lit, dataclasses.replace(params, window_mis=6))}


#: (row label, what turns the change off), oldest first; row k has changes 1..k on
CHANGES: list[tuple[str, Callable[[], contextlib.AbstractContextManager]]] = [
    ("small members' literals at cm level 3 (under 1 M bases)",
     lambda: patch.object(coder, "SMALL_MEMBER_BASES", 0)),
    ("format 3: header lines in the index, which also lists the pool chunks each member reads",
     lambda: patch.object(archive, "VERSION", 2)),
    ("SNP window: 20 of 32 bases agree (was 26)", lambda: patch.dict(coder.LEVELS, _old_snp_window())),
    ("literals in chunks of 2^20 bases (a get decodes only those it reads)",
     lambda: patch.object(collection_format, "LITERAL_CHUNK", 1 << 62)),
    ("further parents by greedy cover of the member's k-mers (was: by shared k-mers alone)",
     lambda: patch.object(references, "COVER", False)),
]


@contextlib.contextmanager
def changes_on(k: int) -> Iterator[None]:
    """The first ``k`` changes on, the others turned off."""
    with contextlib.ExitStack() as stack:
        for _, turn_off in CHANGES[k:]:
            stack.enter_context(turn_off())
        yield


def measure(files: list[Path], tmp: Path) -> dict:
    size = sum(len(read_input(f)) for f in files)
    start = time.perf_counter()
    c = Collection.create(tmp / "set.sqcl", files, level=DEFAULT_LEVEL, threads=1)
    pack_s = time.perf_counter() - start
    start = time.perf_counter()
    out = {e.name: data for e, data in Collection(c.path).iter_members(threads=1)}
    unpack_s = time.perf_counter() - start
    exact = all(out[member_name(f)] == read_input(f) for f in files)
    return {"archive_bytes": c.archive_size, "input_bytes": size, "pack_mb_s": round(size / pack_s / 1e6, 2),
            "unpack_mb_s": round(size / unpack_s / 1e6, 2), "round_trip": exact}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    rows = []
    labels = ["before these changes"] + [f"+ {label}" for label, _ in CHANGES]
    for k, label in enumerate(labels):
        row: dict = {"change": label, "sets": {}}
        with changes_on(k), tempfile.TemporaryDirectory(prefix="seqcoder-changes-") as tmp:
            for folder in args.sets:
                row["sets"][folder.name] = measure(set_files(folder), Path(tmp))
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"schema_version": 1, "measured_at_commit": commit(),
                                         "load_at_start": round(load, 2), "level": DEFAULT_LEVEL, "rows": rows},
                                        indent=2) + "\n")
    return 0 if all(s["round_trip"] for r in rows for s in r["sets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
