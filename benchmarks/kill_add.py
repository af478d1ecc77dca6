"""``kill -9`` of ``seqcoder add`` at 20 moments spread over an add of 5 E. coli genomes.

An archive of 2 genomes is packed once. One uninterrupted ``seqcoder add`` of the next 5 is
timed while the archive's size is polled, to find when the add writes (from its first
appended byte to its last). Then, 20 times, the 2-genome archive is restored, the add is
started again and killed (SIGKILL) at a moment spread evenly over that writing part. After
each kill: ``seqcoder list --json`` must list the old members first (all 7 when the add got to
its end), ``seqcoder test`` must pass, a warning must name the interrupted add when bytes were
left, and ``seqcoder repair`` must give back the old archive byte for byte.

    python benchmarks/kill_add.py ../shared/data/collections/escherichia_coli_49

Writes ``benchmarks/results/kill_add.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEQCODER = [sys.executable, "-m", "seqcoder"]
RESULT = Path(__file__).resolve().parent / "results" / "kill_add.json"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(SEQCODER + list(args), capture_output=True, text=True)


def _timed_add(archive: Path, inputs: list[Path], base_size: int) -> tuple[float, float, float]:
    """Seconds from the start of one whole add to its first appended byte, to its last
    (the trailer), and to its exit."""
    start = time.perf_counter()
    add = subprocess.Popen(SEQCODER + ["add", "-q", str(archive)] + [str(p) for p in inputs])
    first, last, size = None, None, base_size
    while add.poll() is None:
        now = archive.stat().st_size
        if now != size:
            first = time.perf_counter() - start if first is None else first
            last, size = time.perf_counter() - start, now
        time.sleep(0.002)
    end = time.perf_counter() - start
    if add.returncode != 0 or first is None or last is None:
        raise SystemExit(f"the uninterrupted add failed ({add.returncode})")
    return first, last, end


def _check(archive: Path, base: bytes, old: list[str], new: list[str], killed_at: float, rc: int | None) -> dict:
    size = archive.stat().st_size
    listed = _run("list", "--json", str(archive))
    names = [m["name"] for m in json.loads(listed.stdout)["member_list"]] if listed.returncode == 0 else []
    tested = _run("test", str(archive))
    warned = [line for line in (listed.stderr + tested.stderr).splitlines() if "interrupted" in line]
    whole = names == old + new
    row = {"killed_at_s": round(killed_at, 3), "add_exit": rc, "bytes_left_by_add": size - len(base),
           "list_exit": listed.returncode, "members_listed": len(names),
           "old_members_listed": names[:len(old)] == old, "add_complete": whole,
           "test_exit": tested.returncode, "tracebacks": (listed.stderr + tested.stderr).count("Traceback"),
           "warning_names_the_add": bool(warned) and all(str(archive) in w for w in warned)}
    repaired = _run("repair", str(archive))
    row["repair_exit"] = repaired.returncode
    row["repaired_to_old_bytes"] = archive.read_bytes() == base if not whole else None
    row["ok"] = (listed.returncode == 0 and tested.returncode == 0 and row["old_members_listed"]
                 and row["tracebacks"] == 0 and repaired.returncode == 0
                 and (whole or (names == old and row["repaired_to_old_bytes"]))
                 and (whole or size == len(base) or row["warning_names_the_add"]))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set", type=Path, help="a folder of genomes (plain or compressed)")
    ap.add_argument("--moments", type=int, default=20)
    ap.add_argument("--out", type=Path, default=RESULT)
    args = ap.parse_args()
    files = sorted(p for p in args.set.iterdir() if p.is_file())[:7]
    if len(files) < 7:
        raise SystemExit(f"{args.set}: needs 7 genomes (2 packed, 5 added)")
    work = Path(tempfile.mkdtemp(prefix="seqcoder-kill-add-"))
    archive = work / "set.sqcl"
    if _run("pack", "-q", str(archive), *map(str, files[:2])).returncode:
        raise SystemExit("pack failed")
    base = archive.read_bytes()
    shutil.copy(archive, work / "base.sqcl")
    old = [m["name"] for m in json.loads(_run("list", "--json", str(archive)).stdout)["member_list"]]
    new = [p.name.removesuffix(".gz") for p in files[2:]]
    first, last, end = _timed_add(archive, files[2:], len(base))
    # from a little before the first appended byte to the last one: most kills cut the add's bytes
    begin = max(0.0, first - 0.1 * (last - first))
    rows = []
    for i in range(args.moments):
        shutil.copy(work / "base.sqcl", archive)
        moment = begin + (last - begin) * i / (args.moments - 1)
        start = time.perf_counter()
        add = subprocess.Popen(SEQCODER + ["add", "-q", str(archive)] + [str(p) for p in files[2:]])
        time.sleep(max(0.0, moment - (time.perf_counter() - start)))
        killed_at = time.perf_counter() - start
        os.kill(add.pid, signal.SIGKILL)
        rc = add.wait()
        row = _check(archive, base, old, new, killed_at, None if rc == -signal.SIGKILL else rc)
        print(json.dumps(row), flush=True)
        rows.append(row)
    report = {"schema_version": 1, "set": args.set.name, "packed": old, "added": new, "cpus": os.cpu_count(),
              "base_archive_bytes": len(base), "add_first_byte_s": round(first, 3),
              "add_last_byte_s": round(last, 3), "add_exit_s": round(end, 3),
              "moments": len(rows), "ok": sum(r["ok"] for r in rows),
              "killed_mid_write": sum(r["bytes_left_by_add"] > 0 and not r["add_complete"] for r in rows),
              "add_complete_before_kill": sum(r["add_complete"] for r in rows), "runs": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    shutil.rmtree(work)
    print(f"{report['ok']}/{len(rows)} ok ({report['killed_mid_write']} killed while writing, "
          f"{report['add_complete_before_kill']} after the add was complete); {args.out}")


if __name__ == "__main__":
    main()
