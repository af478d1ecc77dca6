"""``seqcoder bench``: the command line around :func:`~seqcoder.bench.runner.benchmark`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from collections.abc import Mapping, Sequence

from ..io.inputs import sniff_compression
from .render import render_markdown, render_plots
from .runner import benchmark
from .tools import (BASELINE_ORDER, BASELINES, SEQCODER_CODECS, Tool, _as_tool, seqcoder_tool, parse_baselines,
                    parse_codecs, parse_levels)


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
    selected: list[Tool] = [seqcoder_tool(c, lv, args.model) for c, lv in codecs]
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
