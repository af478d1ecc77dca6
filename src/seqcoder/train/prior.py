"""``seqcoder train-prior``: train the learned prior of the cm coder, reproducibly.

The prior predicts the next base from the bases before it (both strands of the training
genomes), as the cm kernel codes it: three binary logits, the high bit of the base code and
the low bit given each high bit. Its input is a few k-mers at fixed distances before the base
(``groups``); each k-mer selects one row of an embedding table, the rows are summed, and a
ReLU layer leads to the three logits. In the kernel the sum is a table lookup per group, so a
base costs ``groups x hidden`` additions and ``hidden x 3`` multiply-adds.

Training is plain PyTorch (Adam, binary cross-entropy, fixed seeds, one thread by default).
The exported weights are integers (:mod:`seqcoder.models.prior` says the fixed-point scales),
which is what the kernel evaluates: decoding never depends on floating point.

Heavy imports (torch) happen inside :func:`train`, so ``seqcoder --help`` stays instant.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from ..alphabet import FROM_AE
from ..models.prior import (PRIOR_ARCH, PriorWeights, check_groups, default_groups,
                            quantize_prior, save_prior)
from ..models.zoo import WEIGHTS_DIR
from .data import read_ae_codes


def read_codes(path: str | Path) -> np.ndarray:
    """The A/C/G/T bases of a FASTA or bare sequence file as stream codes (A=0 C=1 G=2 T=3),
    records concatenated; headers and every other byte dropped (as the autoencoder reads them)."""
    return FROM_AE[read_ae_codes(path)]


def kmer_indices(codes: np.ndarray, groups: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Per position ``i`` and group ``(offset, width)``: the k-mer of bases
    ``i-offset-width .. i-offset-1``, newest base in the low bits, as the kernel reads it from
    its history register (bases before the start count as A). Shape ``(len(codes), groups)``."""
    n = len(codes)
    reach = max(o + w for o, w in groups)
    padded = np.concatenate([np.zeros(reach, dtype=np.int64), codes.astype(np.int64)])
    out = np.zeros((n, len(groups)), dtype=np.int32)
    for g, (o, w) in enumerate(groups):
        v = np.zeros(n, dtype=np.int64)
        for t in range(w):  # base i-o-1-t goes to bits 2t
            start = reach - o - 1 - t
            v |= padded[start:start + n] << (2 * t)
        out[:, g] = v
    return out


def node_targets(codes: np.ndarray) -> np.ndarray:
    """The kernel's binary decisions per base: high bit, then the low bit (uint8, ``(n, 2)``)."""
    return np.stack([codes >> 1, codes & 1], axis=1).astype(np.uint8)


class _Data:
    """Positions of one or more genomes (both strands) as k-mer indices and targets."""

    def __init__(self, files: list[Path], groups):
        idx, tgt, self.bases = [], [], {}
        for f in files:
            codes = read_codes(f)
            self.bases[f.name] = int(len(codes))
            for strand in (codes, (3 - codes)[::-1].copy()):
                idx.append(kmer_indices(strand, groups))
                tgt.append(node_targets(strand))
        self.idx = np.concatenate(idx) if idx else np.zeros((0, len(groups)), np.int32)
        self.tgt = np.concatenate(tgt) if tgt else np.zeros((0, 2), np.uint8)


def _network(groups, hidden: int):
    import torch
    from torch import nn

    class PriorNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.ModuleList(nn.Embedding(4 ** w, hidden) for _, w in groups)
            self.b1 = nn.Parameter(torch.zeros(hidden))
            self.out = nn.Linear(hidden, 3)
            for e in self.emb:
                nn.init.normal_(e.weight, std=0.5 / len(groups) ** 0.5)

        def forward(self, idx):
            acc = self.b1 + sum(e(idx[:, g]) for g, e in enumerate(self.emb))
            return self.out(torch.relu(acc))

    return PriorNet()


def _loss(logits, tgt):
    """Binary cross-entropy of the high bit plus that of the low bit at its node (nats)."""
    import torch
    import torch.nn.functional as F

    hi = tgt[:, 0].float()
    lo = tgt[:, 1].float()
    z_lo = torch.where(tgt[:, 0] == 1, logits[:, 2], logits[:, 1])
    return (F.binary_cross_entropy_with_logits(logits[:, 0], hi, reduction="none")
            + F.binary_cross_entropy_with_logits(z_lo, lo, reduction="none"))


def _evaluate(net, data: _Data, limit: int = 2_000_000) -> float:
    """Bits per base of the float network on (up to ``limit`` evenly spread) positions."""
    import torch

    n = len(data.tgt)
    if n == 0:
        return float("nan")
    pick = np.linspace(0, n - 1, min(n, limit)).astype(np.int64)
    tot = 0.0
    with torch.no_grad():
        for s in range(0, len(pick), 65536):
            sel = pick[s:s + 65536]
            logits = net(torch.from_numpy(data.idx[sel].astype(np.int64)))
            tot += float(_loss(logits, torch.from_numpy(data.tgt[sel].astype(np.int64))).sum())
    return tot / len(pick) / np.log(2)


