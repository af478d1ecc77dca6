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
benchmark any command pair without editing this package.

Modules: :mod:`.tools` (what runs), :mod:`.files` (facts about the inputs), :mod:`.process`
(one child process, measured alone), :mod:`.runner` (steps, rows, the whole run),
:mod:`.report` (typed rows, totals, machine and versions), :mod:`.render` (Markdown and
plots), :mod:`.command` (``seqcoder bench``), :mod:`.sets` (``seqcoder bench collections``).
"""

from __future__ import annotations

from .command import configure_parser, main, run
from .files import FileInfo, bare_sequence, count_acgt, file_info, sequence_bytes
from .render import bpb_cell, bpb_matrix, fmt_mib, fmt_rate, load_warning, peak_rss_kib, render_markdown, render_plots
from .report import SCHEMA_VERSION, machine_info, seqcoder_version, tool_version, totals
from .report import computed_2bit_row
from .process import rss_method
from .runner import NEW_FILE, Step, bench_one, benchmark, run_step
from .tools import (AE_CODECS, BASELINE_ORDER, BASELINES, SEQCODER_CODECS, Tool, parse_baselines, parse_codecs,
                    parse_levels, seqcoder_tool)

__all__ = ["AE_CODECS", "bare_sequence", "BASELINE_ORDER", "BASELINES", "bench_one", "benchmark", "bpb_cell",
           "bpb_matrix", "computed_2bit_row", "configure_parser", "count_acgt", "file_info", "FileInfo",
           "fmt_mib", "fmt_rate", "load_warning", "machine_info", "main", "NEW_FILE", "parse_baselines",
           "parse_codecs", "parse_levels", "peak_rss_kib", "render_markdown", "render_plots", "rss_method",
           "run", "run_step", "SCHEMA_VERSION", "SEQCODER_CODECS", "seqcoder_tool", "seqcoder_version",
           "sequence_bytes", "Step", "Tool", "tool_version", "totals"]
