"""The numbers of a run: typed rows, per-step statistics, totals over files, and the facts
about the machine and the versions that make a report reproducible."""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import os
import platform
import shutil
import subprocess
from pathlib import Path

from typing import Any, Literal, TypedDict

from .files import FileInfo
from .tools import SRC_DIR, Tool


SCHEMA_VERSION = 1


class StepStats(TypedDict):
    """One step (compress or decompress) of a row: the best of its runs."""

    wall_s: float
    cpu_s: float
    mb_s: float | None  #: 10^6 ACGT bases per wall-clock second
    peak_rss_kib: int
    runs: int


class Row(TypedDict, total=False):
    """One tool at one setting on one file, as the report's JSON stores it."""

    file: str
    tool: str
    setting: str
    label: str
    kind: str  #: "seqcoder", "baseline", "custom" or "computed"
    input: str  #: "fasta" or "sequence"
    bases: int
    ok: bool
    status: str  #: "ok", "failed" or "computed"
    reason: str
    bytes: int | None
    bpb: float | None
    compress: StepStats | None
    decompress: StepStats | None
    roundtrip: str  #: "verified", "failed" or "computed"
    verify: str | None
    md5_in: str
    md5_out: str | None
    stderr_tail: str


def _rate(bases: int, seconds: float | None) -> float | None:
    if not seconds or seconds <= 0:
        return None
    return bases / 1e6 / seconds




def _round(x: float | None, nd: int) -> float | None:
    return None if x is None else round(x, nd)


def _bpb(nbytes: int, bases: int) -> float | None:
    return 8.0 * nbytes / bases if bases else None


def _row_base(fi: FileInfo, tool: Tool) -> Row:
    return {
        "file": fi.name,
        "tool": tool.name,
        "setting": tool.setting,
        "label": tool.label,
        "kind": tool.kind,
        "input": tool.input,
        "bases": fi.bases,
    }


def computed_2bit_row(fi: FileInfo) -> Row:
    n = math.ceil(fi.bases / 4)
    return {
        "file": fi.name, "tool": "2-bit packing", "setting": "ceil(n/4)", "label": "2-bit packing",
        "kind": "computed", "input": "sequence", "bases": fi.bases,
        "ok": True, "status": "computed", "reason": "",
        "bytes": n, "bpb": _round(_bpb(n, fi.bases), 6),
        "compress": None, "decompress": None, "roundtrip": "computed", "verify": None,
    }


def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except (OSError, ValueError):
        pass
    usable: int | None
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_kib": mem_kib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "seqcoder_version": seqcoder_version(),
        # ties the numbers to the code that made them, committed or not
        "seqcoder_git": _git_describe(),
        "seqcoder_source_sha256": source_digest(),
        "date": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        # other work on the machine slows every tool; a high load average flags noisy timings
        "loadavg_start": loadavg(),
    }


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _git_describe() -> str | None:
    try:
        r = subprocess.run(["git", "-C", str(SRC_DIR), "describe", "--always", "--dirty", "--abbrev=12"],
                           capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.decode().strip() or None if r.returncode == 0 else None


def source_digest() -> str:
    """sha256 (first 16 hex digits) over the package's code and weights, path and content.

    The harness itself (bench/) is left out: editing it does not change what codecs write.
    """
    h = hashlib.sha256()
    pkg = Path(__file__).resolve().parents[1]
    files = [f for f in pkg.rglob("*") if f.is_file() and f.suffix in (".py", ".json", ".safetensors")
             and f.relative_to(pkg).parts[0] != "bench" and "__pycache__" not in f.parts]
    for f in sorted(files):
        h.update(f.relative_to(pkg).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def seqcoder_version() -> str:
    try:
        from importlib.metadata import version

        return version("seqcoder")
    except Exception:
        pass
    try:
        import seqcoder

        return str(getattr(seqcoder, "__version__", "unknown"))
    except Exception:
        return "unknown"


def tool_version(tool: Tool) -> str | None:
    if not tool.version_argv or shutil.which(tool.version_argv[0]) is None:
        return None
    try:
        r = subprocess.run(tool.version_argv, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (r.stdout or r.stderr).decode("utf-8", "replace").strip().splitlines()
    return text[0].strip() if text else None


def totals(rows: list[Row], files: list[FileInfo]) -> list[dict[str, Any]]:
    """One row per tool/setting over all files: 8 * sum(bytes) / sum(bases)."""
    by: dict[str, list[Row]] = {}
    for r in rows:
        by.setdefault(r["label"], []).append(r)
    out = []
    all_bases = sum(f.bases for f in files)
    for label, rs in by.items():
        ok = [r for r in rs if r["ok"]]
        complete = len(ok) == len(files)
        nbytes = sum(r["bytes"] or 0 for r in ok)
        bases = sum(r["bases"] for r in ok)
        t: dict[str, Any] = {"label": label, "tool": rs[0]["tool"], "setting": rs[0]["setting"], "kind": rs[0]["kind"],
             "files": len(ok), "failed": len(rs) - len(ok), "complete": complete,
             "ok": all(r["ok"] for r in rs),
             "bytes": nbytes if complete else None, "bases": all_bases,
             "bpb": _round(_bpb(nbytes, bases), 6) if complete else None}
        steps: tuple[Literal["compress"], Literal["decompress"]] = ("compress", "decompress")
        for step in steps:
            st = [s for s in (r.get(step) for r in ok) if s]
            if complete and st and len(st) == len(ok):
                wall = sum(s["wall_s"] for s in st)
                t[step] = {"wall_s": round(wall, 4), "cpu_s": round(sum(s["cpu_s"] for s in st), 4),
                           "mb_s": _round(_rate(bases, wall), 4),
                           "peak_rss_kib": max(s["peak_rss_kib"] for s in st)}
            else:
                t[step] = None
        out.append(t)
    return out
