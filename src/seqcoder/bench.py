"""Benchmark harness: seqcoder codecs against general-purpose and DNA-specific compressors.

Every tool runs as a child process, one at a time, so that time, CPU and peak memory are
those of the tool alone (measured with ``os.wait4``)::

    FILE --compress--> archive --decompress--> copy --md5--> same as FILE?   (row: ok / failed)
      |                   |
      +- ACGT bases       +- bytes -> bits per base = 8 * bytes / bases

Bits per base count every byte of the compressed file (headers and container included) and
divide by the A/C/G/T letters (either case) of the file's sequence lines, as in
``docs/ANCHORS.md``. A round trip that differs from the input, or a non-zero exit, makes a
failure row (``ok: false`` with a reason) and a non-zero return code; it is never counted.

Example (a Python session; the CLI is ``seqcoder bench``)::

    >>> import argparse
    >>> from seqcoder import bench
    >>> p = bench.configure_parser(argparse.ArgumentParser(prog="seqcoder bench"))
    >>> args = p.parse_args(["BuEb", "--codecs", "cm", "--baselines", "xz,zstd19", "--json", "o.json"])
    >>> bench.run(args)  # doctest: +SKIP
    0

Tools are described by :class:`Tool` (argv templates with ``{in}``, ``{out}``, ``{outdir}``
placeholders). ``run(args, tools=...)`` accepts an extra command table so tests and users can
benchmark any command pair without editing this module.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterable, Mapping, Sequence

from .codecs import CODECS, MODEL_CODECS
from .extras import require
from .io.inputs import sniff_compression

SCHEMA_VERSION = 1

#: the seqcoder codecs the CLI knows, in the order tables show them
SEQCODER_CODECS = tuple(CODECS)
#: codecs that take ``--model``
AE_CODECS = MODEL_CODECS

_SRC_DIR = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------
# tool descriptions


@dataclass(frozen=True)
class Tool:
    """One compressor at one setting, as two argv templates.

    Placeholders: ``{in}`` the input of the step (the file to compress, or the archive),
    ``{out}`` a path the step must write, ``{outdir}`` an empty directory the step writes one
    file into. A template with none of ``{out}``/``{outdir}`` writes to stdout, unless
    ``*_output`` names the file the tool writes by itself (e.g. ``"{in}.co"``, or ``"{new}"``:
    the one new file that appears beside the input). Inputs live in a private temporary
    directory, so tools that write beside their input are safe.

    ``input`` is ``"fasta"`` (the file as given) or ``"sequence"`` (the file reduced to one
    upper-case A/C/G/T string, for tools that accept nothing else; the round trip is then
    checked against that string). ``verify`` is ``"bytes"`` (exact) or ``"records"`` (same
    headers and same sequence per record, ignoring line wrapping: for tools that rewrap).
    """

    name: str
    setting: str
    compress: tuple[str, ...]
    decompress: tuple[str, ...]
    kind: str = "baseline"  # "seqcoder" | "baseline"
    input: str = "fasta"
    verify: str = "bytes"
    compress_output: str | None = None
    decompress_output: str | None = None
    #: executables that must be on PATH (empty: the argv[0]s, unless they are absolute)
    requires: tuple[str, ...] = ()
    version_argv: tuple[str, ...] | None = None
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name} {self.setting}".strip()

    def missing(self) -> list[str]:
        """The required executables that are not on PATH."""
        need = self.requires or tuple(
            a[0] for a in (self.compress, self.decompress) if not os.path.isabs(a[0])
        )
        return [exe for exe in dict.fromkeys(need) if shutil.which(exe) is None]


def _seqcoder_tool(codec: str, level: int | None, model: str | None) -> Tool:
    lvl = [] if level is None else [f"-{level}"]
    mdl = ["--model", model] if (model and codec in AE_CODECS) else []
    setting = f"{codec} " + (f"-{level}" if level is not None else "default")
    if model and mdl:
        setting += f" --model {Path(model).name}"  # a path would make long, machine-specific labels
    src = str(_SRC_DIR)
    pp = os.environ.get("PYTHONPATH")
    return Tool(
        name="seqcoder",
        setting=setting,
        compress=(sys.executable, "-m", "seqcoder", "compress", "-c", "--codec", codec, *lvl, *mdl, "{in}"),
        decompress=(sys.executable, "-m", "seqcoder", "decompress", "-c", *mdl, "{in}"),
        kind="seqcoder",
        # the child imports this very checkout, installed or not
        env={"PYTHONPATH": src + (os.pathsep + pp if pp else "")},
    )


#: The general-purpose baselines; all single-threaded, all reading the file as given.
#: ``2bit`` is computed (ceil(bases / 4) bytes), not run.
BASELINES: dict[str, Tool] = {
    "gzip": Tool("gzip", "-9", ("gzip", "-9", "-n", "-c", "{in}"), ("gzip", "-d", "-c", "{in}"),
                 version_argv=("gzip", "--version")),
    "bzip2": Tool("bzip2", "-9", ("bzip2", "-9", "-c", "{in}"), ("bzip2", "-d", "-c", "{in}"),
                  version_argv=("bzip2", "--help")),
    "xz": Tool("xz", "-9e", ("xz", "-9e", "-T1", "-c", "{in}"), ("xz", "-d", "-T1", "-c", "{in}"),
               version_argv=("xz", "--version")),
    "zstd19": Tool("zstd", "-19 --long", ("zstd", "-q", "-19", "--long", "-T1", "-c", "{in}"),
                   ("zstd", "-q", "-d", "--long", "-c", "{in}"), version_argv=("zstd", "--version")),
    "zstd22": Tool("zstd", "--ultra -22 --long",
                   ("zstd", "-q", "--ultra", "-22", "--long", "-T1", "-c", "{in}"),
                   ("zstd", "-q", "-d", "--long", "-c", "{in}"), version_argv=("zstd", "--version")),
    # DNA-specific peers, used when found on PATH, at the settings of docs/ANCHORS.md.
    # They are not installed on the development machines, so these templates follow the tools'
    # documented command lines and are exercised only where the tools exist.
    "naf": Tool("NAF", "-22 --long 31", ("ennaf", "-22", "--long", "31", "-o", "{out}", "{in}"),
                ("unnaf", "-o", "{out}", "{in}"), requires=("ennaf", "unnaf"),
                version_argv=("ennaf", "--version")),
    "mfcompress": Tool("MFCompress", "-3", ("MFCompressC", "-3", "-o", "{out}", "{in}"),
                       ("MFCompressD", "-o", "{out}", "{in}"), verify="records",
                       requires=("MFCompressC", "MFCompressD")),
    "geco3": Tool("GeCo3", "-l 16 -lr 0.03 -hs 64", ("GeCo3", "-l", "16", "-lr", "0.03", "-hs", "64", "{in}"),
                  ("GeDe3", "{in}"), input="sequence", compress_output="{new}",
                  decompress_output="{new}", requires=("GeCo3", "GeDe3")),
    "jarvis3": Tool("JARVIS3", "-l 32", ("JARVIS3", "-l", "32", "{in}"), ("JARVIS3", "-d", "{in}"),
                    input="sequence", compress_output="{new}", decompress_output="{new}",
                    requires=("JARVIS3",)),
    "agc": Tool("AGC", "create -t 1", ("agc", "create", "-t", "1", "-o", "{out}", "{in}"),
                ("agc", "getcol", "-t", "1", "-l", "0", "{in}"), verify="records", requires=("agc",)),
    "mbgc": Tool("MBGC", "-m 3 -t 1", ("mbgc", "c", "-m", "3", "-t", "1", "-i", "{in}", "{out}"),
                 ("mbgc", "d", "-t", "1", "{in}", "{outdir}"), verify="records", requires=("mbgc",)),
}
BASELINE_ORDER = ("2bit", *BASELINES)


# --------------------------------------------------------------------------------------------
# input facts


@dataclass
class FileInfo:
    path: Path
    size: int
    bases: int  # A/C/G/T in either case, sequence lines only
    md5: str
    fasta: bool  # starts with '>' (else a raw sequence such as a DNAcorpus file)

    @property
    def name(self) -> str:
        return self.path.name


_HEADER_RE = re.compile(rb"(?m)^[>;][^\n]*")


def sequence_bytes(data: bytes) -> bytes:
    """The sequence letters of ``data``: header lines and line ends removed, as written."""
    if data.lstrip()[:1] in (b">", b";"):
        data = _HEADER_RE.sub(b"", data)
    return data.translate(None, b"\r\n \t")


def count_acgt(data: bytes) -> int:
    """A/C/G/T in either case in the sequence lines of FASTA (or in raw sequence) ``data``.

    >>> count_acgt(b">x ACGT\\nACgtN\\nac\\n")
    6
    """
    seq = sequence_bytes(data)
    return sum(seq.count(c) for c in b"ACGTacgt")


def bare_sequence(data: bytes) -> bytes:
    """The file reduced as for the anchors: records joined, upper-cased, only A/C/G/T kept."""
    seq = sequence_bytes(data).upper()
    return seq.translate(None, bytes(c for c in range(256) if c not in b"ACGT"))


def _records(data: bytes) -> list[tuple[bytes, bytes]]:
    """(header, sequence) per record, line layout ignored: the ``records`` verification."""
    out: list[tuple[bytes, bytes]] = []
    head, seq = b"", list[bytes]()
    for line in data.splitlines():
        if line.startswith(b">"):
            if head or seq:
                out.append((head, b"".join(seq)))
            head, seq = line.rstrip(), []
        else:
            seq.append(line.strip())
    if head or seq:
        out.append((head, b"".join(seq)))
    return out


def file_info(path: str | os.PathLike) -> FileInfo:
    p = Path(path)
    data = p.read_bytes()
    return FileInfo(p, len(data), count_acgt(data), hashlib.md5(data).hexdigest(),
                    data.lstrip()[:1] == b">")


def _md5_file(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# running one step


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


@functools.cache
def _find_gnu_time() -> str | None:
    """GNU time, if installed: it forks the tool from a ~1 MiB process (see :func:`run_step`)."""
    for cand in ("/usr/bin/time", shutil.which("gtime")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            try:
                r = subprocess.run([cand, "-f", "%M", "-o", os.devnull, "true"], capture_output=True, timeout=10)
            except (OSError, subprocess.SubprocessError):
                continue
            if r.returncode == 0:
                return cand
    return None


def rss_method() -> str:
    gnu_time = _find_gnu_time()
    if gnu_time:
        return f"ru_maxrss of the tool's process (wait4, reported by GNU time {gnu_time} %M), KiB"
    return ("ru_maxrss of the child (os.wait4), KiB; GNU time is missing, so small values include the "
            "harness's own RSS, which Linux carries into the child at exec")


def run_step(argv_t: Sequence[str], inp: Path, workdir: Path, output_t: str | None,
             env: Mapping[str, str] | None = None, timeout: float | None = None) -> Step:
    """Run one command, measure it on the child alone, and find what it wrote.

    Why GNU time: on Linux a process's ``ru_maxrss`` starts at the RSS of the process that
    forked it (exec records the old address space's high-water mark), so a tool forked from
    this Python process would report at least the harness's own ~15-40 MiB. GNU time forks the
    tool from a ~1 MiB process and reports the tool's own ``wait4`` ``ru_maxrss``.
    """
    gnu_time = _find_gnu_time()
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
    stats_path = workdir / "rusage.txt"
    watch = (inp.parent, workdir)
    before = _listing(watch) if output_t == NEW_FILE else set()
    full = [gnu_time, "-f", "%M", "-o", str(stats_path), *argv] if gnu_time else argv
    child_env = dict(os.environ)
    child_env.update(env or {})
    with open(stderr_path, "wb") as err, \
            open(out_path if to_stdout else os.devnull, "wb") as out:
        t0 = time.perf_counter()
        try:
            if gnu_time and shutil.which(argv[0], path=child_env.get("PATH")) is None:
                raise FileNotFoundError(f"{argv[0]}: not found")
            proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    cwd=workdir, env=child_env)
        except OSError as e:
            return Step(False, 0.0, 0.0, 0, -1, None, f"cannot start {argv[0]}: {e}")
        reason = ""
        if timeout is None:
            _, status, ru = os.wait4(proc.pid, 0)
        else:
            deadline = t0 + timeout
            while True:
                pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    proc.kill()
                    _, status, ru = os.wait4(proc.pid, 0)
                    reason = f"timed out after {timeout:g} s"
                    break
                time.sleep(0.01)
        wall = time.perf_counter() - t0
    proc.returncode = rc = os.waitstatus_to_exitcode(status)
    peak = int(ru.ru_maxrss)
    if gnu_time:
        try:
            lines = stats_path.read_text().split()
            peak = int(lines[-1])
        except (OSError, ValueError, IndexError):
            pass
    step = Step(rc == 0 and not reason, wall, ru.ru_utime + ru.ru_stime, peak, rc, None, reason)
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
        made = sorted(_listing(watch) - before - {stderr_path, stats_path, out_path})
        found = made[0] if len(made) == 1 else None
        if found is None:
            step.ok, step.reason = False, f"expected one new file beside the input, found {len(made)}"
    else:
        found = Path(_expand([output_t or ""], **{"in": str(inp)})[0])
    if found is not None and not found.is_file():
        step.ok, step.reason, found = False, f"{Path(argv[0]).name} wrote no output ({found.name})", None
    step.output = found
    return step


# --------------------------------------------------------------------------------------------
# one tool on one file


def _rate(bases: int, seconds: float | None) -> float | None:
    if not seconds or seconds <= 0:
        return None
    return bases / 1e6 / seconds


def _stats(steps: list[Step], bases: int) -> dict:
    good = [s for s in steps if s.ok] or steps
    wall = min(s.wall_s for s in good)
    return {
        "wall_s": round(wall, 4),
        "cpu_s": round(min(s.cpu_s for s in good), 4),
        "mb_s": _round(_rate(bases, wall), 4),
        "peak_rss_kib": max(s.peak_rss_kib for s in good),
        "runs": len(steps),
    }


def _round(x: float | None, nd: int) -> float | None:
    return None if x is None else round(x, nd)


def _bpb(nbytes: int, bases: int) -> float | None:
    return 8.0 * nbytes / bases if bases else None


def _row_base(fi: FileInfo, tool: Tool) -> dict:
    return {
        "file": fi.name,
        "tool": tool.name,
        "setting": tool.setting,
        "label": tool.label,
        "kind": tool.kind,
        "input": tool.input,
        "bases": fi.bases,
    }


def computed_2bit_row(fi: FileInfo) -> dict:
    n = math.ceil(fi.bases / 4)
    return {
        "file": fi.name, "tool": "2-bit packing", "setting": "ceil(n/4)", "label": "2-bit packing",
        "kind": "computed", "input": "sequence", "bases": fi.bases,
        "ok": True, "status": "computed", "reason": "",
        "bytes": n, "bpb": _round(_bpb(n, fi.bases), 6),
        "compress": None, "decompress": None, "roundtrip": "computed", "verify": None,
    }


def bench_one(fi: FileInfo, tool: Tool, repeat: int = 1, timeout: float | None = None,
              keep: Path | None = None) -> dict:
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

        def fail(reason: str, **extra) -> dict:
            row.update({"ok": False, "status": "failed", "reason": reason, "bytes": None, "bpb": None,
                        "compress": None, "decompress": None, "roundtrip": "failed",
                        "verify": tool.verify})
            row.update(extra)
            return row

        csteps: list[Step] = []
        sizes: set[int] = set()
        archive: Path | None = None
        for i in range(repeat):
            st = run_step(tool.compress, src, tmpd / f"c{i}", tool.compress_output, tool.env, timeout)
            csteps.append(st)
            if not st.ok:
                return fail(f"compress: {st.reason}", stderr_tail=st.stderr_tail)
            sizes.add(st.output.stat().st_size)  # type: ignore[union-attr]
            if archive is None:
                # tools that name their own output may insist on that name (suffix) to decode it
                name = st.output.name if tool.compress_output else "archive.bin"  # type: ignore[union-attr]
                archive = tmpd / "archive" / name
                archive.parent.mkdir()
                shutil.move(str(st.output), archive)
            elif st.output.exists():  # type: ignore[union-attr]
                st.output.unlink()  # type: ignore[union-attr]
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
            if not st.ok:
                return fail(f"decompress: {st.reason}", stderr_tail=st.stderr_tail, bytes=nbytes,
                            bpb=_round(_bpb(nbytes, fi.bases), 6), compress=_stats(csteps, fi.bases))
            if tool.verify == "records":
                same = _records(st.output.read_bytes()) == _records(ref)  # type: ignore[union-attr]
                out_md5 = _md5_file(st.output)  # type: ignore[arg-type]
            else:
                out_md5 = _md5_file(st.output)  # type: ignore[arg-type]
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


# --------------------------------------------------------------------------------------------
# the whole run


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
        "seqcoder_source_sha256": _source_digest(),
        "date": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        # other work on the machine slows every tool; a high load average flags noisy timings
        "loadavg_start": _loadavg(),
    }


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _git_describe() -> str | None:
    try:
        r = subprocess.run(["git", "-C", str(_SRC_DIR), "describe", "--always", "--dirty", "--abbrev=12"],
                           capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.decode().strip() or None if r.returncode == 0 else None


def _source_digest() -> str:
    """sha256 (first 16 hex digits) over the package's code and weights, path and content.

    The harness itself (bench*.py) is left out: editing it does not change what codecs write.
    """
    h = hashlib.sha256()
    pkg = Path(__file__).resolve().parent
    files = [f for f in pkg.rglob("*") if f.is_file() and f.suffix in (".py", ".json", ".safetensors")
             and not f.name.startswith("bench") and "__pycache__" not in f.parts]
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


def totals(rows: list[dict], files: list[FileInfo]) -> list[dict]:
    """One row per tool/setting over all files: 8 * sum(bytes) / sum(bases)."""
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["label"], []).append(r)
    out = []
    all_bases = sum(f.bases for f in files)
    for label, rs in by.items():
        ok = [r for r in rs if r["ok"]]
        complete = len(ok) == len(files)
        nbytes = sum(r["bytes"] for r in ok)
        bases = sum(r["bases"] for r in ok)
        t = {"label": label, "tool": rs[0]["tool"], "setting": rs[0]["setting"], "kind": rs[0]["kind"],
             "files": len(ok), "failed": len(rs) - len(ok), "complete": complete,
             "ok": all(r["ok"] for r in rs),
             "bytes": nbytes if complete else None, "bases": all_bases,
             "bpb": _round(_bpb(nbytes, bases), 6) if complete else None}
        for step in ("compress", "decompress"):
            st = [r[step] for r in ok if r.get(step)]
            if complete and st and len(st) == len(ok):
                wall = sum(s["wall_s"] for s in st)
                t[step] = {"wall_s": round(wall, 4), "cpu_s": round(sum(s["cpu_s"] for s in st), 4),
                           "mb_s": _round(_rate(bases, wall), 4),
                           "peak_rss_kib": max(s["peak_rss_kib"] for s in st)}
            else:
                t[step] = None
        out.append(t)
    return out


def parse_codecs(spec: str, levels: list[int | None]) -> list[tuple[str, int | None]]:
    """``"cm@1,cm@9,ae-zstd"`` with levels ``[6]`` -> ``[(cm,1),(cm,9),(ae-zstd,6)]``.

    A codec without ``@LEVEL`` takes every level of ``levels`` (``None``: its default).
    """
    out: list[tuple[str, int | None]] = []
    for item in (s.strip() for s in spec.split(",")):
        if not item or item == "none":
            continue
        if item == "all":
            out.extend((c, lv) for c in SEQCODER_CODECS for lv in levels)
        elif "@" in item:
            codec, lv = item.split("@", 1)
            out.append((codec, None if lv in ("", "default") else int(lv)))
        else:
            out.extend((item, lv) for lv in levels)
    return out


def parse_levels(spec: str | None) -> list[int | None]:
    if not spec:
        return [None]
    out: list[int | None] = []
    for s in spec.split(","):
        s = s.strip().lstrip("-")
        if s in ("", "default"):
            out.append(None)
        else:
            lv = int(s)
            if not 1 <= lv <= 9:
                raise argparse.ArgumentTypeError(f"level {lv} is not in 1..9")
            out.append(lv)
    return out


def parse_baselines(spec: str) -> list[str]:
    spec = spec.strip()
    if spec in ("all", ""):
        return list(BASELINE_ORDER)
    if spec == "none":
        return []
    names = [s.strip().lower() for s in spec.split(",") if s.strip()]
    unknown = [n for n in names if n not in BASELINE_ORDER]
    if unknown:
        raise SystemExit(f"seqcoder bench: unknown baseline(s) {', '.join(unknown)}; "
                         f"known: {', '.join(BASELINE_ORDER)}, all, none")
    return names


def _as_tool(name: str, spec: Tool | tuple) -> Tool:
    if isinstance(spec, Tool):
        return spec
    comp, decomp = spec
    return Tool(name, "", tuple(comp), tuple(decomp), kind="custom")


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
    rows: list[dict] = []
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
            if r["ok"]:
                say(f"  [{job}/{n_jobs}] {tool.label}: {r['bytes']:,} B, {r['bpb']:.4f} bpb, "
                    f"c {r['compress']['wall_s']:.2f} s, d {r['decompress']['wall_s']:.2f} s, round trip ok")
            else:
                say(f"  [{job}/{n_jobs}] {tool.label}: FAILED: {r['reason']}")
    machine["loadavg_end"] = _loadavg()
    machine["seqcoder_source_sha256_end"] = _source_digest()
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


# --------------------------------------------------------------------------------------------
# rendering


def _fmt_rate(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3g}" if x < 100 else f"{x:,.0f}"


def _fmt_mib(kib: int | None) -> str:
    if kib is None:
        return "–"
    mib = kib / 1024
    return f"{mib / 1024:.1f} GiB" if mib >= 1024 else f"{mib:.0f} MiB" if mib >= 10 else f"{mib:.1f} MiB"


def _peak(r: dict) -> int | None:
    vals = [r[s]["peak_rss_kib"] for s in ("compress", "decompress") if r.get(s)]
    return max(vals) if vals else None


def _table_rows(rows: list[dict], *, per_file: bool, report_files: list | None = None) -> list[str]:
    lines = ["| tool | setting | bytes | bpb | compress MB/s | decompress MB/s | peak RSS | round trip |",
             "|---|---|---:|---:|---:|---:|---:|:---:|"]
    okrows = [r for r in rows if r.get("bpb") is not None]
    best = min((r["bpb"] for r in okrows if r.get("ok")), default=None)
    for r in sorted(rows, key=lambda r: (r.get("bpb") is None, r.get("bpb") or 0)):
        bpb = "–" if r.get("bpb") is None else f"{r['bpb']:.4f}"
        if best is not None and r.get("bpb") == best and r.get("ok"):
            bpb = f"**{bpb}**"
        nbytes = "–" if r.get("bytes") is None else f"{r['bytes']:,}"
        comp = (r.get("compress") or {}).get("mb_s")
        dec = (r.get("decompress") or {}).get("mb_s")
        if per_file:
            reason = r.get("reason", "").replace("|", "\\|").replace("\n", " ")
            rt = "computed" if r.get("roundtrip") == "computed" else ("✓" if r["ok"] else "✗ " + reason[:160])
            if r.get("ok") and r.get("verify") == "records":
                rt = "✓ (records)"
        else:
            n_files = len(report_files) if report_files else r.get("files")
            rt = "✓" if r["ok"] and r.get("complete", True) else (
                f"✗ (failed on {r['failed']} of {n_files})" if r.get("failed") else f"ran on {r['files']} of {n_files}")
            if r.get("kind") == "computed":
                rt = "computed"
        setting = f"`{r['setting']}`" if r.get("setting") else ""
        if r.get("input") == "sequence" and r.get("kind") not in ("computed",):
            setting += " (bare sequence)"
        lines.append(f"| {r['tool']} | {setting} | {nbytes} | {bpb} | {_fmt_rate(comp)} | {_fmt_rate(dec)} "
                     f"| {_fmt_mib(_peak(r))} | {rt} |")
    return lines


def bpb_matrix(report: dict, labels: Sequence[str] | None = None) -> list[str]:
    """One row per file, one column per tool/setting; the best in each row in bold."""
    rows = report["rows"]
    if labels is None:
        order = sorted(report["totals"], key=lambda t: (t["bpb"] is None, t["bpb"] or 0))
        labels = [t["label"] for t in order]
    cell = {(r["file"], r["label"]): r for r in rows}
    lines = ["| file | ACGT bases | " + " | ".join(labels) + " |",
             "|---|---:|" + "---:|" * len(labels)]
    for f in report["files"]:
        vals = [cell.get((f["name"], lab)) for lab in labels]
        best = min((v["bpb"] for v in vals if v and v["ok"] and v.get("bpb") is not None), default=None)
        cells = []
        for v in vals:
            if v is None:
                cells.append("")
            elif not v["ok"]:
                cells.append("✗")
            else:
                txt = f"{v['bpb']:.4f}"
                cells.append(f"**{txt}**" if v["bpb"] == best else txt)
        lines.append(f"| {f['name']} | {f['bases']:,} | " + " | ".join(cells) + " |")
    tot = {t["label"]: t for t in report["totals"]}
    cells = []
    for lab in labels:
        t = tot.get(lab)
        cells.append("✗" if t is None or t["bpb"] is None else f"{t['bpb']:.4f}")
    total_bases = sum(f["bases"] for f in report["files"])
    lines.append(f"| **total** | {total_bases:,} | " + " | ".join(cells) + " |")
    return lines


def load_warning(report: dict) -> str:
    """Sentences on what may spoil the numbers: a busy machine, code edited during the run."""
    m = report["machine"]
    edited = ""
    end = m.get("seqcoder_source_sha256_end")
    if end and end != m.get("seqcoder_source_sha256"):
        edited = ("**The seqcoder source changed during this run**, so its rows may mix versions "
                  "(a row compressed by one version and decoded by another fails); rerun it. ")
    loads = [x[0] for x in (m.get("loadavg_start"), m.get("loadavg_end")) if x]
    cores = m.get("cores_usable") or m.get("cores") or 1
    if loads and max(loads) > 0.5 * cores + 1.0:
        return edited + (f"The machine was busy with other work (1-minute load average up to "
                         f"{max(loads):.1f} on {cores} cores), so the speeds are pessimistic.")
    return edited.strip()


def render_markdown(report: dict, title: str | None = None) -> str:
    m = report["machine"]
    out = []
    if title:
        out += [f"# {title}", ""]
    out += [f"seqcoder {m['seqcoder_version']}, {m['date']}, {m['cpu']} ({m['cores']} cores), "
            f"Python {m['python']}. Best of {report['settings']['repeat']} run(s); one tool at a time. "
            + load_warning(report),
            "",
            "bpb = 8 × compressed bytes / ACGT bases; MB/s = 10⁶ bases per wall-clock second; peak RSS is "
            "the larger of compression and decompression. Every tool compresses the file as given "
            "(FASTA headers, line ends and case included), so bytes that the peers in ANCHORS.md never "
            "saw are counted here; 2-bit packing is computed, not run.",
            ""]
    totals_rows = report["totals"]
    comp_tot = [t for t in totals_rows]
    # computed rows in totals: use sum of bytes
    if len(report["files"]) > 1:
        bases = sum(f["bases"] for f in report["files"])
        out += [f"## All {len(report['files'])} files ({bases:,} ACGT bases)", ""]
        out += _table_rows(comp_tot, per_file=False, report_files=report["files"])
        out.append("")
        out += ["### Bits per base per file", ""]
        out += bpb_matrix(report)
        out.append("")
    for f in report["files"]:
        rows = [r for r in report["rows"] if r["file"] == f["name"]]
        out += [f"## {f['name']}", "",
                f"{f['size_bytes']:,} bytes, {f['bases']:,} ACGT bases, {f['format']}.", ""]
        out += _table_rows(rows, per_file=True)
        out.append("")
    if report["skipped"]:
        out += ["Skipped: " + "; ".join(f"{s['tool']} ({s['reason']})" for s in report["skipped"]) + ".", ""]
    if report["failures"]:
        out += [f"**{report['failures']} failed row(s)**; see the ✗ marks above.", ""]
    return "\n".join(out)


def render_plots(report: dict, outdir: str | os.PathLike, prefix: str = "bench") -> list[Path]:
    """Bits per base per file and tool (grouped bars) and compress speed vs bpb (log-x)."""
    require("plots", what="seqcoder bench --plots")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rows = [r for r in report["rows"] if r["ok"] and r.get("bpb") is not None]
    files = [f["name"] for f in report["files"]]
    labels = list(dict.fromkeys(r["label"] for r in rows))
    written = []

    fig_w = 5.0 + 0.16 * len(files) * max(1, len(labels))
    fig, ax = plt.subplots(figsize=(min(max(fig_w, 9.0), 26.0), 5.5))
    width = 0.8 / max(1, len(labels))
    cmap = plt.get_cmap("tab20")
    for j, lab in enumerate(labels):
        xs, ys = [], []
        for i, fn in enumerate(files):
            r = next((r for r in rows if r["file"] == fn and r["label"] == lab), None)
            if r is not None:
                xs.append(i + (j - (len(labels) - 1) / 2) * width)
                ys.append(r["bpb"])
        ax.bar(xs, ys, width=width, label=lab, color=cmap(j % 20))
    ax.set_xticks(range(len(files)))
    ax.set_xticklabels([f if len(f) <= 24 else f[:22] + "…" for f in files], rotation=35 if len(files) > 2 else 0,
                       ha="right" if len(files) > 2 else "center", fontsize=8)
    all_bpb = [r["bpb"] for r in rows]
    if all_bpb:
        ax.set_ylim(max(0.0, min(all_bpb) - 0.1), max(all_bpb) + 0.05)
    ax.axhline(2.0, color="grey", lw=0.8, ls="--")
    ax.set_ylabel("bits per base (lower is better)")
    ax.set_title("Bits per base per file")
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    p = outdir / f"{prefix}_bpb.png"
    fig.savefig(p, dpi=110, bbox_inches="tight")
    plt.close(fig)
    written.append(p)

    fig, ax = plt.subplots(figsize=(9, 5.5))
    src = [t for t in report["totals"] if t.get("bpb") is not None and t.get("compress")] \
        if len(files) > 1 else [r for r in rows if r.get("compress")]
    for j, t in enumerate(src):
        mbs = t["compress"]["mb_s"]
        if mbs:
            ax.scatter([mbs], [t["bpb"]], color=cmap(labels.index(t["label"]) % 20 if t["label"] in labels else j),
                       s=40, zorder=3)
            # alternate above/below so neighbours with equal speed and size stay legible
            ax.annotate(t["label"], (mbs, t["bpb"]), fontsize=7, xytext=(5, 4 if j % 2 == 0 else -10),
                        textcoords="offset points")
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if f"{v:g}".lstrip("0.")[:1] in ("2", "5")
                                               else ""))
    ax.margins(x=0.15, y=0.08)
    ax.set_xlabel("compression speed, MB/s (10⁶ bases/s, log scale)")
    ax.set_ylabel("bits per base" + (" (all files)" if len(files) > 1 else f" ({files[0]})" if files else ""))
    ax.set_title("Compression speed vs bits per base")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    p = outdir / f"{prefix}_speed.png"
    fig.savefig(p, dpi=110, bbox_inches="tight")
    plt.close(fig)
    written.append(p)
    return written


# --------------------------------------------------------------------------------------------
# CLI


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``seqcoder bench`` arguments to ``p``."""
    p.add_argument("files", nargs="+", metavar="FILE", help="FASTA or raw sequence files")
    p.add_argument("--codecs", default="all",
                   help=f"seqcoder codecs, comma separated ({', '.join(SEQCODER_CODECS)}; 'all', 'none'); "
                        "CODEC@LEVEL pins a level, a bare CODEC runs every --levels entry (default: all)")
    p.add_argument("--levels", default=None,
                   help="levels for codecs without @LEVEL, e.g. 1,6,9 ('default' = no level flag; "
                        "default: the codec's default)")
    p.add_argument("--baselines", default="all",
                   help=f"comma-separated subset of {','.join(BASELINE_ORDER)}, or all, or none (default: all)")
    p.add_argument("--model", default=None, help="model name or path for the AE codecs")
    p.add_argument("--repeat", type=int, default=1, help="runs per step; the best (min) time is kept")
    p.add_argument("--timeout", type=float, default=None, help="seconds before a step counts as failed")
    p.add_argument("--json", dest="json_out", metavar="OUT", default=None, help="write the JSON report here")
    p.add_argument("--markdown", metavar="OUT", default=None, help="write a Markdown table here")
    p.add_argument("--title", default=None, help="heading of the Markdown report")
    p.add_argument("--plots", metavar="DIR", default=None, help="write PNG plots into DIR")
    p.add_argument("--plot-prefix", default="bench", help="file name prefix of the plots (default: bench)")
    p.add_argument("--keep", metavar="DIR", default=None, help="keep the compressed files in DIR")
    p.add_argument("--no-warmup", dest="warmup", action="store_false",
                   help="skip the untimed warm-up round trip of each seqcoder codec")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    return p


def run(args: argparse.Namespace, tools: Mapping[str, Tool | tuple] | None = None) -> int:
    """Run the benchmark described by ``args``; 0 when every row passed, 1 otherwise.

    ``tools`` adds commands to benchmark beside the codecs and baselines: name -> :class:`Tool`
    or name -> (compress argv, decompress argv), argv templates as in :class:`Tool`.
    """
    def say(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    if args.repeat < 1:
        print("seqcoder bench: --repeat must be at least 1", file=sys.stderr)
        return 2
    for f in args.files:
        if not os.path.isfile(f):
            print(f"seqcoder bench: {f}: no such file", file=sys.stderr)
            return 2
        with open(f, "rb") as fh:
            magic = fh.read(6)
        kind = sniff_compression(magic)
        if kind:
            # bases and bits per base are counted on the bytes the tools see
            print(f"seqcoder bench: {f}: is {kind}-compressed; benchmark the uncompressed file", file=sys.stderr)
            return 2
    try:
        levels = parse_levels(args.levels)
        codecs = parse_codecs(args.codecs, levels)
    except (ValueError, argparse.ArgumentTypeError) as e:
        print(f"seqcoder bench: {e}", file=sys.stderr)
        return 2
    selected: list[Tool] = [_seqcoder_tool(c, lv, args.model) for c, lv in codecs]
    skipped: list[dict] = []
    names = parse_baselines(args.baselines)
    for name in names:
        if name == "2bit":
            continue
        tool = BASELINES[name]
        miss = tool.missing()
        if miss:
            skipped.append({"tool": tool.name, "setting": tool.setting, "baseline": name,
                            "reason": f"not found on PATH: {', '.join(miss)}"})
            say(f"skipping {tool.label}: {', '.join(miss)} not on PATH")
        else:
            selected.append(tool)
    for name, spec in (tools or {}).items():
        selected.append(_as_tool(name, spec))

    report = benchmark(args.files, selected, two_bit="2bit" in names, skipped=skipped,
                       repeat=args.repeat, timeout=args.timeout,
                       keep=Path(args.keep) if args.keep else None, progress=say,
                       warmup=getattr(args, "warmup", True))
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        say(f"wrote {args.json_out}")
    if args.markdown:
        Path(args.markdown).parent.mkdir(parents=True, exist_ok=True)
        Path(args.markdown).write_text(render_markdown(report, args.title) + "\n")
        say(f"wrote {args.markdown}")
    if args.plots:
        for p in render_plots(report, args.plots, args.plot_prefix):
            say(f"wrote {p}")
    if not args.json_out and not args.markdown:
        print(render_markdown(report, args.title))
    if report["failures"]:
        say(f"{report['failures']} row(s) FAILED")
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="seqcoder bench", description=__doc__.split("\n\n")[0])
    configure_parser(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
