"""The training loop of ``seqcoder train`` (published recipe, resumable).

::

    files --read/chunk K--> 80/20 split per file --batches--> model --MSE--> NAdam
                                          every --eval-every: log.json, plots, checkpoint.pt
    end: <name>-<version>.safetensors + manifest.json in --out

Files are trained one after another with the same model and optimizer, as published
(AeCa, then HaHi, then EsCo). With ``--time-budget`` each file gets an equal share of the
wall-clock budget and moves on when its share is spent.
"""

from __future__ import annotations

import json
import os
import platform
import time
from typing import Any
from pathlib import Path

import numpy as np
import torch

from ..alphabet import AE_PAD_CODE
from ..models.autoencoder import PUBLISHED_HPARAMS
from ..models.registry import build_model
from .data import chunk_codes, read_ae_codes, split_chunks

TINY_HPARAMS = dict(stem_channels=(4, 8, 8, 8), funnel_channels=(8, 4), decoder_in=4,
                    decoder_channels=(8, 8, 4), num_heads=2)
CKPT_NAME = "checkpoint.pt"


def _hparams(args) -> dict:
    hp = dict(PUBLISHED_HPARAMS)
    if getattr(args, "tiny", False):
        hp.update(TINY_HPARAMS)
    hp["P"], hp["K"] = int(args.P), int(args.K)
    return hp


def _accuracy(y: torch.Tensor, codes: torch.Tensor) -> tuple[int, int]:
    pred = torch.round(torch.clamp(y.float(), 0, 1) * 4)
    mask = codes != AE_PAD_CODE
    return int(((pred == codes) & mask).sum()), int(mask.sum())


@torch.no_grad()
def evaluate_chunks(model, chunks: np.ndarray, batch: int, device: str) -> tuple[float, float]:
    """Mean MSE and base accuracy (float latent) of ``model`` over ``chunks``."""
    was_training = model.training
    model.eval()
    sse, n_el, hit, n_base = 0.0, 0, 0, 0
    for i in range(0, len(chunks), batch):
        c = torch.from_numpy(chunks[i:i + batch].astype(np.float32)).unsqueeze(1).to(device)
        x = c / 4.0
        y = model(x).float()
        sse += float(((y - x) ** 2).sum())
        n_el += x.numel()
        h, n = _accuracy(y, c)
        hit, n_base = hit + h, n_base + n
    model.train(was_training)
    return sse / max(n_el, 1), hit / max(n_base, 1)


def _plot(log: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not log:
        return
    step = [p["global_step"] for p in log]
    for key, fname, ylabel in (("loss", "loss.png", "MSE"), ("acc", "accuracy.png", "base accuracy")):
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.plot(step, [p[f"train_{key}"] for p in log], label="train")
        ax.plot(step, [p[f"eval_{key}"] for p in log], label="held-out")
        starts: dict[str, int] = {}
        for p in log:
            starts.setdefault(p["file"], p["global_step"])
        for f, s in starts.items():
            ax.axvline(s, color="grey", lw=0.5)
            ax.text(s, ax.get_ylim()[1], " " + Path(f).name[:24], fontsize=6, va="top", rotation=90)
        ax.set_xlabel("iteration (all files)")
        ax.set_ylabel(ylabel)
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / fname, dpi=100)
        plt.close(fig)


