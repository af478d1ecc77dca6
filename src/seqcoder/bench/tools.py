"""What ``seqcoder bench`` runs: a :class:`Tool` is one compressor at one setting (two argv
templates); the seqcoder codecs and the baselines, and the parsers of ``--codecs``,
``--levels`` and ``--baselines``."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping

from ..codecs import CODECS, MODEL_CODECS
from ..levels import check_level


#: the seqcoder codecs the CLI knows, in the order tables show them
SEQCODER_CODECS = tuple(CODECS)
#: codecs that take ``--model``
AE_CODECS = MODEL_CODECS

SRC_DIR = Path(__file__).resolve().parents[2]


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


def seqcoder_tool(codec: str, level: int | None, model: str | None) -> Tool:
    lvl = [] if level is None else [f"-{level}"]
    mdl = ["--model", model] if (model and codec in AE_CODECS) else []
    setting = f"{codec} " + (f"-{level}" if level is not None else "default")
    if model and mdl:
        setting += f" --model {Path(model).name}"  # a path would make long, machine-specific labels
    src = str(SRC_DIR)
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
            try:
                out.append(check_level(int(s)))
            except ValueError as exc:
                raise argparse.ArgumentTypeError(str(exc)) from None
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
