"""``seqcoder eval``: the published per-file evaluation table, every row checked by a round trip.

For each file (bare sequence or FASTA; only A/C/G/T bases are used, as in training)::

    bases --codec.encode--> sections  (timed)  --codec.decode--> bases' (timed), bases' == bases

and reports original bytes (one per base), latent / residual / ambiguous(+params) bytes,
total, ratio, bits per base, reconstruction accuracy of the float latent and of the stored
int8 latent, and the times. ``--json`` writes the rows (with ``schema_version``), ``--plots``
writes ``sizes.png`` and ``times.png``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .codecs import MODEL_CODECS
from .levels import DEFAULT_LEVEL

if TYPE_CHECKING:
    from .codecs.ae_common import AECodecBase

SCHEMA_VERSION = 1


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("files", nargs="+", metavar="FILE", help="bare sequence or FASTA files")
    p.add_argument("--model", help="zoo name[@version], a .pth or a .safetensors path (default: shipped)")
    p.add_argument("--json", metavar="OUT", help="write the rows as JSON")
    p.add_argument("--plots", metavar="DIR", help="write sizes.png and times.png to DIR")
    p.add_argument("--codec", default=MODEL_CODECS[0], choices=MODEL_CODECS, help=f"codec (default {MODEL_CODECS[0]})")
    p.add_argument("--ae-margin", type=float, help="safety margin in units of 4y (default: the codec's)")
    p.add_argument("--level", type=int, default=DEFAULT_LEVEL,
                   help=f"cm level for --codec ae-cm (default {DEFAULT_LEVEL})")
    p.add_argument("--device", default="cpu", help="device for the network (default cpu)")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    return p


def evaluate_file(codec: AECodecBase, path: str | Path) -> dict[str, Any]:
    """One table row for ``path`` with an already built AE codec."""
    import numpy as np

    from .alphabet import FROM_AE
    from .codecs.ae_quant import reconstruct_from_output
    from .format.ids import SectionId
    from .train.data import read_ae_codes

    ae = read_ae_codes(path)
    codes = FROM_AE[ae]
    n = len(codes)
    t = time.perf_counter()
    encoding = codec.encode_block(codes, keep_float_latent=True)
    t_enc = time.perf_counter() - t
    sections, a = encoding.sections, encoding.analysis
    t = time.perf_counter()
    back = codec.decode(dict(sections), n)
    t_dec = time.perf_counter() - t
    exact = bool(np.array_equal(back, codes))
    assert a.z is not None  # kept by keep_float_latent
    y_float = codec.stage.decoder_output(a.z)[:n]
    acc_float = float((reconstruct_from_output(y_float, np.zeros(0, np.int64)) == a.orig_ae).mean()) if n else 1.0
    acc_int8 = float((a.recon == a.orig_ae).mean()) if n else 1.0
    size = {s: len(b) for s, b in sections}
    latent = size.get(SectionId.AE_LATENT, 0)
    residual = size.get(SectionId.AE_RESIDUAL, size.get(SectionId.BASES, 0))
    side = size.get(SectionId.AE_AMBIGUOUS, 0) + size.get(SectionId.AE_PARAMS, 0)
    total = sum(size.values())
    return {
        "file": Path(path).name,
        "path": str(path),
        "original_bytes": n,
        "latent_bytes": latent,
        "residual_bytes": residual,
        "residual_section": "AE_RESIDUAL" if SectionId.AE_RESIDUAL in size else "BASES",
        "ambiguous_bytes": size.get(SectionId.AE_AMBIGUOUS, 0),
        "params_bytes": size.get(SectionId.AE_PARAMS, 0),
        "ambiguous_positions": int(len(a.ambiguous)),
        "side_bytes": side,
        "total_bytes": total,
        "ratio": n / total if total else 0.0,
        "bits_per_base": 8.0 * total / n if n else 0.0,
        "accuracy_float_latent": acc_float,
        "accuracy_int8_latent": acc_int8,
        "compress_s": t_enc,
        "decompress_s": t_dec,
        "roundtrip_exact": exact,
    }


def _table(rows: list[dict]) -> str:
    head = ("file", "orig B", "latent", "resid", "amb+par", "total", "ratio", "bits/b", "acc fp", "acc i8",
            "enc s", "dec s", "ok")
    lines = [head]
    for r in rows:
        lines.append((r["file"][:36], f"{r['original_bytes']:,}", f"{r['latent_bytes']:,}", f"{r['residual_bytes']:,}",
                      f"{r['side_bytes']:,}", f"{r['total_bytes']:,}", f"{r['ratio']:.4f}",
                      f"{r['bits_per_base']:.4f}", f"{100 * r['accuracy_float_latent']:.2f}%",
                      f"{100 * r['accuracy_int8_latent']:.2f}%", f"{r['compress_s']:.1f}", f"{r['decompress_s']:.1f}",
                      "yes" if r["roundtrip_exact"] else "NO"))
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    fmt = lambda row: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))  # noqa: E731
    return "\n".join([fmt(lines[0]), "  ".join("-" * w for w in widths)] + [fmt(r) for r in lines[1:]])


def _plots(rows: list[dict], out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    names = [r["file"][:20] for r in rows]
    x = range(len(rows))
    fig, ax = plt.subplots(figsize=(max(5, 1.4 * len(rows)), 4))
    bpb = lambda k: [8.0 * r[k] / max(r["original_bytes"], 1) for r in rows]  # noqa: E731
    lat, res, side = bpb("latent_bytes"), bpb("residual_bytes"), bpb("side_bytes")
    ax.bar(x, lat, label="latent")
    residual_label = "residual" if rows and rows[0]["residual_section"] == "AE_RESIDUAL" else "cm bases"
    ax.bar(x, res, bottom=lat, label=residual_label)
    ax.bar(x, side, bottom=[a + b for a, b in zip(lat, res)], label="ambiguous + params")
    ax.axhline(2.0, color="grey", ls="--", lw=0.8, label="2-bit packing")

    def save(fig: Any, ax: Any, ylabel: str, name: str) -> None:
        ax.set_xticks(list(x), names, rotation=20, ha="right", fontsize=7)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / name, dpi=100)
        plt.close(fig)

    save(fig, ax, "bits per base", "sizes.png")
    fig, ax = plt.subplots(figsize=(max(5, 1.4 * len(rows)), 4))
    w = 0.4
    ax.bar([i - w / 2 for i in x], [r["compress_s"] for r in rows], w, label="compress")
    ax.bar([i + w / 2 for i in x], [r["decompress_s"] for r in rows], w, label="decompress")
    save(fig, ax, "seconds", "times.png")


def run(args: argparse.Namespace) -> int:
    from .codecs.base import CodecOptions
    from .extras import require

    require("ae", what="seqcoder eval")
    if args.plots:
        require("plots", what="seqcoder eval --plots")
    import torch

    from .codecs import make_codec
    from .codecs.ae_common import AECodecBase

    if args.threads:
        torch.set_num_threads(int(args.threads))
    opts = CodecOptions(level=args.level, model=args.model, ae_margin=args.ae_margin, device=args.device)
    codec = make_codec(args.codec, opts)
    assert isinstance(codec, AECodecBase)
    rows = []
    for f in args.files:
        row = evaluate_file(codec, f)
        rows.append(row)
        print(f"{row['file']}: {row['total_bytes']:,} bytes, ratio {row['ratio']:.4f}, "
              f"round trip {'exact' if row['roundtrip_exact'] else 'FAILED'}", file=sys.stderr)
    ref = codec.model_ref
    print(f"codec {args.codec}, model {ref.name}@{ref.version} (sha256 {ref.sha256.hex()[:16]}...), "
          f"margin {codec.stage.margin:g}")
    print(_table(rows))
    doc = {
        "schema_version": SCHEMA_VERSION,
        "codec": args.codec,
        "model": {"name": ref.name, "version": ref.version, "sha256": ref.sha256.hex(), "spec": args.model},
        "ae_margin": codec.stage.margin,
        "cm_level": args.level if args.codec == "ae-cm" else None,
        "device": args.device,
        "torch_threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "torch": torch.__version__,
        "rows": rows,
    }
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    if args.plots:
        _plots(rows, Path(args.plots), f"{args.codec}, {ref.name}@{ref.version}")
    return 0 if all(r["roundtrip_exact"] for r in rows) else 1


def main(argv: list[str] | None = None) -> int:
    p = configure_parser(argparse.ArgumentParser(prog="seqcoder eval", description=__doc__))
    return run(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
