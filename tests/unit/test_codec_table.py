"""The codec table is the one source of names, ids and levels: every row must build."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from seqcoder.codecs import CODECS, DEFAULT_CODEC, MODEL_CODECS, CodecOptions, codec_spec, make_codec
from seqcoder.format.ids import CodecId
from seqcoder.levels import DEFAULT_LEVEL, MAX_LEVEL, MIN_LEVEL


def test_rows_are_unique_and_cover_every_frozen_id():
    assert sorted(spec.codec_id for spec in CODECS.values()) == sorted(CodecId)
    assert DEFAULT_CODEC in CODECS and not CODECS[DEFAULT_CODEC].needs_model
    for spec in CODECS.values():
        assert codec_spec(spec.codec_id) is spec and codec_spec(spec.name) is spec
        assert MIN_LEVEL <= spec.default_level <= MAX_LEVEL
        module, cls = spec.class_path.split(":")
        assert hasattr(importlib.import_module(module), cls)
    assert MODEL_CODECS == tuple(n for n, s in CODECS.items() if s.needs_model)


@pytest.mark.parametrize("name", [n for n, s in CODECS.items() if not s.needs_model])
def test_model_free_rows_build_and_round_trip(name):
    codec = make_codec(name, CodecOptions(level=DEFAULT_LEVEL))
    codes = np.random.default_rng(1).integers(0, 4, 1000).astype(np.uint8)
    assert np.array_equal(codec.decode(dict(codec.encode(codes)), len(codes)), codes)


def test_ae_codecs_keep_no_state_between_blocks():
    pytest.importorskip("torch")
    codec = make_codec("ae-zstd", CodecOptions())
    before = dict(vars(codec))
    encoding = codec.encode_block(np.zeros(300, np.uint8))
    assert vars(codec) == before
    assert set(encoding.stats) == {"ambiguous", "accuracy"}


def test_a_missing_extra_is_one_line_naming_the_install(monkeypatch, capsys, tmp_path):
    import importlib.util

    from seqcoder.cli import main
    from seqcoder.errors import MissingExtraError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(MissingExtraError, match=r"pip install 'seqcoder\[ae\]'"):
        make_codec("ae-cm", CodecOptions())
    genome = tmp_path / "g.fa"
    genome.write_bytes(b">g\nACGT\n")
    assert main(["compress", "-q", "--codec", "ae-zstd", str(genome)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "seqcoder[ae]" in err and not (tmp_path / "g.fa.sqc").exists()
