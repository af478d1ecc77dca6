"""Group genomes for packing: similar genomes together, no group above a size cap.

::

    sketches --greedy centroid clustering (inverted index, Jaccard >= threshold)--> clusters
    clusters --tree order, cut at the cap--> groups  <--pack small clusters into shared bins--

* **Clustering** visits genomes from the largest down (ties by name) and joins each to the
  most similar existing centroid with Jaccard >= ``threshold``, else makes it a centroid.
  Candidates come from an inverted index hash -> centroids, so a genome is compared with the
  centroids it shares a hash with, never with every genome: the cost is about
  ``genomes x candidates``, not ``genomes^2``.
* A cluster above ``max_group_bases`` is put in tree order (below) and cut into consecutive
  runs of near-equal size, so neighbours in the tree stay in one archive.
* Clusters below ``min_group_bases`` (singletons, small families) are packed together into
  bins up to ``max_group_bases``, in G+C order, so a million unrelated plasmids do not become
  a million archives. A bin only ever holds whole small clusters.
* **Order within a group**: the leaf order of an average-linkage tree on 1 - Jaccard (scipy)
  decides where a capped cluster is cut, so neighbours in the tree stay in one archive
  (clusters of more than ``MAX_TREE`` genomes: by similarity to their centroid); each group
  then packs in name order, since the archive chooses every member's parents by sketch.

Everything is a pure function of the sketches: no randomness, ties broken by name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


from .sketch import Sketch, distance_matrix, jaccard

from .defaults import MAX_GROUP_BASES as DEFAULT_MAX_GROUP_BASES, MIN_GROUP_BASES as DEFAULT_MIN_GROUP_BASES
from .defaults import THRESHOLD as DEFAULT_THRESHOLD

MAX_TREE = 2000  #: larger groups skip the all-pairs tree


@dataclass(slots=True)
class Cluster:
    centroid: int  #: index into the sketch list
    members: list[int] = field(default_factory=list)
    bases: int = 0


@dataclass(frozen=True, slots=True)
class Group:
    """One planned archive: members in packing order, the cluster(s) they came from."""

    number: int  #: 1-based, in the order of the groups' first (smallest) member name
    names: tuple[str, ...]
    clusters: tuple[int, ...]  #: cluster number of each member
    bases: int

    @property
    def key(self) -> str:
        """Eight hex digits that change whenever the members or their order change."""
        return hashlib.sha256("\n".join(self.names).encode()).hexdigest()[:8]


def cluster_sketches(sketches: list[Sketch], threshold: float = DEFAULT_THRESHOLD) -> list[Cluster]:
    """Greedy centroid clustering (see the module docstring), clusters in order of creation."""
    order = sorted(range(len(sketches)), key=lambda i: (-sketches[i].bases, sketches[i].name))
    index: dict[int, list[int]] = {}
    clusters: list[Cluster] = []
    for i in order:
        s = sketches[i]
        candidates = sorted({c for h in s.hashes.tolist() for c in index.get(h, ())})
        best, best_j = -1, threshold
        for c in candidates:
            j = jaccard(s, sketches[clusters[c].centroid])
            if j >= best_j and (best < 0 or j > best_j):
                best, best_j = c, j
        if best < 0:
            best = len(clusters)
            clusters.append(Cluster(i))
            for h in s.hashes.tolist():
                index.setdefault(h, []).append(best)
        clusters[best].members.append(i)
        clusters[best].bases += s.bases
    return clusters


def order_members(sketches: list[Sketch], members: list[int], centroid: int | None = None) -> list[int]:
    """Packing order of ``members``: leaf order of an average-linkage tree on sketch distances."""
    members = sorted(members, key=lambda i: sketches[i].name)
    if len(members) <= 2:
        return members
    if len(members) > MAX_TREE:
        ref = sketches[members[0] if centroid is None else centroid]
        return sorted(members, key=lambda i: (-jaccard(sketches[i], ref), sketches[i].name))
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    d = distance_matrix([sketches[i] for i in members])
    tree = linkage(squareform(d, checks=False), method="average")
    return [members[i] for i in leaves_list(tree)]


def _cut(items: list[int], sizes: list[int], cap: int) -> list[list[int]]:
    """Consecutive runs of near-equal total size, each at most ``cap`` (one item may exceed it)."""
    total = sum(sizes)
    parts = max(1, -(-total // cap))
    target = total / parts
    runs: list[list[int]] = [[]]
    run_size = 0
    for item, size in zip(items, sizes):
        if runs[-1] and (run_size + size > cap or run_size + size / 2 > target):
            runs.append([])
            run_size = 0
        runs[-1].append(item)
        run_size += size
    return runs


def plan_groups(sketches: list[Sketch], threshold: float = DEFAULT_THRESHOLD,
                max_group_bases: int = DEFAULT_MAX_GROUP_BASES,
                min_group_bases: int = DEFAULT_MIN_GROUP_BASES) -> list[Group]:
    """Groups of the sketched genomes, numbered from 1 in the order of their first name.

    >>> import numpy as np
    >>> from .sketch import sketch_codes
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 4, 50_000).astype(np.uint8), rng.integers(0, 4, 50_000).astype(np.uint8)
    >>> s = [sketch_codes("a1", a), sketch_codes("b1", b), sketch_codes("a2", a[100:]), sketch_codes("b2", b[:-9])]
    >>> [g.names for g in plan_groups(s, min_group_bases=0)]
    [('a1', 'a2'), ('b1', 'b2')]
    """
    if max_group_bases < 1:
        raise ValueError("max_group_bases must be positive")
    small_limit = min(min_group_bases, max_group_bases)
    clusters = cluster_sketches(sketches, threshold)
    cluster_of = {i: n for n, c in enumerate(clusters) for i in c.members}
    runs: list[list[int]] = []
    small: list[Cluster] = []
    for c in clusters:
        if c.bases < small_limit:
            small.append(c)
            continue
        members = order_members(sketches, c.members, c.centroid)
        runs += _cut(members, [sketches[i].bases for i in members], max_group_bases)
    # small clusters share bins; G+C order puts compositionally close genomes side by side
    small.sort(key=lambda c: (round(sketches[c.centroid].gc, 3), sketches[c.centroid].name))
    bins: list[list[Cluster]] = []
    bin_bases = 0
    for c in small:
        if not bins or bin_bases + c.bases > max_group_bases:
            bins.append([])
            bin_bases = 0
        bins[-1].append(c)
        bin_bases += c.bases
    for b in bins:
        runs.append([i for c in b for i in order_members(sketches, c.members, c.centroid)])
    # each run packs in name order: the archive picks every member's parents by sketch itself,
    # and a tree order would chain siblings into long runs that use up the depth bound
    runs = [sorted(r, key=lambda i: sketches[i].name) for r in runs]
    runs.sort(key=lambda r: sketches[r[0]].name)
    return [Group(n + 1, tuple(sketches[i].name for i in r), tuple(cluster_of[i] + 1 for i in r),
                  sum(sketches[i].bases for i in r)) for n, r in enumerate(runs)]
