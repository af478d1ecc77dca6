"""``seqcoder bench collections``: collection compressors side by side on the same files.

For each set (a folder of FASTA files, plain or compressed), every tool packs the whole set
and unpacks it again in one run; every unpacked file is compared with the original by SHA-256,
and sizes, wall-clock times and peak memory (``wait4``'s max RSS of the tool's process) are
recorded. Tools: ``seqcoder pack`` (one thread, default level), MBGC and AGC when they are on
PATH, ``xz -9e`` and ``zstd -19 --long`` of a tar of the set, and ``bzip2 -9`` of the
concatenation (the speed reference of collection packing; its size is shown too).

::

    seqcoder bench collections ../shared/data/collections/chlamydia_trachomatis_50 ... \\
        --json benchmarks/results/collections.json --markdown benchmarks/results/collections.md \\
        --plot benchmarks/results/collections.png
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from collections.abc import Callable
from typing import IO, Any

from ..io.inputs import is_fasta_name
from ..models.zoo import sha256_file
from .process import measure

SCHEMA_VERSION = 1


@dataclass
class Row:
    """One tool on one set."""

    set: str
    tool: str
    files: int
    input_bytes: int
    archive_bytes: int | None = None
    compress_s: float | None = None
    decompress_s: float | None = None
    compress_rss_mb: float | None = None
    decompress_rss_mb: float | None = None
    round_trip: bool | None = None
    note: str = ""


def _run(argv: list[str], stdout: IO[Any] | None = None) -> tuple[float, float]:
    """Run a command (:func:`.process.measure`); return (wall seconds, peak RSS in MB of that program alone)."""
    with tempfile.TemporaryFile() as err:
        m = measure(argv, stdout=stdout or subprocess.DEVNULL, stderr=err)
        if m.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace").strip()[-300:]
            raise RuntimeError(f"{' '.join(argv[:3])}... exited {m.returncode}: {tail}")
    return m.wall_s, m.peak_rss_kib / 1024


def set_files(folder: Path) -> list[Path]:
    """The FASTA files of a set, sorted by name (other files, e.g. checksums, are ignored)."""
    return [p for p in sorted(folder.iterdir()) if p.is_file() and is_fasta_name(p.name)]


def _plain_copies(files: list[Path], work: Path) -> list[Path]:
    """Uncompressed copies (every tool gets the same plain files)."""
    from ..collection.archive import member_name, read_input

    plain = work / "in"
    plain.mkdir()
    out = []
    for f in files:
        target = plain / member_name(f)
        target.write_bytes(read_input(f))
        out.append(target)
    return out


def _check(originals: dict[str, bytes], folder: Path) -> bool:
    got = {p.name: sha256_file(p) for p in folder.rglob("*") if p.is_file()}
    return all(got.get(name) == sha for name, sha in originals.items())


Tool = Callable[[list[Path], Path, Row, dict[str, bytes]], None]


def _seqcoder(level: int) -> Tool:
    def run(files: list[Path], work: Path, row: Row, originals: dict[str, bytes]) -> None:
        exe = [sys.executable, "-m", "seqcoder"]
        listing = work / "list.txt"
        listing.write_text("".join(f"{f}\n" for f in files))
        archive = work / "set.sqcl"
        row.compress_s, row.compress_rss_mb = _run(exe + ["pack", "-q", f"-{level}", "-T", "1", str(archive),
                                                          "--files-from", str(listing)])
        row.archive_bytes = archive.stat().st_size
        out = work / "out"
        row.decompress_s, row.decompress_rss_mb = _run(exe + ["unpack", "-q", str(archive), "-C", str(out)])
        row.round_trip = _check(originals, out)

    return run


def _mbgc(files: list[Path], work: Path, row: Row, originals: dict[str, bytes]) -> None:
    listing = work / "list.txt"
    listing.write_text("".join(f"{f}\n" for f in files))
    archive = work / "set.mbgc"
    row.compress_s, row.compress_rss_mb = _run(["mbgc", "c", "-I", "-m", "3", "-t", "1", str(listing), str(archive)])
    row.archive_bytes = archive.stat().st_size
    out = work / "out"
    out.mkdir()
    row.decompress_s, row.decompress_rss_mb = _run(["mbgc", "d", "-t", "1", str(archive), str(out)])
    row.round_trip = _check(originals, out)


def _line_width(path: Path) -> int:
    """Length of the first sequence line (AGC rewraps to one width, given by ``-l``)."""
    with open(path, "rb") as f:
        for line in f:
            if not line.startswith(b">"):
                return max(40, len(line.rstrip(b"\r\n")))
    return 80


def _agc(files: list[Path], work: Path, row: Row, originals: dict[str, bytes]) -> None:
    archive = work / "set.agc"
    row.compress_s, row.compress_rss_mb = _run(["agc", "create", "-t", "1", "-o", str(archive)]
                                               + [str(f) for f in files])
    row.archive_bytes = archive.stat().st_size
    out = work / "out"
    out.mkdir()
    start = time.perf_counter()
    rss = 0.0
    for f in files:  # getset writes one sample; AGC names samples by file name without suffix
        sample = f.name.rsplit(".", 1)[0]
        with open(out / f.name, "wb") as sink:
            _, r = _run(["agc", "getset", "-t", "1", "-l", str(_line_width(f)), str(archive), sample],
                        stdout=sink)
        rss = max(rss, r)
    row.decompress_s, row.decompress_rss_mb = time.perf_counter() - start, rss
    row.round_trip = _check(originals, out)
    row.note = "lines rewrapped at the first file's width (-l)"


def _tar(compressor: list[str], decompressor: list[str], suffix: str) -> Tool:
    def run(files: list[Path], work: Path, row: Row, originals: dict[str, bytes]) -> None:
        tar = work / "set.tar"
        subprocess.run(["tar", "-cf", str(tar), "-C", str(files[0].parent)] + [f.name for f in files], check=True)
        archive = work / f"set.tar{suffix}"
        with open(archive, "wb") as sink:
            row.compress_s, row.compress_rss_mb = _run(compressor + [str(tar)], stdout=sink)
        row.archive_bytes = archive.stat().st_size
        tar.unlink()
        with open(tar, "wb") as sink:
            row.decompress_s, row.decompress_rss_mb = _run(decompressor + [str(archive)], stdout=sink)
        out = work / "out"
        out.mkdir()
        subprocess.run(["tar", "-xf", str(tar), "-C", str(out)], check=True)
        row.round_trip = _check(originals, out)

    return run


def tools(level: int) -> dict[str, Tool]:
    """The tools of this run: every one whose program is on PATH."""
    found: dict[str, Tool] = {f"seqcoder pack -{level}": _seqcoder(level)}
    if shutil.which("mbgc"):
        found["MBGC -m 3"] = _mbgc
    if shutil.which("agc"):
        found["AGC"] = _agc
    if shutil.which("xz"):
        found["xz -9e (tar)"] = _tar(["xz", "-9e", "-T1", "-c"], ["xz", "-dc"], ".xz")
    if shutil.which("zstd"):
        found["zstd -19 --long (tar)"] = _tar(["zstd", "-19", "--long=27", "-T1", "-c", "-q"],
                                              ["zstd", "-dc", "--long=27", "-q"], ".zst")
    if shutil.which("bzip2"):
        found["bzip2 -9 (tar)"] = _tar(["bzip2", "-9", "-c"], ["bzip2", "-dc"], ".bz2")
    return found


def bench(sets: list[Path], level: int, only: set[str] | None = None, log=print) -> dict:
    rows: list[Row] = []
    for folder in sets:
        files = set_files(folder)
        if not files:
            raise ValueError(f"{folder}: no FASTA files")
        with tempfile.TemporaryDirectory(prefix="seqcoder-bench-") as tmp:
            plain = _plain_copies(files, Path(tmp))
            originals = {p.name: sha256_file(p) for p in plain}
            size = sum(p.stat().st_size for p in plain)
            for name, tool in tools(level).items():
                if only and not any(o in name for o in only):
                    continue
                work = Path(tmp) / "work"
                work.mkdir()
                row = Row(folder.name, name, len(files), size)
                try:
                    tool(plain, work, row, originals)
                except (RuntimeError, OSError) as exc:
                    row.note = f"failed: {exc}"[:300]
                shutil.rmtree(work)
                rows.append(row)
                log(_line(row))
    return {"schema_version": SCHEMA_VERSION, "level": level, "cpu_count": os.cpu_count(),
            "rows": [asdict(r) for r in rows]}


def _line(r: Row) -> str:
    speed = f"{r.input_bytes / r.compress_s / 1e6:.1f}" if r.compress_s else "-"
    dspeed = f"{r.input_bytes / r.decompress_s / 1e6:.1f}" if r.decompress_s else "-"
    return (f"{r.set:<28} {r.tool:<24} {r.archive_bytes or 0:>12,} B  {speed:>6} / {dspeed:>6} MB/s  "
            f"rss {r.compress_rss_mb or 0:.0f}/{r.decompress_rss_mb or 0:.0f} MB  "
            f"{'ok' if r.round_trip else 'NOT ROUND-TRIPPED' if r.round_trip is False else '-'} {r.note}")


def markdown(report: dict) -> str:
    lines = ["| set | tool | archive bytes | × smallest | compress MB/s | decompress MB/s "
             "| peak RSS MB (c/d) | round trip |",
             "|---|---|---:|---:|---:|---:|---:|:-:|"]
    rows = report["rows"]
    for r in rows:
        sizes = [x["archive_bytes"] for x in rows if x["set"] == r["set"] and x["archive_bytes"] and x["round_trip"]]
        rel = f"{r['archive_bytes'] / min(sizes):.2f}" if r["archive_bytes"] and sizes else "-"
        c = f"{r['input_bytes'] / r['compress_s'] / 1e6:.1f}" if r["compress_s"] else "-"
        d = f"{r['input_bytes'] / r['decompress_s'] / 1e6:.1f}" if r["decompress_s"] else "-"
        rss = f"{r['compress_rss_mb'] or 0:.0f} / {r['decompress_rss_mb'] or 0:.0f}"
        ok = "✓" if r["round_trip"] else "✗" if r["round_trip"] is False else "-"
        size = f"{r['archive_bytes']:,}" if r["archive_bytes"] else r["note"][:40]
        lines.append(f"| {r['set']} | {r['tool']} | {size} | {rel} | {c} | {d} | {rss} | {ok} |")
    return "\n".join(lines) + "\n"


def plot(report: dict, path: Path) -> None:
    """Archive size against compression speed, one panel per set."""
    from ..extras import require

    require("plots", what="--plot")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = list(dict.fromkeys(r["set"] for r in report["rows"]))
    fig, axes = plt.subplots(1, len(sets), figsize=(5 * len(sets), 4), squeeze=False)
    for ax, name in zip(axes[0], sets):
        for r in report["rows"]:
            if r["set"] != name or not r["archive_bytes"] or not r["compress_s"]:
                continue
            x = r["input_bytes"] / r["compress_s"] / 1e6
            ax.scatter(x, r["archive_bytes"] / 1e6)
            ax.annotate(r["tool"], (x, r["archive_bytes"] / 1e6), fontsize=7)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("compress MB/s (one thread)")
        ax.set_ylabel("archive MB")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("sets", nargs="+", type=Path, metavar="SET_DIR", help="folders of FASTA files")
    p.add_argument("-L", "--level", type=int, default=None, help="seqcoder pack level (default: the default)")
    p.add_argument("--only", action="append", help="run only tools whose name contains this (repeatable)")
    p.add_argument("--json", type=Path, help="write the report here")
    p.add_argument("--markdown", type=Path, help="write the table here")
    p.add_argument("--plot", type=Path, help="write a size/speed plot here (PNG)")
    return p


def run(args: argparse.Namespace) -> int:
    from ..levels import DEFAULT_LEVEL

    report = bench(args.sets, args.level or DEFAULT_LEVEL, set(args.only) if args.only else None)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text(markdown(report))
    if args.plot:
        plot(report, args.plot)
    return 0 if all(r["round_trip"] is not False for r in report["rows"]) else 1
