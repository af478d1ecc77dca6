"""What the learned prior earns, per genome: the network alone, and the cm coder without and
with it (same level, same light-follower choice), with the encoder's CPU time.

Usage::

    .venv/bin/python benchmarks/prior_gain.py [-l 4] [--prior-dir DIR] [--json OUT] FILE...

``--prior-dir`` evaluates another prior (e.g. one trained with ``--heldout``) instead of the
shipped one. "network alone" is the cross-entropy of the integer network's three logits (as
the kernel computes them) on the genome's bases, in bits per base. Sizes are cm payload
bytes of the A/C/G/T stream (as benchmarks/cm_tune.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import seqcoder.entropy.cm as cm  # noqa: E402
from seqcoder.models.prior import load_prior, prior_logits  # noqa: E402
from seqcoder.models.zoo import WEIGHTS_DIR, read_manifest_dir  # noqa: E402
from seqcoder.train.prior import kmer_indices, node_targets, read_codes  # noqa: E402


def network_bpb(w, codes: np.ndarray) -> float:
    """Bits per base of the integer network alone on ``codes``."""
    tot = 0.0
    for s in range(0, len(codes), 1 << 20):
        part = codes[max(0, s - 40):s + (1 << 20)]
        skip = s - max(0, s - 40)
        z = prior_logits(w, kmer_indices(part, w.groups))[skip:].astype(np.float64) / 256
        t = node_targets(part)[skip:]
        z_lo = np.where(t[:, 0] == 1, z[:, 2], z[:, 1])
        for logit, bit in ((z[:, 0], t[:, 0]), (z_lo, t[:, 1])):
            tot += float(np.logaddexp(0, np.where(bit == 1, -logit, logit)).sum())
    return tot / len(codes) / np.log(2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("-l", "--level", type=int, default=4)
    ap.add_argument("--prior-dir", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.prior_dir:
        cm._prior = lambda tag=None: load_prior(directory=args.prior_dir)  # noqa: ARG005
    w = cm._prior()
    entry = next(m for m in read_manifest_dir(args.prior_dir or WEIGHTS_DIR)
                 if m.get("sha256") == w.sha256.hex())
    heldout = set(entry.get("training", {}).get("heldout_files") or {})
    rows = []
    cm.cm_encode(np.zeros(100, np.uint8), args.level, choices=cm.CHOICE_PRIOR)
    for f in args.files:
        codes = read_codes(f)
        base = cm.choose(codes, args.level) & ~cm.CHOICE_PRIOR
        row = {"file": f.name, "bases": int(len(codes)), "in_training": f.name not in heldout,
               "network_bpb": round(network_bpb(w, codes), 4)}
        for key, choices in (("without", base), ("with", base | cm.CHOICE_PRIOR)):
            t = time.process_time()
            n_bytes = len(cm.cm_encode(codes, args.level, choices=choices))
            row[f"{key}_bytes"] = n_bytes
            row[f"{key}_cpu_s"] = round(time.process_time() - t, 2)
        row["gain_pct"] = round(100 * (1 - row["with_bytes"] / row["without_bytes"]), 3)
        rows.append(row)
        print(json.dumps(row), flush=True)
    tot = {k: sum(r[k] for r in rows) for k in ("bases", "without_bytes", "with_bytes",
                                                "without_cpu_s", "with_cpu_s")}
    summary = {"level": args.level, "prior_sha256": w.sha256.hex(),
               "prior_dir": str(args.prior_dir or "shipped"),
               "without_bpb": round(8 * tot["without_bytes"] / tot["bases"], 4),
               "with_bpb": round(8 * tot["with_bytes"] / tot["bases"], 4),
               "gain_pct": round(100 * (1 - tot["with_bytes"] / tot["without_bytes"]), 3),
               "cpu_cost_pct": round(100 * (tot["with_cpu_s"] / tot["without_cpu_s"] - 1), 1)}
    print(json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