def _save_ckpt(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def train_from_args(args) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.threads:
        torch.set_num_threads(int(args.threads))
    device = args.device
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("seqcoder train: --device cuda but no CUDA device is available")
    use_amp = device.startswith("cuda")

    hp = _hparams(args)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    model = build_model("seqcoder-ae", **hp).to(device).train()
    opt = torch.optim.NAdam(model.parameters(), lr=args.lr)
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    rng = np.random.default_rng(args.seed)

    files = [str(f) for f in args.files]
    file_idx, it, global_step, log, wall_before = 0, 0, 0, [], 0.0
    if args.resume:
        ck = torch.load(args.resume, map_location="cpu", weights_only=True)
        if ck["files"] != files or ck["hparams"] != json.loads(json.dumps(hp)):
            raise SystemExit("seqcoder train: --resume checkpoint was made for other files or hyperparameters")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        scaler.load_state_dict(ck["scaler"])
        torch.set_rng_state(ck["torch_rng"])
        if use_amp and ck.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(ck["cuda_rng"])
        rng.bit_generator.state = json.loads(ck["numpy_rng"])
        file_idx, it, global_step = ck["file_index"], ck["iteration"], ck["global_step"]
        log, wall_before = json.loads(ck["log"]), float(ck["wall_time"])

    t0 = time.time()
    budget = args.time_budget
    first_file = file_idx
    total = len(files) * args.iterations
    try:
        from tqdm import tqdm

        bar = tqdm(total=total, initial=global_step, disable=args.no_progress, mininterval=5, unit="it")
    except ImportError:  # pragma: no cover
        bar = None
    data_info: list[dict[str, Any]] = []
    for f in files:
        data_info.append({"file": Path(f).name})

    def checkpoint():
        _save_ckpt(out / CKPT_NAME, {
            "model": model.state_dict(), "optimizer": opt.state_dict(), "scaler": scaler.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state() if use_amp else None,
            "numpy_rng": json.dumps(rng.bit_generator.state),
            "file_index": file_idx, "iteration": it, "global_step": global_step,
            "files": files, "hparams": json.loads(json.dumps(hp)), "log": json.dumps(log),
            "wall_time": wall_before + time.time() - t0,
        })

    stopped_early = False
    last_plot = [time.time()]
    while file_idx < len(files):
        path = files[file_idx]
        codes = read_ae_codes(path)
        chunks = chunk_codes(codes, hp["K"])
        train_c, eval_c = split_chunks(chunks, args.seed + file_idx)
        if args.eval_chunks and len(eval_c) > args.eval_chunks:
            eval_c = eval_c[: args.eval_chunks]
        data_info[file_idx].update(bases=int(len(codes)), train_chunks=int(len(train_c)), eval_chunks=int(len(eval_c)))
        deadline = None
        if budget:
            deadline = t0 + budget * (file_idx - first_file + 1) / (len(files) - first_file)
        run_loss, run_hit, run_n, run_steps = 0.0, 0, 0, 0
        while it < args.iterations:
            idx = rng.integers(0, len(train_c), size=args.batch)
            c = torch.from_numpy(train_c[idx].astype(np.float32)).unsqueeze(1).to(device)
            x = c / 4.0
            opt.zero_grad(set_to_none=True)
            with torch.autocast("cuda", dtype=torch.float16, enabled=use_amp):
                y = model(x)
                loss = torch.nn.functional.mse_loss(y.float(), x)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            it += 1
            global_step += 1
            run_loss += float(loss.detach())
            h, n = _accuracy(y.detach(), c)
            run_hit, run_n, run_steps = run_hit + h, run_n + n, run_steps + 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(file=file_idx, loss=f"{float(loss.detach()):.4f}")
            out_of_time = deadline is not None and time.time() >= deadline
            interrupted = args.max_steps is not None and global_step >= args.max_steps
            if it % args.eval_every == 0 or it == args.iterations or out_of_time or interrupted:
                e_loss, e_acc = evaluate_chunks(model, eval_c, args.batch, device)
                log.append({
                    "file": Path(path).name, "file_index": file_idx, "iteration": it,
                    "global_step": global_step,
                    "train_loss": run_loss / max(run_steps, 1), "eval_loss": e_loss,
                    "train_acc": run_hit / max(run_n, 1), "eval_acc": e_acc,
                    "wall_time": round(wall_before + time.time() - t0, 2),
                })
                run_loss, run_hit, run_n, run_steps = 0.0, 0, 0, 0
                (out / "log.json").write_text(json.dumps({"schema_version": 1, "points": log}, indent=1))
                if time.time() - last_plot[0] > 60:  # plots are slow; redrawn at most once a minute
                    _plot(log, out)
                    last_plot[0] = time.time()
                checkpoint()
            if interrupted:
                _plot(log, out)
                return 0
            if out_of_time:
                stopped_early = True
                data_info[file_idx]["iterations_done"] = it
                break
        data_info[file_idx].setdefault("iterations_done", it)
        file_idx += 1
        it = 0
        if file_idx < len(files):
            checkpoint()
    if bar is not None:
        bar.close()
    wall = wall_before + time.time() - t0
    checkpoint()
    _plot(log, out)
    _export(model, args, hp, files, data_info, log, wall, stopped_early, device)
    return 0


def _export(model, args, hp, files, data_info, log, wall, stopped_early, device) -> None:
    from ..models.zoo import save_weights

    model = model.to("cpu").eval()
    per_file_last = {}
    for p in log:
        per_file_last[p["file"]] = {k: p[k] for k in ("iteration", "train_loss", "eval_loss", "train_acc", "eval_acc")}
    extra = {
        "trained_from_scratch": True,
        "training": {
            "command": "seqcoder train " + " ".join(Path(f).name for f in files),
            "files": data_info,
            "recipe": "MSE, NAdam, random 80/20 chunk split per file, files in sequence",
            "iterations_per_file_requested": args.iterations,
            "iterations_total": int(log[-1]["global_step"]) if log else 0,
            "batch": args.batch,
            "lr": args.lr,
            "seed": args.seed,
            "eval_every": args.eval_every,
            "eval_chunks": args.eval_chunks,
            "time_budget_s": args.time_budget,
            "stopped_by_time_budget": stopped_early,
            "wall_time_s": round(wall, 1),
            "device": device if device != "cpu" else f"cpu ({platform.processor() or platform.machine()}, "
                                                     f"{torch.get_num_threads()} threads)",
            "precision": "fp16 autocast + GradScaler" if device.startswith("cuda") else "fp32",
            "torch": torch.__version__,
        },
        "final_eval": per_file_last,
    }
    save_weights(model, Path(args.out), args.name, args.version, extra=extra, dtype=args.weights_dtype)
    print(f"seqcoder train: wrote {Path(args.out) / (args.name + '-' + str(args.version) + '.safetensors')}")