def train(files: list[Path], *, heldout: list[str], groups, hidden: int, steps: int,
          batch: int, lr: float, seed: int, threads: int, progress: bool = True):
    """Train a prior on ``files`` minus those named in ``heldout``; returns (weights, report)."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    rng = np.random.default_rng(seed)
    train_files = [f for f in files if f.name not in heldout]
    held_files = [f for f in files if f.name in heldout]
    t0 = time.time()
    data = _Data(train_files, groups)
    held = _Data(held_files, groups)
    net = _network(groups, hidden)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    idx_t = torch.from_numpy(data.idx)
    tgt_t = torch.from_numpy(data.tgt)
    from tqdm import tqdm

    bar = tqdm(range(steps), desc="train-prior", unit="step", disable=not progress)
    for _ in bar:
        sel = torch.from_numpy(rng.integers(0, len(data.tgt), batch))
        loss = _loss(net(idx_t[sel].long()), tgt_t[sel].long()).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        bar.set_postfix(bpb=f"{float(loss.detach()) / np.log(2):.4f}", refresh=False)
    net.eval()
    state = {k: v.detach().numpy().astype(np.float64) for k, v in net.state_dict().items()}
    emb = [state[f"emb.{g}.weight"] for g in range(len(groups))]
    weights = quantize_prior(groups, emb, state["b1"], state["out.weight"], state["out.bias"])
    report = {
        "train_files": {f.name: data.bases[f.name] for f in train_files},
        "heldout_files": {f.name: held.bases[f.name] for f in held_files},
        "train_bpb": round(_evaluate(net, data), 5),
        "heldout_bpb": round(_evaluate(net, held), 5) if held_files else None,
        "steps": steps, "batch": batch, "lr": lr, "seed": seed, "threads": threads,
        "optimizer": "Adam, one-cycle learning rate",
        "loss": "binary cross-entropy of the high bit and of the low bit, both strands",
        "wall_time_s": round(time.time() - t0, 1),
        "device": f"cpu ({platform.machine()}, {threads} threads)",
        "torch": torch.__version__,
    }
    return weights, report


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="FASTA or bare sequence files")
    p.add_argument("--heldout", action="append", default=[], metavar="NAME",
                   help="file name kept out of training and evaluated (repeatable)")
    p.add_argument("--out", type=Path, default=None,
                   help=f"directory for the weights and manifest.json (default: {WEIGHTS_DIR})")
    p.add_argument("--name", default="seqcoder-prior", help="model name in the manifest")
    p.add_argument("--version", default="1", help="model version in the manifest")
    p.add_argument("--groups", default=None,
                   help="k-mer groups as OFFSET:WIDTH,... (default: the shipped recipe)")
    p.add_argument("--hidden", type=int, default=64, help="hidden units (default 64)")
    p.add_argument("--steps", type=int, default=12000, help="optimizer steps (default 12000)")
    p.add_argument("--batch", type=int, default=8192, help="positions per step (default 8192)")
    p.add_argument("--lr", type=float, default=4e-3, help="peak Adam learning rate (default 4e-3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def parse_groups(text: str) -> tuple[tuple[int, int], ...]:
    """``"0:3,3:3"`` -> ``((0, 3), (3, 3))``, checked against what the kernel can read.

    >>> parse_groups("0:6,6:6")
    ((0, 6), (6, 6))
    """
    groups = []
    for part in text.split(","):
        try:
            o, w = (int(x) for x in part.split(":"))
        except ValueError:
            raise SystemExit(f"seqcoder train-prior: --groups: {part!r} is not OFFSET:WIDTH") from None
        groups.append((o, w))
    try:
        check_groups(groups)
    except ValueError as e:
        raise SystemExit(f"seqcoder train-prior: --groups: {e}") from None
    return tuple(groups)


def run(args: argparse.Namespace) -> int:
    from ..extras import require

    require("ae", what="seqcoder train-prior")
    groups = parse_groups(args.groups) if args.groups else default_groups()
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise SystemExit(f"seqcoder train-prior: no such file: {', '.join(missing)}")
    weights, report = train(list(args.files), heldout=list(args.heldout), groups=groups,
                            hidden=args.hidden, steps=args.steps, batch=args.batch, lr=args.lr,
                            seed=args.seed, threads=args.threads, progress=not args.no_progress)
    report["command"] = "seqcoder train-prior " + " ".join(
        [f.name for f in args.files] + [f"--heldout {h}" for h in args.heldout]
        + [f"--groups {','.join(f'{o}:{w}' for o, w in groups)}", f"--hidden {args.hidden}",
           f"--steps {args.steps}", f"--batch {args.batch}", f"--lr {args.lr}",
           f"--seed {args.seed}"])
    path = save_prior(weights, args.out or WEIGHTS_DIR, name=args.name, version=args.version,
                      training=report)
    print(json.dumps({"weights": str(path), "architecture": PRIOR_ARCH,
                      "train_bpb": report["train_bpb"], "heldout_bpb": report["heldout_bpb"],
                      "wall_time_s": report["wall_time_s"]}, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = configure_parser(argparse.ArgumentParser(prog="seqcoder train-prior", description=__doc__))
    return run(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["PriorWeights", "kmer_indices", "main", "read_codes", "train"]
