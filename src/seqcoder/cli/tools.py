"""The model and measurement commands: ``models``, and ``train``, ``train-prior``, ``eval`` and
``bench``, whose own modules parse their arguments (imported only when they run: torch is heavy)."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

#: command -> (module that configures its parser and runs it, help)
DELEGATES = {
    "train": ("seqcoder.train", "train an autoencoder (the published recipe by default)"),
    "train-prior": ("seqcoder.train.prior", "train the cm coder's learned prior (a small network)"),
    "eval": ("seqcoder.evaluate", "the published per-file evaluation table of an autoencoder"),
    "bench": ("seqcoder.bench", "benchmark codecs and baseline tools on files "
                                "('bench collections SET_DIR...': collection compressors)"),
}
#: ``seqcoder bench collections ...``
BENCH_COLLECTIONS = "seqcoder.bench.sets"


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("models", help="list the shipped models")
    p.set_defaults(run=_cmd_models)
    for name, (_, helptext) in DELEGATES.items():
        p = sub.add_parser(name, help=helptext, add_help=False)
        p.set_defaults(run=delegate, delegate=name)


def delegate(args: argparse.Namespace, rest: list[str]) -> int:
    """Hand the rest of the command line to the command's own parser."""
    name = DELEGATES[args.delegate][0]
    if args.delegate == "bench" and rest[:1] == ["collections"]:
        name, rest = BENCH_COLLECTIONS, rest[1:]
    module = importlib.import_module(name)
    parser = argparse.ArgumentParser(prog=f"seqcoder {args.delegate}")
    module.configure_parser(parser)
    return int(module.run(parser.parse_args(rest)))


def _cmd_models(args: argparse.Namespace) -> int:
    from ..models.zoo import DEFAULT_MODEL, shipped_models

    for entry in shipped_models():
        spec = f"{entry['name']}@{entry['version']}"
        mark = " (default)" if entry["name"] == DEFAULT_MODEL or spec == DEFAULT_MODEL else ""
        arch = entry.get("architecture", "seqcoder-ae")
        print(f"{spec}{mark}  {arch}  sha256 {entry.get('sha256', '?')[:16]}…  {entry.get('file', '')}")
    return 0
