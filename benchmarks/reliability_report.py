"""The measured results of docs/reliability.md and the README's few lines about them, rendered
by ``benchmarks/figures.py`` (figures ``reliability`` and ``reliability-summary``) from the
committed JSON of the reliability benchmarks (never typed in):

- ``results/concurrent_adds.json`` (``concurrent_adds.py``), ``results/kill_add.json``
  (``kill_add.py``), ``results/mutated_archives.json`` (``mutated_archives.py``),
  ``results/fuzz_readers.json`` (``fuzz_readers.py``).

"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def load(results: Path = RESULTS) -> dict[str, dict]:
    names = ("concurrent_adds", "kill_add", "mutated_archives", "fuzz_readers")
    return {n: json.loads((results / f"{n}.json").read_text()) for n in names}


def details(r: dict[str, dict]) -> str:
    """The results section of docs/reliability.md."""
    c, k, m, f = r["concurrent_adds"], r["kill_add"], r["mutated_archives"], r["fuzz_readers"]
    w, n = c["summary"]["wait"], c["summary"]["no-wait"]
    lines = [
        "| check | runs | result |",
        "|---|---:|---|",
        f"| {c['writers']} concurrent `add`s of {c['members_per_add']} members, waiting (default) | "
        f"{w['repetitions']} | {w['ok']}/{w['repetitions']} ok: {w['adds_exit_0']}/{w['adds']} adds exit 0 "
        f"({w['adds_that_waited']} waited for the lock), {w['members_lost']} members lost, `test` passes |",
        f"| the same with `--no-wait` | {n['repetitions']} | {n['ok']}/{n['repetitions']} ok: "
        f"{n['adds_exit_0']} adds exit 0, {n['adds_refused']} refused with one line naming the archive "
        f"and adding nothing, {n['members_lost']} members lost, `test` passes |",
        f"| `kill -9` of an `add` of {len(k['added'])} *E. coli* genomes onto {len(k['packed'])} | "
        f"{k['moments']} | {k['ok']}/{k['moments']} open with their old members, pass `test` and are "
        f"repaired to the old bytes ({k['killed_mid_write']} killed with the add's bytes half written, "
        f"{k['moments'] - k['killed_mid_write'] - k['add_complete_before_kill']} before its first byte, "
        f"{k['add_complete_before_kill']} after its end) |",
        f"| hand-mutated archives ({m['by_kind']['single']} single-genome, {m['by_kind']['collection']} "
        f"collections) through `test` and `decompress`/`unpack` | {m['archives']} | "
        f"{m['exit_0_with_wrong_output']} exit 0 with wrong output, {m['tracebacks']} tracebacks, "
        f"{m['error_lines_not_one']} errors of more than one line; {m['rejected']} rejected |",
        f"| coverage-guided fuzzing with {f['engine']}, {len(f['targets'])} readers | "
        f"{f['inputs_tried']:,} inputs | {f['crashes']} crashes, {f['hangs']} hangs, "
        f"{f['out_of_memory']} over {f['rss_limit_mb']} MB, in {f['seconds'] / 60:.0f} minutes |",
        "",
        "| fuzzed reader | inputs tried | seconds | coverage edges | crashes | hangs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in f["targets"]:
        lines.append(f"| {t['target']} | {t['inputs_tried']:,} | {t['seconds']:.0f} | {t['coverage_edges']} | "
                     f"{t['crashes']} | {t['hangs']} |")
    lines += ["", f"Machine: {c['cpus']} CPUs. Synthetic genomes of {c['genome_bases']:,} bases for the "
              f"concurrent adds; real genomes for the kills ({k['set']}) and the mutations ({m['set']})."]
    return "\n".join(lines)


def summary(r: dict[str, dict]) -> str:
    """The README's lines."""
    c, k, m, f = r["concurrent_adds"], r["kill_add"], r["mutated_archives"], r["fuzz_readers"]
    w = c["summary"]["wait"]
    return (f"Archives survive concurrent writers, `kill -9` and hostile bytes (docs/reliability.md): "
            f"{c['writers']} concurrent `add`s, {w['repetitions']} times, lost {w['members_lost']} members; "
            f"{k['ok']}/{k['moments']} `add`s killed at spread moments left the archive readable with its old "
            f"members; {m['archives']} mutated archives gave {m['exit_0_with_wrong_output']} wrong outputs and "
            f"{m['tracebacks']} tracebacks; fuzzing every reader tried {f['inputs_tried']:,} inputs in "
            f"{f['seconds'] / 60:.0f} minutes: {f['crashes']} crashes, {f['hangs']} hangs.")
