"""``seqcoder train``: the published SeqCoder training recipe, from scratch.

Heavy imports (torch, matplotlib) happen in :mod:`seqcoder.train.loop`, only when
:func:`run` is called, so ``seqcoder --help`` stays instant.
"""

from __future__ import annotations

import argparse


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("files", nargs="+", metavar="FILE", help="FASTA or bare sequence files, trained in order")
    p.add_argument("--out", default="runs/train", help="output directory (log, plots, checkpoints, weights)")
    p.add_argument("--iterations", type=int, default=20000, help="iterations per file (default 20000)")
    p.add_argument("--eval-every", type=int, default=200, help="evaluate every N iterations (default 200)")
    p.add_argument("--eval-chunks", type=int, default=1024,
                   help="held-out chunks used per evaluation (default 1024; 0 = all)")
    p.add_argument("--batch", type=int, default=128, help="batch size (default 128)")
    p.add_argument("--lr", type=float, default=5e-4, help="NAdam learning rate (default 5e-4)")
    p.add_argument("--device", default="cpu", help="cpu or cuda (fp16 autocast + GradScaler on cuda)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", metavar="CKPT", help="resume from a checkpoint written by an earlier run")
    p.add_argument("--time-budget", type=float, metavar="SECONDS",
                   help="wall-clock budget, split evenly across the files; training stops and exports when spent")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--P", type=int, default=4, help="latent channels (default 4)")
    p.add_argument("--K", type=int, default=1280, help="chunk length (default 1280)")
    p.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # test-size widths
    p.add_argument("--max-steps", type=int, help=argparse.SUPPRESS)  # tests: simulate an interruption
    p.add_argument("--name", default="seqcoder-ae-p4", help="model name written to the manifest")
    p.add_argument("--version", default="1", help="model version written to the manifest")
    p.add_argument("--weights-dtype", choices=("float16", "float32"), default="float16",
                   help="dtype of exported float tensors (default float16)")
    p.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    return p


def run(args: argparse.Namespace) -> int:
    from ..extras import require

    require("ae", what="seqcoder train")
    require("plots", what="seqcoder train (its loss plots)")
    from .loop import train_from_args

    return train_from_args(args)


def main(argv: list[str] | None = None) -> int:
    p = configure_parser(argparse.ArgumentParser(prog="seqcoder train", description=__doc__))
    return run(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
