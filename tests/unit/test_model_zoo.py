"""Weights files, manifests and sha256 checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("safetensors")

from seqcoder.codecs.base import ModelRef  # noqa: E402
from seqcoder.errors import ModelError  # noqa: E402
from seqcoder.models import zoo  # noqa: E402

from test_ae_helpers import tiny_loaded  # noqa: E402

PTH = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "FP16_SeqCoder_P4_20K.pth"


@pytest.fixture(autouse=True)
def _fresh_cache():
    zoo.clear_cache()
    yield
    zoo.clear_cache()


def _save(tmp_path):
    lm = tiny_loaded()
    path, entry = zoo.save_weights(lm.model, tmp_path, "tiny-ae", "3", extra={"note": "test"})
    return path, entry


def test_save_and_load_roundtrip(tmp_path):
    path, entry = _save(tmp_path)
    lm = zoo.load_model(str(path))
    assert lm.ref == ModelRef("tiny-ae", "3", bytes.fromhex(entry["sha256"]))
    assert lm.hparams["K"] == 64 and lm.hparams["stem_channels"] == (4, 8, 8, 8)
    assert not lm.model.training
    assert zoo.load_model(str(path)) is lm  # cached per spec


def test_manifest_sha_mismatch_is_model_error(tmp_path):
    path, _ = _save(tmp_path)
    doc = json.loads((tmp_path / "manifest.json").read_text())
    doc["models"][0]["sha256"] = "00" * 32
    (tmp_path / "manifest.json").write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="sha256"):
        zoo.load_model(str(path))


def test_changed_weights_file_is_model_error(tmp_path):
    path, _ = _save(tmp_path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match its manifest"):
        zoo.load_model(str(path))


def test_missing_manifest_and_unknown_name(tmp_path):
    path, _ = _save(tmp_path)
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(ModelError, match="manifest"):
        zoo.load_model(str(path))
    with pytest.raises(ModelError, match="not in the model zoo"):
        zoo.load_model("no-such-model@9")


def test_resolve_for_archive_checks_sha(tmp_path):
    path, entry = _save(tmp_path)
    good = ModelRef("tiny-ae", "3", bytes.fromhex(entry["sha256"]))
    assert zoo.resolve_model_for_archive(good, str(path)).ref == good
    bad = ModelRef("tiny-ae", "3", b"\1" * 32)
    with pytest.raises(ModelError, match="01010101"):
        zoo.resolve_model_for_archive(bad, str(path))


def test_shipped_manifest_entries_verify():
    from seqcoder.models.prior import PRIOR_ARCH, load_prior

    archs = set()
    for entry in zoo.shipped_models():
        archs.add(entry.get("architecture"))
        if entry.get("architecture") == PRIOR_ARCH:
            digest = load_prior(entry["name"], tag=bytes.fromhex(entry["sha256"])).sha256
        else:
            digest = zoo.load_model(f"{entry['name']}@{entry['version']}").ref.sha256
        assert digest.hex() == entry["sha256"]
        assert "training" in entry and "hparams" in entry
    assert PRIOR_ARCH in archs


@pytest.mark.skipif(not PTH.exists(), reason="../shared/seed checkpoint not beside the checkout")
def test_pth_spec():
    lm = zoo.load_model(str(PTH))
    assert lm.ref.name == "FP16_SeqCoder_P4_20K" and lm.ref.version == "pth"
    assert lm.ref.sha256 == zoo.sha256_file(PTH)
    assert lm.hparams["P"] == 4 and lm.hparams["K"] == 1280
