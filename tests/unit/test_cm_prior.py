"""The learned prior: integer weights, the kernel's evaluation, the version-4 payload."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from seqcoder.entropy import cm
from seqcoder.entropy.modelset import PRIOR_ADAPTED, PRIOR_OFF, PRIOR_ON, V5
from seqcoder.entropy.primitives import prefetch, prior_eval, prior_row
from seqcoder.errors import ModelError
from seqcoder.models.prior import (load_prior, prior_logits, quantize_prior, save_prior)
from seqcoder.train.prior import kmer_indices, node_targets, read_codes


def _random_prior(seed: int = 1, groups=((0, 3), (3, 2)), hidden: int = 8):
    rng = np.random.default_rng(seed)
    emb = [rng.normal(0, 1.0, (4 ** w, hidden)) for _, w in groups]
    return quantize_prior(groups, emb, rng.normal(0, 0.5, hidden), rng.normal(0, 1, (3, hidden)),
                          rng.normal(0, 0.3, 3))


def _check_kernel_against_reference(w, codes):
    """``prior_eval`` gives ``prior_logits`` at every position; ``prior_row`` a base ahead (the
    decoder prefetches those rows) names the rows of the next base."""
    want = prior_logits(w, kmer_indices(codes, w.groups))
    gofs, gw, gbase, E, B1, W2, B2, shape = w.kernel_arrays
    acc = np.zeros(shape[0], np.int32)
    z = np.zeros(3, np.int64)
    hn = 0
    for i in range(len(codes)):
        prior_eval(hn, gofs, gw, gbase, E, B1, W2, B2, shape[0], shape[1], acc, z)
        assert z.tolist() == want[i].tolist(), i
        nxt = ((hn << 2) | int(codes[i])) & ((1 << 62) - 1)
        for g in range(len(gofs)):
            if gofs[g] > 0:
                assert (prior_row(hn, 1, g, gofs, gw, gbase, shape[0])
                        == prior_row(nxt, 0, g, gofs, gw, gbase, shape[0]))
        hn = nxt


def test_kernel_evaluation_equals_reference():
    codes = np.random.default_rng(0).integers(0, 4, 3000).astype(np.uint8)
    _check_kernel_against_reference(load_prior(), codes)


@pytest.mark.parametrize("groups", [((0, 3), (3, 2)),  # fewer than five rows
                                    ((0, 2), (2, 3), (5, 1), (6, 3), (9, 2), (11, 3), (14, 1))])
def test_kernel_evaluation_any_group_count(groups):
    # the kernel sums five rows a pass, then one at a time: both paths
    codes = np.random.default_rng(4).integers(0, 4, 600).astype(np.uint8)
    _check_kernel_against_reference(_random_prior(3, groups, hidden=16), codes)


def test_prefetch_is_only_a_hint():
    a = np.arange(10, dtype=np.uint32)
    for i in (0, 9):
        prefetch(a, i)
    assert a.tolist() == list(range(10))


def test_kmer_indices_newest_base_lowest():
    codes = np.array([0, 1, 2, 3, 1], dtype=np.uint8)
    idx = kmer_indices(codes, ((0, 2), (1, 1)))
    # before base 4: the 2-mer is (base 2, base 3) = 2 << 2 | 3; one further back: base 2
    assert idx[4].tolist() == [(2 << 2) | 3, 2]
    assert idx[0].tolist() == [0, 0]  # before the start: A
    assert node_targets(codes)[3].tolist() == [1, 1]


def test_quantized_logits_follow_the_float_network():
    groups = ((0, 3), (3, 2))
    rng = np.random.default_rng(2)
    emb = [rng.normal(0, 1.0, (4 ** w, 8)) for _, w in groups]
    b1, w2, b2 = rng.normal(0, 0.5, 8), rng.normal(0, 1, (3, 8)), rng.normal(0, 0.3, 3)
    w = quantize_prior(groups, emb, b1, w2, b2)
    kmers = np.stack([rng.integers(0, 64, 500), rng.integers(0, 16, 500)], axis=1)
    acc = b1 + emb[0][kmers[:, 0]] + emb[1][kmers[:, 1]]
    want = (np.maximum(acc, 0) @ w2.T + b2) * 256
    assert np.abs(prior_logits(w, kmers) - want).max() < 8  # stretch units of 1/256


def test_save_load_and_tamper(tmp_path):
    w = _random_prior()
    path = save_prior(w, tmp_path, name="p", version="1", training={"note": "test"})
    back = load_prior("p", tmp_path)
    assert back.groups == w.groups and (back.E == w.E).all() and (back.B2 == w.B2).all()
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256"):
        load_prior("p", tmp_path)


@pytest.mark.parametrize("choices", [0, cm.CHOICE_LIGHT, cm.CHOICE_PRIOR,
                                     cm.CHOICE_LIGHT | cm.CHOICE_PRIOR])
def test_choices_round_trip_and_twin(choices, pure_kernels):
    rng = np.random.default_rng(3)
    unit = rng.integers(0, 4, 150).astype(np.uint8)
    codes = np.concatenate([unit, rng.integers(0, 4, 100).astype(np.uint8), unit, unit[::-1]])
    data = cm.cm_encode(codes, 4, choices=choices)
    assert (cm.cm_decode(data, len(codes), 4) == codes).all()
    with pure_kernels():
        assert data == cm.cm_encode(codes, 4, choices=choices)
        assert (cm.cm_decode(data, len(codes), 4) == codes).all()


def test_payload_records_choices_and_prior():
    codes = np.tile(np.array([0, 1, 2, 3, 3, 1], np.uint8), 40)
    # level 5 without the prior is version 3's level 5: it keeps writing version-3 bytes
    assert cm.cm_encode(codes, 5, choices=cm.CHOICE_LIGHT)[0] == 3
    data = cm.cm_encode(codes, 4, choices=cm.CHOICE_PRIOR)
    assert data[:2] == bytes([4, cm.CHOICE_PRIOR])
    assert data[2:2 + cm.PRIOR_TAG_BYTES] == load_prior().sha256[:cm.PRIOR_TAG_BYTES]
    other = bytearray(data)
    other[2] ^= 0xFF
    with pytest.raises(ValueError, match="learned prior"):
        cm.cm_decode(bytes(other), len(codes), 4)
    bad = bytearray(data)
    bad[1] = 0x80
    with pytest.raises(ValueError, match="choice byte"):
        cm.cm_decode(bytes(bad), len(codes), 4)


def test_read_codes_drops_headers_and_other_bytes(tmp_path):
    f = tmp_path / "x.fa"
    f.write_bytes(b">h1 ACGT\nacgN\nT\n>h2\nGG\n")
    assert read_codes(f).tolist() == [0, 1, 2, 3, 2, 2]


def test_train_prior_command(tmp_path):
    pytest.importorskip("torch")
    from seqcoder.train.prior import main

    rng = np.random.default_rng(4)
    for name in ("a.fa", "b.fa"):
        seq = "".join("ACGT"[c] for c in rng.integers(0, 4, 3000))
        (tmp_path / name).write_text(f">{name}\n{seq}\n")
    out = tmp_path / "w"
    assert main([str(tmp_path / "a.fa"), str(tmp_path / "b.fa"), "--heldout", "b.fa", "--steps", "20",
                 "--batch", "256", "--hidden", "8", "--groups", "0:3,3:3", "--out", str(out),
                 "--no-progress"]) == 0
    w = load_prior("seqcoder-prior", out)
    assert w.groups == ((0, 3), (3, 3)) and w.hidden == 8


def _prior_test_codes(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, 4, 300).astype(np.uint8)
    return np.concatenate([unit, rng.integers(0, 4, 200).astype(np.uint8), (3 - unit)[::-1],
                           unit])


@pytest.mark.parametrize("level", [4, 5, 9])
def test_prior_levels_twin(level, pure_kernels, monkeypatch):
    """Level 4 (prior; still version 4), level 5 (adapted prior layer) and level 9 (also
    light followers and the hidden-layer mixer): compiled and interpreted kernels write the
    same bytes, and the adapted layer and the hidden mixer are wired in."""
    codes = _prior_test_codes(level)
    data = cm.cm_encode(codes, level)
    assert data[0] == (4 if level == 4 else cm.CM_FORMAT_VERSION)
    with pure_kernels():
        assert data == cm.cm_encode(codes, level)
    assert (cm.cm_decode(data, len(codes), level) == codes).all()
    ms = cm.level_config(level)
    off = [{"prior": PRIOR_ON}] if ms.prior != PRIOR_ON else []
    off += [{"mixers": replace(ms.mixers, hidden=0)}] if ms.mixers.hidden else []
    for switch in off:
        monkeypatch.setitem(V5, level, replace(ms, **switch))
        assert cm.cm_encode(codes, level) != data, switch
    monkeypatch.setitem(V5, level, ms)


@pytest.mark.parametrize("level", [5, 9])
def test_version4_payloads_still_decode(level):
    codes = _prior_test_codes(level + 1)
    old = cm.cm_encode(codes, level, _version=4)
    assert old[0] == 4 and old != cm.cm_encode(codes, level)
    assert (cm.cm_decode(old, len(codes), level) == codes).all()
    assert cm.level_config(level, 4).prior == PRIOR_ON  # not adapted


def test_adapt_needs_the_prior():
    # a block without the prior has no adapted layer either
    assert cm.block_config(5, 5, choices=cm.CHOICE_LIGHT).prior == PRIOR_OFF
    assert cm.block_config(5, 5, choices=cm.CHOICE_PRIOR).prior == PRIOR_ADAPTED
    assert cm.block_config(2, 5, choices=cm.CHOICE_PRIOR).prior == PRIOR_ON
