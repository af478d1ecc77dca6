"""``seqcoder train`` on a tiny model: log, plots, checkpoint, resume, export."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

pytest.importorskip("torch")

from seqcoder import train  # noqa: E402
from seqcoder.models import zoo  # noqa: E402
from seqcoder.train.data import chunk_codes, read_ae_codes, split_chunks  # noqa: E402


def _fasta(tmp_path):
    rng = np.random.default_rng(0)
    seq = "".join("ACGT"[i] for i in rng.integers(0, 4, 3000))
    p = tmp_path / "g.fna"
    p.write_text(">rec1 x\n" + "\n".join(seq[i:min(i + 60, 2000)] for i in range(0, 2000, 60)) + "\n>rec2\n"
                 + seq[2000:].lower() + "NNNN\n")
    return p, seq


def _args(tmp_path, files, out, *extra):
    p = train.configure_parser(argparse.ArgumentParser())
    return p.parse_args([*map(str, files), "--out", str(out), "--iterations", "4", "--eval-every", "2",
                         "--batch", "4", "--K", "64", "--P", "2", "--tiny", "--threads", "1",
                         "--no-progress", "--name", "t", "--version", "1", *extra])


def test_reader_and_split(tmp_path):
    p, seq = _fasta(tmp_path)
    codes = read_ae_codes(p)
    assert len(codes) == 3000
    assert "".join("ATCG"[c] for c in codes) == seq
    ch = chunk_codes(codes, 64)
    assert ch.shape == (47, 64) and ch[-1, -1] == 4
    tr, ev = split_chunks(ch, 0)
    assert len(tr) + len(ev) == 47 and len(ev) == 9


def test_train_log_checkpoint_resume_export(tmp_path):
    p, _ = _fasta(tmp_path)
    files = [p, p]
    full = tmp_path / "full"
    assert train.run(_args(tmp_path, files, full)) == 0
    log = json.loads((full / "log.json").read_text())
    assert log["schema_version"] == 1
    pts = log["points"]
    assert [(q["file_index"], q["iteration"]) for q in pts] == [(0, 2), (0, 4), (1, 2), (1, 4)]
    for key in ("train_loss", "eval_loss", "train_acc", "eval_acc", "wall_time"):
        assert all(key in q for q in pts)
    assert (full / "loss.png").exists() and (full / "accuracy.png").exists()
    entry = zoo.read_manifest_dir(full)[0]
    assert entry["training"]["iterations_total"] == 8 and entry["hparams"]["K"] == 64
    lm = zoo.load_model(str(full / "t-1.safetensors"))
    assert lm.ref.version == "1"

    # interrupted after 5 steps, then resumed: same final weights as the uninterrupted run
    part = tmp_path / "part"
    assert train.run(_args(tmp_path, files, part, "--max-steps", "5")) == 0
    assert not (part / "t-1.safetensors").exists()
    assert train.run(_args(tmp_path, files, part, "--resume", str(part / "checkpoint.pt"))) == 0
    pts2 = json.loads((part / "log.json").read_text())["points"]
    assert pts2[-1]["global_step"] == 8
    from safetensors.numpy import load_file

    a, b = load_file(str(full / "t-1.safetensors")), load_file(str(part / "t-1.safetensors"))
    assert a.keys() == b.keys()
    assert all(np.allclose(a[k], b[k], atol=1e-3) for k in a)
    zoo.clear_cache()
