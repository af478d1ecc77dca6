"""200 hand-mutated archives through the CLI: never exit 0 with wrong output, never a traceback.

Valid archives are made from real phage genomes (``../shared/data/collections/phages_97``):
single-genome archives (``cm`` levels 1 and 4, ``2bit``) and collection archives (2 packed,
then 2 added, so the file holds two complete states). Each mutated copy (one to three of the
mutations of ``tests/reliability/mutations.py``: bit flips, overwritten bytes, truncations,
cut and inserted runs, length fields overwritten with 0 .. 2^64-1; seeded) goes through
``seqcoder test`` and ``seqcoder decompress -o`` / ``seqcoder unpack -C``. An exit status of 0
must come with outputs equal to the originals; any other must come with one error line on stderr
(a warning about an interrupted add may come before it);
an exception escaping ``main`` is a traceback. Half the archives are the collection. Every
tenth archive also runs in a process of its own, to see the real stderr.

    python benchmarks/mutated_archives.py ../shared/data/collections/phages_97

Writes ``benchmarks/results/mutated_archives.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reliability"))
RESULT = ROOT / "benchmarks" / "results" / "mutated_archives.json"


def _main(argv: list[str]) -> tuple[int | None, str]:
    """``seqcoder ARGV`` in this process: (exit status, stderr); None: an exception escaped."""
    from seqcoder.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), warnings.catch_warnings():
        try:
            return main(argv), err.getvalue()
        except BaseException as exc:  # noqa: BLE001  (what is counted here as a traceback)
            return None, err.getvalue() + f"Traceback: {type(exc).__name__}: {exc}"


def make_archives(genomes: list[Path], work: Path) -> list[tuple[str, Path, dict[str, bytes]]]:
    """(kind, archive, original bytes by output name) of every valid archive mutated below."""
    from seqcoder.api import compress
    from seqcoder.collection import Collection

    made = []
    for codec, level in (("cm", 1), ("cm", 4), ("2bit", None)):
        src = genomes[0].read_bytes()
        path = work / f"one-{codec}{level or ''}.sqc"
        path.write_bytes(compress(src, codec, level))
        made.append(("single", path, {"out": src}))
    path = work / "set.sqcl"
    c = Collection.create(path, genomes[:2], level=2)
    c.add(genomes[2:4])
    made.append(("collection", path, {p.name: p.read_bytes() for p in genomes[:4]}))
    return made


def _error_lines(err: str) -> list[str]:
    """What stderr says beyond warnings (an interrupted add is a warning before the error)."""
    return [line for line in err.strip().splitlines() if not line.startswith("seqcoder: warning:")]


def check(kind: str, archive: Path, originals: dict[str, bytes], out: Path) -> dict:
    runs = [_main(["test", str(archive)])]
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    if kind == "single":
        runs.append(_main(["decompress", "-q", "-f", "-o", str(out / "out"), str(archive)]))
    else:
        runs.append(_main(["unpack", "-q", "-f", "-C", str(out), str(archive)]))
    written = {p.name: p.read_bytes() for p in out.iterdir()}
    wrong = [name for name, data in written.items() if originals.get(name) != data]
    exit_0_wrong = any(rc == 0 for rc, _ in runs[1:]) and bool(wrong)
    return {"exits": [rc for rc, _ in runs], "tracebacks": sum(rc is None for rc, _ in runs),
            "bad_stderr": sum(rc not in (0, None) and len(_error_lines(err)) != 1 for rc, err in runs),
            "exit_0_with_wrong_output": exit_0_wrong, "outputs": len(written), "wrong_outputs": len(wrong),
            "errors": sorted({_error_lines(err)[-1].split(": ")[-1][:60] for rc, err in runs if rc})}


def main() -> None:
    from mutations import apply, random_mutation

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set", type=Path, help="a folder of small genomes (FASTA)")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--out", type=Path, default=RESULT)
    args = ap.parse_args()
    genomes = sorted(p for p in args.set.iterdir() if p.suffix in (".fna", ".fa", ".fasta"))[:4]
    rng = random.Random(args.seed)
    start = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="seqcoder-mutated-") as tmp:
        work = Path(tmp)
        valid = make_archives(genomes, work)
        for i in range(args.count):
            # half of them the collection, half the single-genome archives in turn
            kind, path, originals = valid[-1] if i % 2 else valid[i // 2 % (len(valid) - 1)]
            changes = [random_mutation(rng) for _ in range(rng.randint(1, 3))]
            mutated = work / f"m{i:03d}{path.suffix}"
            mutated.write_bytes(apply(path.read_bytes(), changes))
            row = {"archive": i, "kind": kind, "from": path.name, "mutations": changes,
                   **check(kind, mutated, originals, work / "out")}
            if i % 10 == 0:  # the real process: its stderr, its exit status
                done = subprocess.run([sys.executable, "-m", "seqcoder", "test", str(mutated)],
                                      capture_output=True, text=True)
                row["process_exit"] = done.returncode
                row["tracebacks"] += done.stderr.count("Traceback")
            row["ok"] = not row["tracebacks"] and not row["bad_stderr"] and not row["exit_0_with_wrong_output"]
            rows.append(row)
            mutated.unlink()
    by_kind = {m: sum(r["kind"] == m for r in rows) for m in ("single", "collection")}
    report = {"schema_version": 1, "set": args.set.name, "genomes": [g.name for g in genomes], "seed": args.seed,
              "archives": len(rows), "by_kind": by_kind, "seconds": round(time.perf_counter() - start, 1),
              "ok": sum(r["ok"] for r in rows),
              "exit_0_with_wrong_output": sum(r["exit_0_with_wrong_output"] for r in rows),
              "tracebacks": sum(r["tracebacks"] for r in rows),
              "error_lines_not_one": sum(r["bad_stderr"] for r in rows),
              "rejected": sum(any(rc != 0 for rc in r["exits"]) for r in rows),
              "decoded_exactly_after_mutation": sum(all(rc == 0 for rc in r["exits"]) for r in rows),
              "runs": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
