"""Measure the cm coder: bits per base and MB/s (1 MB = 10^6 bases) per level and file.

Usage::

    .venv/bin/python benchmarks/cm_tune.py [-l 1,5,9] [--decode] [--xz] FILE...

A FASTA file (first byte ``>``) is reduced the way the codec sees it: sequence lines joined,
upper-cased, letters other than A/C/G/T dropped, records concatenated. Other files are read
as bare sequences. ``--decode`` also times decoding and checks the round trip; ``--xz`` times
``xz -9e`` on the same bases right beside the measurement (the machine may be shared: compare
ratios of CPU time, which this script reports next to wall time). ``--set key=value`` overrides
a part of a level's model set for experiments (e.g. ``--set "followers=Followers(16,22,8,2,2)"``,
names from ``seqcoder.entropy.modelset``); ``--choices N``
fixes the per-block choices of payload version 4 (bit 1 light followers, bit 2 the learned
prior; default: the encoder's own, ``cm.choose``); ``--version 3`` codes with the frozen
version-3 model sets (the state before the learned prior); ``--prior-dir DIR`` codes with the prior in
``DIR`` (e.g. one trained with ``seqcoder train-prior --heldout``) instead of the shipped one.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import seqcoder.entropy.cm as cm  # noqa: E402
import seqcoder.entropy.modelset as modelset  # noqa: E402
from seqcoder.alphabet import CODE_OF_BYTE  # noqa: E402
from seqcoder.levels import DEFAULT_LEVEL  # noqa: E402


def load_codes(path: Path) -> np.ndarray:
    raw = path.read_bytes()
    if raw[:1] == b">":
        seq = b"".join(line for line in raw.split(b"\n") if not line.startswith(b">"))
    else:
        seq = raw
    codes = CODE_OF_BYTE[np.frombuffer(seq.upper(), dtype=np.uint8)]
    return codes[codes != 255].astype(np.uint8)


def xz_cpu(codes: np.ndarray) -> float:
    data = np.frombuffer(b"ACGT", np.uint8)[codes].tobytes()
    r0 = _children_cpu()
    subprocess.run(["xz", "-9e", "-c"], input=data, stdout=subprocess.DEVNULL, check=True)
    return _children_cpu() - r0


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("-l", "--levels", default=str(DEFAULT_LEVEL))
    ap.add_argument("--decode", action="store_true")
    ap.add_argument("--xz", action="store_true")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--choices", type=int, default=None)
    ap.add_argument("--prior-dir", type=Path)
    ap.add_argument("--version", type=int, default=None,
                    help="write this cm payload version (an earlier one: its frozen model sets)")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    if args.prior_dir:
        from seqcoder.models.prior import load_prior

        cm._prior = lambda tag=None: load_prior(directory=args.prior_dir)  # noqa: ARG005
    for kv in args.set:  # a part of the current model set, e.g. light=LIGHT_ON
        k, v = kv.split("=", 1)
        for lv in levels:
            ms = modelset.BY_VERSION[cm.CM_FORMAT_VERSION][lv]
            part = eval(v, vars(modelset))  # noqa: S307 - a developer tool
            modelset.BY_VERSION[cm.CM_FORMAT_VERSION][lv] = dataclasses.replace(ms, **{k: part})
    for lv in sorted(set(levels) | {1}):  # compile (or load) both kernels outside the timings
        cm.cm_encode(np.zeros(10, np.uint8), lv)
    tot = {lv: [0, 0, 0.0, 0.0] for lv in levels}
    for f in args.files:
        codes = load_codes(f)
        n = len(codes)
        xs = ""
        if args.xz:
            xc = xz_cpu(codes)
            xs = f" xz-9e cpu {n / xc / 1e6:.3f} MB/s"
        for lv in levels:
            t0, c0 = time.time(), time.process_time()
            data = cm.cm_encode(codes, lv, choices=args.choices, _version=args.version)
            te, ce = time.time() - t0, time.process_time() - c0
            ds = ""
            if args.decode:
                t0, c0 = time.time(), time.process_time()
                back = cm.cm_decode(data, n, lv)
                td, cd = time.time() - t0, time.process_time() - c0
                ok = "ok" if np.array_equal(back, codes) else "MISMATCH"
                ds = f" dec {n / td / 1e6:.3f} MB/s (cpu {n / cd / 1e6:.3f}) {ok}"
            tot[lv][0] += len(data)
            tot[lv][1] += n
            tot[lv][2] += ce
            print(f"{f.name[:40]:40s} L{lv} n={n} bytes={len(data)} bpb={8 * len(data) / n:.4f} "
                  f"enc {n / te / 1e6:.3f} MB/s (cpu {n / ce / 1e6:.3f}){ds}{xs}", flush=True)
    if len(args.files) > 1:
        for lv, (b, n, ce, _) in tot.items():
            print(f"TOTAL L{lv} bases={n} bytes={b} bpb={8 * b / n:.4f} enc cpu {n / ce / 1e6:.3f} MB/s")
    import resource

    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
