"""Does the ae-cm latent pay for itself? Compare ``cm`` and ``ae-cm`` per model and file.

Command used for ``benchmarks/results/ae_cm_latent_sweep.{json,md}`` (run from the repository
root; ``PYTHONPATH`` pointed at a copy of ``src/`` taken before the run, the script itself needs
only the installed package)::

    .venv/bin/python benchmarks/ae_cm_latent_sweep.py \\
        --models ../shared/seed/FP16_SeqCoder_P4_20K.pth seqcoder-ae-p4 \\
                 /tmp/aesweep/p2/seqcoder-ae-p2-1.safetensors \\
                 /tmp/aesweep/p1/seqcoder-ae-p1-1.safetensors \\
        --files ../shared/data/dnacorpus/EsCo \\
                ../shared/data/genomes/leptospira_noguchii_IP1605021_NZ_CP091953-56.fna \\
                ../shared/data/genomes/staphylococcus_phage_SAOMS1_MW460250.fna

The P=2 and P=1 weights were trained with the recipe of ``benchmarks/train_shipped.sh`` (same
three genomes, ``--batch 32 --lr 1e-3 --threads 1``) plus ``--P 2`` / ``--P 1``,
``--time-budget 720`` and ``--out /tmp/aesweep/p2`` / ``p1``. Each file is compressed through
the public API (:class:`seqcoder.api.Compressor`) with ``cm`` and with ``ae-cm`` per model, at
the default level, one thread; every archive is decoded again and must equal the input.
Per-section sizes come from :func:`seqcoder.api.inspect`.

The latent's cost is ``AE_PARAMS + AE_LATENT`` (``AE_AMBIGUOUS`` is reported beside it and
counted in the side information); the gain it buys is ``cm BASES - ae-cm BASES``. The latent
pays for itself when the gain exceeds the whole side information, i.e. when the ae-cm
archive is smaller than the cm archive.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

SIDE_SECTIONS = ("AE_PARAMS", "AE_LATENT", "AE_AMBIGUOUS")
RESULTS = Path(__file__).resolve().parent / "results"


def section_sizes(archive: Path) -> dict[str, int]:
    """Bytes per section name summed over all blocks of ``archive`` (no decoding)."""
    from seqcoder.api import inspect
    from seqcoder.format.ids import SectionId

    sizes: dict[str, int] = {}
    for block in inspect(archive).blocks:
        for sid, length, _crc in block.sections:
            name = SectionId(sid).name if sid in SectionId._value2member_map_ else f"id{sid}"
            sizes[name] = sizes.get(name, 0) + length
    return sizes


def model_info(spec: str) -> dict:
    """P, name@version and the training budget of the model ``spec`` (from its manifest)."""
    from seqcoder.models.zoo import load_model

    lm = load_model(spec)
    manifest = lm.manifest or {}
    training = manifest.get("training", {})
    final = manifest.get("final_eval", {})
    return {
        "spec": spec,
        "model": f"{lm.ref.name}@{lm.ref.version}",
        "sha256": lm.ref.sha256.hex(),
        "P": int(lm.hparams["P"]),
        "K": int(lm.hparams["K"]),
        "time_budget_s": training.get("time_budget_s"),
        "wall_time_s": training.get("wall_time_s"),
        "iterations_total": training.get("iterations_total"),
        "final_eval_acc": {f: round(v["eval_acc"], 4) for f, v in final.items() if "eval_acc" in v},
    }


def measure(path: Path, codec: str, level: int, model: str | None, workdir: Path) -> dict:
    """Compress ``path`` with ``codec``, check the round trip, return sizes and timings."""
    from seqcoder.api import Compressor, Decompressor

    data = path.read_bytes()
    archive = workdir / f"{path.name}.{codec}.sqc"
    compressor = Compressor(codec, level, model=model, threads=1)
    t0 = time.perf_counter()
    with open(path, "rb") as source, open(archive, "wb") as sink:
        stats = compressor.compress_stream(source, sink, path=str(path))
    t_enc = time.perf_counter() - t0
    t0 = time.perf_counter()
    back = Decompressor(model=model, threads=1).decompress(archive.read_bytes())
    t_dec = time.perf_counter() - t0
    if back != data:
        raise SystemExit(f"{path}: {codec} {model or ''} round trip FAILED")
    sizes = section_sizes(archive)
    archive.unlink()
    bases = stats.bases
    side = sum(sizes.get(s, 0) for s in SIDE_SECTIONS)
    latent = sizes.get("AE_PARAMS", 0) + sizes.get("AE_LATENT", 0)
    return {
        "file": path.name,
        "codec": codec,
        "bases": bases,
        "archive_bytes": stats.archive_size,
        "sections": sizes,
        "latent_bytes": latent,
        "side_bytes": side,
        "bases_bytes": sizes.get("BASES", 0),
        "bpb_archive": 8 * stats.archive_size / bases,
        "bpb_latent": 8 * latent / bases,
        "bpb_side": 8 * side / bases,
        "bpb_bases": 8 * sizes.get("BASES", 0) / bases,
        "encode_s": round(t_enc, 2),
        "decode_s": round(t_dec, 2),
        "roundtrip_ok": True,
    }


def compare(row: dict, cm: dict) -> dict:
    """Add the differences of an ae-cm row to the cm row of the same file."""
    gain = cm["bases_bytes"] - row["bases_bytes"]
    row.update({
        "cm_archive_bytes": cm["archive_bytes"],
        "delta_vs_cm_bytes": row["archive_bytes"] - cm["archive_bytes"],
        "delta_vs_cm_bpb": row["bpb_archive"] - cm["bpb_archive"],
        "bases_gain_vs_cm_bytes": gain,
        "latent_pays": row["archive_bytes"] < cm["archive_bytes"],
    })
    return row


def markdown(report: dict) -> str:
    lines = [
        "# ae-cm: does the latent pay for itself?",
        "",
        f"Level {report['level']}, one thread. Latent = AE_PARAMS + AE_LATENT; gain = cm BASES "
        "- ae-cm BASES; delta = ae-cm archive - cm archive (negative: the latent pays). "
        "Budget = wall-clock training budget in seconds (CPU, one torch thread).",
        "",
        "| file | P | model | budget s | cm B | ae-cm B | latent B | ambig. B | BASES B | gain B "
        "| delta B | cm bpb | ae-cm bpb | latent bpb | BASES bpb |",
        "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in report["rows"]:
        if r["codec"] != "ae-cm":
            continue
        cm = next(c for c in report["rows"] if c["codec"] == "cm" and c["file"] == r["file"])
        budget = "?" if r.get("time_budget_s") is None else f"{r['time_budget_s']:.0f}"
        lines.append(
            f"| {r['file']} | {r['P']} | {r['model']} | {budget} | {cm['archive_bytes']:,} | {r['archive_bytes']:,} "
            f"| {r['latent_bytes']:,} | "
            f"{r['sections'].get('AE_AMBIGUOUS', 0):,} | {r['bases_bytes']:,} | "
            f"{r['bases_gain_vs_cm_bytes']:,} | {r['delta_vs_cm_bytes']:+,} | {cm['bpb_archive']:.4f} | "
            f"{r['bpb_archive']:.4f} | {r['bpb_latent']:.4f} | {r['bpb_bases']:.4f} |")
    lines += ["", "cm BASES bytes: " + ", ".join(
        f"{r['file']} {r['bases_bytes']:,} ({r['bpb_bases']:.4f} bpb)" for r in report["rows"] if r["codec"] == "cm"),
        "", "Models: " + "; ".join(_model_note(m) for m in report["models"]), ""]
    return "\n".join(lines)


def _model_note(m: dict) -> str:
    if m["time_budget_s"] is None:
        return f"{m['model']} (P={m['P']}, no manifest: a published-style checkpoint)"
    acc = ", ".join(f"{v:.3f}" for v in m["final_eval_acc"].values())
    return (f"{m['model']} (P={m['P']}, budget {m['time_budget_s']:.0f} s, {m['iterations_total']} iterations, "
            f"final held-out acc per training genome {acc})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", required=True, metavar="SPEC",
                    help="zoo name[@version] or a weights path (.safetensors with manifest, .pth)")
    ap.add_argument("--files", nargs="+", required=True, type=Path, metavar="FILE")
    ap.add_argument("--level", type=int, default=None, help="cm level (default: seqcoder's default)")
    ap.add_argument("--json", type=Path, default=RESULTS / "ae_cm_latent_sweep.json")
    ap.add_argument("--md", type=Path, default=RESULTS / "ae_cm_latent_sweep.md")
    args = ap.parse_args(argv)

    import torch

    import seqcoder
    from seqcoder.levels import DEFAULT_LEVEL

    torch.set_num_threads(1)
    level = DEFAULT_LEVEL if args.level is None else args.level
    models = [model_info(spec) for spec in args.models]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="ae_cm_sweep.") as tmp:
        for path in args.files:
            cm = measure(path, "cm", level, None, Path(tmp))
            rows.append(cm)
            print(f"{path.name}: cm {cm['archive_bytes']:,} B ({cm['bpb_archive']:.4f} bpb)", flush=True)
            for m in models:
                r = measure(path, "ae-cm", level, m["spec"], Path(tmp))
                r.update({k: m[k] for k in ("model", "spec", "P", "time_budget_s", "iterations_total")})
                rows.append(compare(r, cm))
                print(f"{path.name}: ae-cm P={m['P']} {r['archive_bytes']:,} B (latent {r['latent_bytes']:,}, "
                      f"BASES {r['bases_bytes']:,}, delta {r['delta_vs_cm_bytes']:+,})", flush=True)
    report = {
        "schema_version": 1,
        "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
        "level": level,
        "threads": 1,
        "torch_threads": torch.get_num_threads(),
        "seqcoder_version": getattr(seqcoder, "__version__", None),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "models": models,
        "rows": rows,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1) + "\n")
    args.md.write_text(markdown(report))
    print(f"wrote {args.json} and {args.md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
