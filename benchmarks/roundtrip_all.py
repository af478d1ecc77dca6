"""Round-trip every shared genome and DNAcorpus file, as is and gzipped, through the CLI.

For each file, each codec, and each form (plain, .gz): `seqcoder compress` then
`seqcoder decompress -c`, compared with the uncompressed original by SHA-256. Writes a JSON
report and prints one line per case; exits 1 if any case differs or fails::

    python benchmarks/roundtrip_all.py --codecs cm,ae-zstd --json benchmarks/results/roundtrip.json
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_files() -> list[Path]:
    genomes = sorted((SHARED / "genomes").glob("*.fna"))
    return genomes + [SHARED / "dnacorpus" / "EsCo", SHARED / "dnacorpus" / "BuEb"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codecs", default="cm,ae-zstd")
    parser.add_argument("--forms", default="plain,gz")
    parser.add_argument("--threads", default="2")
    parser.add_argument("--json", default=None)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or shared_files()
    cli = [sys.executable, "-m", "seqcoder"]
    rows, failed = [], 0
    with tempfile.TemporaryDirectory(prefix="seqcoder-roundtrip-") as tmp:
        for path in files:
            original = path.read_bytes()
            want = hashlib.sha256(original).hexdigest()
            for form in args.forms.split(","):
                src = Path(tmp) / (path.name + (".gz" if form == "gz" else ""))
                src.write_bytes(gzip.compress(original, 6) if form == "gz" else original)
                for codec in args.codecs.split(","):
                    archive = Path(tmp) / "a.sqc"
                    start = time.perf_counter()
                    c = subprocess.run(cli + ["compress", "-q", "-f", "-T", args.threads, "--codec", codec,
                                              str(src), "-o", str(archive)], capture_output=True)
                    middle = time.perf_counter()
                    d = subprocess.run(cli + ["decompress", "-q", "-c", "-T", args.threads, str(archive)],
                                       capture_output=True)
                    end = time.perf_counter()
                    ok = c.returncode == 0 and d.returncode == 0 and hashlib.sha256(d.stdout).hexdigest() == want
                    failed += not ok
                    row = {"file": path.name, "form": form, "codec": codec, "identical": ok,
                           "original_bytes": len(original),
                           "archive_bytes": archive.stat().st_size if archive.exists() else None,
                           "compress_s": round(middle - start, 2), "decompress_s": round(end - middle, 2),
                           "error": (c.stderr + d.stderr).decode(errors="replace").strip()[-500:] or None}
                    rows.append(row)
                    print(f"{'OK ' if ok else 'BAD'} {codec:8} {form:5} {path.name} {row['archive_bytes']} "
                          f"{row['compress_s']}s/{row['decompress_s']}s", flush=True)
                src.unlink()
    report = {"schema_version": 1, "cases": len(rows), "failed": failed, "rows": rows}
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    print(f"{len(rows) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
