"""4 ``seqcoder add`` processes of 5 members each on one archive at the same time, 20 times.

Each repetition packs a fresh archive of 2 small synthetic genomes, then starts the 4 adds at
once (each its own 5 relatives of them). Two modes, 20 repetitions each: the default (a second
writer waits for the first) and ``--no-wait`` (a second writer fails at once). Checked every
time: every member of every add that exited 0 is in the archive, an add that did not exit 0
said why in one line naming the archive and added nothing, and ``seqcoder test`` passes.

    python benchmarks/concurrent_adds.py

Writes ``benchmarks/results/concurrent_adds.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SEQCODER = [sys.executable, "-m", "seqcoder"]
RESULT = Path(__file__).resolve().parent / "results" / "concurrent_adds.json"
BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def write_genomes(directory: Path, names: list[str], length: int, seed: int) -> list[Path]:
    """Relatives of one random genome (0.5% SNPs each), one FASTA file a name."""
    rng = np.random.default_rng(seed)
    root = rng.integers(0, 4, length).astype(np.uint8)
    paths = []
    for name in names:
        codes = root.copy()
        snps = rng.choice(length, length // 200, replace=False)
        codes[snps] = (codes[snps] + 1) % 4
        text = BASES[codes].tobytes()
        path = directory / name
        path.write_bytes(f">{name}\n".encode() + b"\n".join(text[i:i + 80] for i in range(0, length, 80)) + b"\n")
        paths.append(path)
    return paths


def repetition(work: Path, rep: int, wait: bool, writers: int, members: int, length: int) -> dict:
    d = work / f"{'wait' if wait else 'nowait'}-{rep:02d}"
    d.mkdir()
    archive = d / "set.sqcl"
    base = write_genomes(d, ["base0.fa", "base1.fa"], length, rep)
    subprocess.run(SEQCODER + ["pack", "-q", str(archive)] + [str(p) for p in base], check=True)
    groups = [write_genomes(d, [f"w{w}m{m}.fa" for m in range(members)], length, 1000 * rep + w)
              for w in range(writers)]
    start = time.perf_counter()
    procs = [subprocess.Popen(SEQCODER + ["add", "-q"] + ([] if wait else ["--no-wait"]) + [str(archive)]
                              + [str(p) for p in group], stderr=subprocess.PIPE, text=True) for group in groups]
    outcomes = [(p.wait(), p.communicate()[1]) for p in procs]
    seconds = time.perf_counter() - start
    listed = subprocess.run(SEQCODER + ["list", "--json", str(archive)], capture_output=True, text=True)
    names = [m["name"] for m in json.loads(listed.stdout)["member_list"]] if listed.returncode == 0 else []
    tested = subprocess.run(SEQCODER + ["test", str(archive)], capture_output=True, text=True)
    ok_adds = [g for (rc, _), g in zip(outcomes, groups) if rc == 0]
    refused = [(rc, err, g) for (rc, err), g in zip(outcomes, groups) if rc != 0]
    expected = ["base0.fa", "base1.fa"] + sorted(p.name for g in ok_adds for p in g)
    messages = [err.strip() for _, err, _ in refused]
    clear = all(len(m.splitlines()) == 1 and str(archive) in m and "another seqcoder process is writing it" in m
                for m in messages)
    nothing_added = all(not any(p.name in names for p in g) for _, _, g in refused)
    row = {"mode": "wait" if wait else "no-wait", "repetition": rep, "seconds": round(seconds, 2),
           "exit_statuses": [rc for rc, _ in outcomes], "members": len(names),
           "every_member_of_every_ok_add": sorted(names) == expected, "refused": len(refused),
           "waited": sum("waiting for it to finish" in err for _, err in outcomes), "refusals_clear": clear,
           "refused_added_nothing": nothing_added, "test_exit": tested.returncode,
           "tracebacks": sum(err.count("Traceback") for _, err in outcomes), "messages": sorted(set(messages))}
    row["ok"] = (row["every_member_of_every_ok_add"] and clear and nothing_added and tested.returncode == 0
                 and row["tracebacks"] == 0)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repetitions", type=int, default=20)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--members", type=int, default=5, help="members each add brings (default 5)")
    ap.add_argument("--length", type=int, default=200_000, help="bases of each synthetic genome")
    ap.add_argument("--out", type=Path, default=RESULT)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="seqcoder-concurrent-") as tmp:
        for wait in (True, False):
            for rep in range(args.repetitions):
                row = repetition(Path(tmp), rep, wait, args.writers, args.members, args.length)
                print(json.dumps({k: v for k, v in row.items() if k != "messages"}), flush=True)
                rows.append(row)
    summary = {}
    for mode in ("wait", "no-wait"):
        mine = [r for r in rows if r["mode"] == mode]
        summary[mode] = {"repetitions": len(mine), "ok": sum(r["ok"] for r in mine),
                         "adds": args.writers * len(mine),
                         "adds_exit_0": sum(r["exit_statuses"].count(0) for r in mine),
                         "adds_refused": sum(r["refused"] for r in mine),
                         "adds_that_waited": sum(r["waited"] for r in mine),
                         "members_lost": sum(not r["every_member_of_every_ok_add"] for r in mine),
                         "example_message": next((m for r in mine for m in r["messages"]), None)}
    report = {"schema_version": 1, "writers": args.writers, "members_per_add": args.members,
              "genome_bases": args.length, "cpus": os.cpu_count(), "summary": summary, "runs": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
