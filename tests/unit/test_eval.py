"""``seqcoder eval`` smoke test with a tiny model exported to safetensors."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

pytest.importorskip("torch")

from seqcoder import evaluate  # noqa: E402
from seqcoder.models import zoo  # noqa: E402
from test_ae_helpers import tiny_loaded  # noqa: E402


def test_eval_table_json_plots(tmp_path, capsys):
    path, _ = zoo.save_weights(tiny_loaded().model, tmp_path / "w", "tiny-eval", "1")
    rng = np.random.default_rng(0)
    seq = "".join("ACGT"[i] for i in rng.integers(0, 4, 500))
    fa = tmp_path / "x.fa"
    fa.write_text(">x\n" + seq + "\n")
    bare = tmp_path / "bare"
    bare.write_text(seq[:130])
    p = evaluate.configure_parser(argparse.ArgumentParser())
    args = p.parse_args([str(fa), str(bare), "--model", str(path), "--json", str(tmp_path / "e.json"),
                         "--plots", str(tmp_path / "plots"), "--ae-margin", "0.001"])
    assert evaluate.run(args) == 0
    doc = json.loads((tmp_path / "e.json").read_text())
    assert doc["schema_version"] == evaluate.SCHEMA_VERSION
    assert [r["original_bytes"] for r in doc["rows"]] == [500, 130]
    r = doc["rows"][0]
    assert r["roundtrip_exact"] and r["total_bytes"] == r["latent_bytes"] + r["residual_bytes"] + r["side_bytes"]
    assert (tmp_path / "plots" / "sizes.png").exists() and (tmp_path / "plots" / "times.png").exists()
    assert "bits/b" in capsys.readouterr().out
    zoo.clear_cache()
