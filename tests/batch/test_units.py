"""The pieces of a batch without a cluster: inputs, sketches, grouping, catalog."""

from __future__ import annotations

import os

import numpy as np
import pytest

from batch_helpers import mutate
from seqcoder.batch.catalog import Catalog, CatalogError, GenomeRow, GroupRow, write_catalog
from seqcoder.batch.group import cluster_sketches, plan_groups
from seqcoder.batch.inputs import BatchInputError, find_genomes, is_fasta_name
from seqcoder.batch.sketch import jaccard, kmer_hashes, kmer_hashes_numpy, sketch_codes


def _family(seed: int, n: int, length: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, length).astype(np.uint8)
    return [mutate(rng, a) for _ in range(n)]


# ---------------------------------------------------------------- inputs

def test_find_genomes_walks_directories_by_suffix(genomes):
    root, made = genomes
    found = find_genomes([root])
    assert [g.name for g in found] == sorted(made)  # MANIFEST.tsv and SHA256SUMS are not genomes
    assert is_fasta_name("x.fasta.zst") and not is_fasta_name(".x.fna") and not is_fasta_name("x.fna.txt")


def test_duplicate_names_are_an_error_naming_both_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "g.fna").write_bytes(b">g\nACGT\n")
    (tmp_path / "b" / "g.fna.gz").write_bytes(b"")
    with pytest.raises(BatchInputError, match=r"'g\.fna'.*a/g\.fna.*b/g\.fna\.gz"):
        find_genomes([tmp_path])
    with pytest.raises(BatchInputError, match="nope: no such file"):
        find_genomes([tmp_path / "a", tmp_path / "nope"])
    (tmp_path / "c").mkdir()
    with pytest.raises(BatchInputError, match="no FASTA files"):
        find_genomes([tmp_path / "c"])


# ---------------------------------------------------------------- sketches

@pytest.mark.parametrize("k", [1, 2, 15, 21, 31])
def test_hash_kernel_matches_numpy_twin(k):
    codes = np.random.default_rng(k).integers(0, 4, 5000).astype(np.uint8)
    assert np.array_equal(kmer_hashes(codes, k), kmer_hashes_numpy(codes, k))
    assert kmer_hashes(codes[:k - 1], k).shape == (0,)


def test_sketch_is_strand_blind_and_floors_small_genomes():
    a = _family(5, 1, 1_000_000)[0]
    s = sketch_codes("a", a)
    rc = sketch_codes("rc", (3 - a)[::-1])
    assert np.array_equal(s.hashes, rc.hashes)  # canonical k-mers
    assert 850 < s.hashes.size < 1150 and s.threshold == (2**64 - 1) // 1000  # scaled 1000
    tiny = sketch_codes("t", a[:5000])
    assert tiny.hashes.size == 500 and tiny.threshold > s.threshold  # the bottom-500 floor
    assert jaccard(tiny, s) > 0  # compared below the smaller threshold


@pytest.mark.parametrize("n, scaled", [(300_000, 1000), (300_000, 7), (2_000, 1000), (30, 1000)])
def test_sketch_keeps_every_hash_below_its_threshold(n, scaled):
    """The sketch hashes only what it keeps; it is what filtering every position's hash gives."""
    codes = np.random.default_rng(n + scaled).integers(0, 4, n).astype(np.uint8)
    s = sketch_codes("a", codes, scaled=scaled)
    every = np.unique(kmer_hashes(codes))
    assert np.array_equal(s.hashes, every[every <= np.uint64(s.threshold)])


def test_jaccard_separates_relatives_from_strangers():
    f1, f2 = _family(1, 3, 80_000), _family(2, 1, 80_000)
    s = [sketch_codes(str(i), c) for i, c in enumerate(f1 + f2)]
    assert jaccard(s[0], s[1]) > 0.3 and jaccard(s[1], s[2]) > 0.3
    assert jaccard(s[0], s[3]) < 0.01


# ---------------------------------------------------------------- grouping

def _sketches(seed_sizes):
    out = []
    for fam, (seed, n, length) in enumerate(seed_sizes):
        out += [sketch_codes(f"f{fam}_{i:03d}", c) for i, c in enumerate(_family(seed, n, length))]
    return out


def test_groups_follow_families_and_do_not_depend_on_input_order():
    s = _sketches([(1, 5, 60_000), (2, 4, 60_000), (3, 3, 60_000)])
    groups = plan_groups(s, min_group_bases=0)
    assert [sorted({n[:2] for n in g.names}) for g in groups] == [["f0"], ["f1"], ["f2"]]
    rng = np.random.default_rng(0)
    for _ in range(3):
        shuffled = [s[i] for i in rng.permutation(len(s))]
        assert plan_groups(shuffled, min_group_bases=0) == groups


def test_cap_splits_a_family_and_small_clusters_share_bins():
    s = _sketches([(1, 8, 50_000)] + [(10 + i, 1, 20_000) for i in range(6)])
    groups = plan_groups(s, max_group_bases=220_000, min_group_bases=100_000)
    family = [g for g in groups if g.names[0].startswith("f0")]
    assert len(family) == 2 and all(g.bases <= 220_000 for g in family)
    assert sum(len(g.names) for g in family) == 8
    singles = [g for g in groups if not g.names[0].startswith("f0")]
    assert len(singles) == 1 and len(singles[0].names) == 6  # six strangers, one archive
    assert [g.number for g in groups] == list(range(1, len(groups) + 1))
    assert len(cluster_sketches(s)) == 7


# ---------------------------------------------------------------- catalog

def test_catalog_round_trip_and_errors(tmp_path):
    write_catalog(tmp_path, {"level": "4"}, [GroupRow(1, "group-0001-x.sqcl", 1, 4, 10, 5, "ab")],
                  [GenomeRow("g.fna", 1, "group-0001-x.sqcl", "g.fna", 0, 1, 10, 4, "cd", "/in/g.fna")])
    with Catalog(tmp_path) as c:
        assert c.meta["schema_version"] == "1"
        assert c.find(["g.fna"])[0].archive == "group-0001-x.sqcl"
        with pytest.raises(CatalogError, match="no genome named 'h.fna'"):
            c.find(["h.fna"])
    assert not list(tmp_path.glob(".*.tmp"))
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "catalog.sqlite").stat().st_mode & 0o777 == 0o666 & ~mask
    with pytest.raises(CatalogError, match="no catalog.sqlite"):
        Catalog(tmp_path / "elsewhere")
