"""Running tools: one step as a child process measured alone, one tool on one file (a row),
and a whole benchmark (a report)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Any, cast
from pathlib import Path
from collections.abc import Callable, Iterable, Mapping, Sequence

from .files import FileInfo, _md5_file, _records, bare_sequence, file_info
from .report import (SCHEMA_VERSION, Row, StepStats, _bpb, _rate, _round, _row_base, computed_2bit_row, loadavg,
                     machine_info, source_digest, tool_version, totals)
from .process import measure, rss_method
from .tools import Tool


@dataclass
class Step:
    ok: bool
    wall_s: float
    cpu_s: float
    peak_rss_kib: int
    returncode: int
    output: Path | None
    reason: str = ""
    stderr_tail: str = ""


def _expand(argv: Iterable[str], **kw: str) -> list[str]:
    """Fill ``{in}``/``{out}``/``{outdir}``; other braces (say, in a ``python -c`` script) stay."""
    out = []
    for a in argv:
        for k, v in kw.items():
            a = a.replace("{" + k + "}", v)
        out.append(a)
    return out


#: ``Tool.*_output`` value for tools that name their output themselves (e.g. ``x`` -> ``x.co``):
#: the step's output is the one new file that appears beside its input or in its directory.
NEW_FILE = "{new}"


def _listing(dirs: Iterable[Path]) -> set[Path]:
    return {p for d in dirs if d.is_dir() for p in d.iterdir() if p.is_file()}


def run_step(argv_t: Sequence[str], inp: Path, workdir: Path, output_t: str | None,
             env: Mapping[str, str] | None = None, timeout: float | None = None) -> Step:
    """Run one command, measure it on the child alone (:func:`.process.measure`), and find what it wrote."""
    workdir.mkdir(parents=True, exist_ok=True)
    out_path = workdir / "out.bin"
    outdir = workdir / "outdir"
    uses_out = any("{out}" in a for a in argv_t)
    uses_outdir = any("{outdir}" in a for a in argv_t)
    if uses_outdir:
        outdir.mkdir()
    argv = _expand(argv_t, **{"in": str(inp), "out": str(out_path), "outdir": str(outdir)})
    to_stdout = not (uses_out or uses_outdir or output_t)
    stderr_path = workdir / "stderr.txt"
    watch = (inp.parent, workdir)
    before = _listing(watch) if output_t == NEW_FILE else set()
    with open(stderr_path, "wb") as err, open(out_path if to_stdout else os.devnull, "wb") as out:
        try:
            m = measure(argv, stdout=out, stderr=err, cwd=workdir, env=env, timeout=timeout)
        except OSError as e:
            return Step(False, 0.0, 0.0, 0, -1, None, f"cannot start {argv[0]}: {e}")
    rc, reason = m.returncode, m.reason
    step = Step(rc == 0 and not reason, m.wall_s, m.cpu_s, m.peak_rss_kib, rc, None, reason)
    if not step.ok:
        tail = stderr_path.read_bytes()[-2000:].decode("utf-8", "replace").strip()
        step.stderr_tail = tail
        if not reason:
            # the last line of a traceback or error message says what went wrong
            last = next((ln.strip() for ln in reversed(tail.splitlines()) if ln.strip()), "")
            step.reason = f"{Path(argv[0]).name} exited with status {rc}" + (f": {last[:300]}" if last else "")
        return step
    found: Path | None
    if to_stdout or uses_out:
        found = out_path
    elif uses_outdir:
        files = [p for p in outdir.rglob("*") if p.is_file()]
        found = files[0] if len(files) == 1 else None
        if found is None:
            step.ok, step.reason = False, f"expected one file in the output directory, found {len(files)}"
    elif output_t == NEW_FILE:
        made = sorted(_listing(watch) - before - {stderr_path, out_path})
        found = made[0] if len(made) == 1 else None
        if found is None:
            step.ok, step.reason = False, f"expected one new file beside the input, found {len(made)}"
    else:
        found = Path(_expand([output_t or ""], **{"in": str(inp)})[0])
    if found is not None and not found.is_file():
        step.ok, step.reason, found = False, f"{Path(argv[0]).name} wrote no output ({found.name})", None
    step.output = found
    return step


def _stats(steps: list[Step], bases: int) -> StepStats:
    good = [s for s in steps if s.ok] or steps
    wall = min(s.wall_s for s in good)
    return {
        "wall_s": round(wall, 4),
        "cpu_s": round(min(s.cpu_s for s in good), 4),
        "mb_s": _round(_rate(bases, wall), 4),
        "peak_rss_kib": max(s.peak_rss_kib for s in good),
        "runs": len(steps),
    }


def bench_one(fi: FileInfo, tool: Tool, repeat: int = 1, timeout: float | None = None,
              keep: Path | None = None) -> Row:
    """Compress and decompress ``fi`` with ``tool`` ``repeat`` times; return the result row."""
    row = _row_base(fi, tool)
    with tempfile.TemporaryDirectory(prefix="seqcoder-bench-") as tmp:
        tmpd = Path(tmp)
        data = fi.path.read_bytes()
        if tool.input == "sequence":
            ref = bare_sequence(data)
            src = tmpd / "input.seq"
            src.write_bytes(ref)
        else:
            ref = data
            src = tmpd / ("input" + (fi.path.suffix or ""))
            # a private copy: some tools refuse symlinks (zstd) or write beside their input
            shutil.copyfile(fi.path, src)
        ref_md5 = hashlib.md5(ref).hexdigest()

        def fail(reason: str, **extra: Any) -> Row:
            row.update({"ok": False, "status": "failed", "reason": reason, "bytes": None, "bpb": None,
                        "compress": None, "decompress": None, "roundtrip": "failed",
                        "verify": tool.verify})
            row.update(cast(Row, extra))
            return row

        csteps: list[Step] = []
        sizes: set[int] = set()
        archive: Path | None = None
        for i in range(repeat):
            st = run_step(tool.compress, src, tmpd / f"c{i}", tool.compress_output, tool.env, timeout)
            csteps.append(st)
            made = st.output  # a step that succeeded found its output
            if not st.ok or made is None:
                return fail(f"compress: {st.reason}", stderr_tail=st.stderr_tail)
            sizes.add(made.stat().st_size)
            if archive is None:
                # tools that name their own output may insist on that name (suffix) to decode it
                name = made.name if tool.compress_output else "archive.bin"
                archive = tmpd / "archive" / name
                archive.parent.mkdir()
                shutil.move(str(made), archive)
            elif made.exists():
                made.unlink()
            shutil.rmtree(tmpd / f"c{i}", ignore_errors=True)
        assert archive is not None
        nbytes = archive.stat().st_size
        if len(sizes) > 1:
            return fail(f"compress is not deterministic: sizes {sorted(sizes)}")
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(archive, keep / f"{fi.name}.{_slug(tool.label)}")

        dsteps: list[Step] = []
        out_md5 = None
        for i in range(repeat):
            # each run decodes its own copy: tools that write beside their input must not collide
            wd = tmpd / f"d{i}"
            wd.mkdir()
            arc = wd / archive.name
            try:
                os.link(archive, arc)
            except OSError:
                shutil.copyfile(archive, arc)
            st = run_step(tool.decompress, arc, wd / "run", tool.decompress_output, tool.env, timeout)
            dsteps.append(st)
            made = st.output
            if not st.ok or made is None:
                return fail(f"decompress: {st.reason}", stderr_tail=st.stderr_tail, bytes=nbytes,
                            bpb=_round(_bpb(nbytes, fi.bases), 6), compress=_stats(csteps, fi.bases))
            out_md5 = _md5_file(made)
            if tool.verify == "records":
                same = _records(made.read_bytes()) == _records(ref)
            else:
                same = out_md5 == ref_md5
            if not same:
                return fail(f"round trip differs from the input (md5 {out_md5} != {ref_md5})",
                            bytes=nbytes, bpb=_round(_bpb(nbytes, fi.bases), 6),
                            compress=_stats(csteps, fi.bases), decompress=_stats(dsteps, fi.bases),
                            md5_in=ref_md5, md5_out=out_md5)
            shutil.rmtree(wd, ignore_errors=True)

    row.update({
        "ok": True, "status": "ok", "reason": "",
        "bytes": nbytes, "bpb": _round(_bpb(nbytes, fi.bases), 6),
        "compress": _stats(csteps, fi.bases), "decompress": _stats(dsteps, fi.bases),
        "roundtrip": "verified", "verify": tool.verify, "md5_in": ref_md5, "md5_out": out_md5,
    })
    return row


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s).strip("_")


def _warm_up(tools: Sequence[Tool], say: Callable[[str], None]) -> None:
    """One untimed round trip per tool on a small file, so that the first timed row does not
    pay for compiling kernels (numba's cache) or for a cold disk cache of the imports."""
    if not tools:
        return
    import random

    rng = random.Random(0)
    seq = "".join(rng.choice("ACGT") for _ in range(8000))
    with tempfile.TemporaryDirectory(prefix="seqcoder-bench-warmup-") as tmp:
        f = Path(tmp) / "warmup.fa"
        f.write_text(">warmup\n" + "\n".join(seq[i:i + 80] for i in range(0, len(seq), 80)) + "\n")
        fi = file_info(f)
        for t in tools:
            say(f"  warm-up: {t.label}")
            bench_one(fi, t)  # a failure shows up again, timed and reported, in the real rows


def benchmark(paths: Sequence[str | os.PathLike], tools: Sequence[Tool], *, two_bit: bool = True,
              skipped: Sequence[dict] = (), repeat: int = 1, timeout: float | None = None,
              keep: Path | None = None, progress: Callable[[str], None] | None = None,
              warmup: bool = True) -> dict:
    """Run every tool on every file; return the report (``schema_version`` 1)."""
    say = progress or (lambda s: None)
    machine = machine_info()
    files = [file_info(p) for p in paths]
    rows: list[Row] = []
    if warmup:
        _warm_up([t for t in tools if t.kind == "seqcoder"], say)
    n_jobs = len(files) * len(tools)
    job = 0
    t_start = time.perf_counter()
    for fi in files:
        say(f"{fi.name}: {fi.size:,} bytes, {fi.bases:,} ACGT bases")
        if two_bit:
            rows.append(computed_2bit_row(fi))
        for tool in tools:
            job += 1
            say(f"  [{job}/{n_jobs}] {tool.label} ...")
            r = bench_one(fi, tool, repeat=repeat, timeout=timeout, keep=keep)
            rows.append(r)
            comp, dec = r.get("compress"), r.get("decompress")
            if r["ok"] and comp and dec:
                say(f"  [{job}/{n_jobs}] {tool.label}: {r['bytes']:,} B, {r['bpb']:.4f} bpb, "
                    f"c {comp['wall_s']:.2f} s, d {dec['wall_s']:.2f} s, round trip ok")
            else:
                say(f"  [{job}/{n_jobs}] {tool.label}: FAILED: {r['reason']}")
    machine["loadavg_end"] = loadavg()
    machine["seqcoder_source_sha256_end"] = source_digest()
    versions = {}
    for t in tools:
        if t.kind == "baseline" and t.name not in versions:
            v = tool_version(t)
            if v:
                versions[t.name] = v
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": "seqcoder bench",
        "machine": machine,
        "settings": {
            "repeat": repeat,
            "timeout_s": timeout,
            "time": "best (min) wall and CPU seconds over the repeats; peak RSS is the max",
            "mb_s": "10^6 ACGT bases per wall-clock second",
            "bpb": "8 * compressed bytes / ACGT bases (A, C, G, T in either case, sequence lines only)",
            "inputs": "every tool compresses the file as given (FASTA bytes, headers and line ends "
                      "included) unless its row says input 'sequence' (the file reduced to upper-case "
                      "A/C/G/T, as the peers in docs/ANCHORS.md saw it)",
            "peak_rss": rss_method(),
        },
        "tool_versions": versions,
        "files": [{"name": f.name, "path": str(f.path), "size_bytes": f.size, "bases": f.bases,
                   "md5": f.md5, "format": "fasta" if f.fasta else "raw"} for f in files],
        "rows": rows,
        "totals": totals(rows, files),
        "skipped": list(skipped),
        "failures": sum(1 for r in rows if not r["ok"]),
        "elapsed_s": round(time.perf_counter() - t_start, 2),
    }
