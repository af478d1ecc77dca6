"""The learned prior of the cm coder: integer weights, their file and manifest.

A prior predicts the two binary decisions of the next base (high bit; low bit given the high
bit) from k-mers at fixed distances before it (``groups`` of ``(offset, width)``):

    acc[h]  = B1[h] + sum_g E[g, kmer_g, h]              (fixed point, 2^-e_shift)
    a[h]    = min(max(acc[h], 0), ACT_MAX)               (ReLU, clipped)
    z[k]    = B2[k] + sum_h a[h] * W2[k, h]              (2^-(e_shift + w_shift))
    logit_k = z[k] >> (e_shift + w_shift - 8)            (stretch units of the kernel, 1/256)

All integers, so every machine computes the same logits (the cm kernel evaluates exactly this;
:func:`prior_logits` is the reference). Weights ship as safetensors (read with its numpy API:
the core install needs no torch) beside the autoencoder's ``manifest.json``; a file whose sha256
differs from its manifest entry is refused, and a cm payload records the sha256 of the prior it
was coded with, so it never decodes with other weights: a new prior ships beside the old ones,
which keep decoding the payloads that name them.

>>> w = load_prior()
>>> w.hidden > 0 and len(w.groups) > 0
True
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .zoo import WEIGHTS_DIR, read_manifest_dir, sha256_file, write_manifest_entry

PRIOR_ARCH = "seqcoder-prior"
DEFAULT_PRIOR = "seqcoder-prior"
#: activations are clipped here (never reached by a sum of int16 rows and a bias within
#: 2^29), so the accumulators fit int32 and the products stay far inside int64
ACT_MAX = 1 << 30
_I16 = 32767


def default_groups() -> tuple[tuple[int, int], ...]:
    """The shipped recipe's k-mer groups: ten 3-mers covering the 30 bases before the base
    (on 4 held-out genomes they beat five 6-mers, 1.919 against 1.926 bits per base alone)."""
    return tuple((o, 3) for o in range(0, 30, 3))


#: the kernel keeps the last 31 bases for the prior (62 bits of a 64-bit register)
MAX_REACH = 31


def check_groups(groups) -> None:
    """Raise ValueError unless every group is ``(offset >= 0, 1 <= width <= 8)`` within the
    kernel's reach of :data:`MAX_REACH` bases."""
    if not groups:
        raise ValueError("a prior needs at least one k-mer group")
    for o, w in groups:
        if o < 0 or not 1 <= w <= 8 or o + w > MAX_REACH:
            raise ValueError(f"group {o}:{w}: needs offset >= 0, width 1..8 and offset + width "
                             f"<= {MAX_REACH}")


@dataclass(frozen=True)
class PriorWeights:
    """Integer weights of a prior (see the module docstring for the arithmetic)."""

    groups: tuple[tuple[int, int], ...]
    hidden: int
    e_shift: int
    w_shift: int
    E: np.ndarray   # int16, (sum_g 4^width_g, hidden): the groups' tables one after another
    B1: np.ndarray  # int32, (hidden,)
    W2: np.ndarray  # int16, (3, hidden)
    B2: np.ndarray  # int64, (3,)
    sha256: bytes = b""

    @property
    def group_base(self) -> np.ndarray:
        """First row of each group's table in ``E`` (int64)."""
        sizes = [4 ** w for _, w in self.groups]
        return np.cumsum([0] + sizes[:-1]).astype(np.int64)

    @cached_property
    def kernel_arrays(self) -> tuple[np.ndarray, ...]:
        """``(gofs, gwidth, gbase, E, B1, W2, B2, shifts)`` as the cm kernel reads them (built
        once per loaded prior)."""
        g = np.array(self.groups, dtype=np.int64).reshape(-1, 2)
        shifts = np.array([self.hidden, self.e_shift + self.w_shift - 8], dtype=np.int64)
        return (np.ascontiguousarray(g[:, 0]), np.ascontiguousarray(g[:, 1]), self.group_base,
                np.ascontiguousarray(self.E.astype(np.int16).ravel()),
                self.B1.astype(np.int32), np.ascontiguousarray(self.W2.astype(np.int32).ravel()),
                self.B2.astype(np.int64), shifts)


def _shift_for(x: np.ndarray, limit: int = _I16, most: int = 14) -> int:
    """Largest fractional bits (<= ``most``) at which ``x`` fits in +-``limit``."""
    m = float(np.abs(x).max()) if x.size else 0.0
    s = most
    while s > 0 and m * (1 << s) > limit:
        s -= 1
    return s


def quantize_prior(groups, emb: list[np.ndarray], b1: np.ndarray, w2: np.ndarray,
                   b2: np.ndarray) -> PriorWeights:
    """Float weights (per-group embedding tables, hidden bias, output layer) -> integers."""
    E = np.concatenate([np.asarray(e, dtype=np.float64) for e in emb])
    es = min(_shift_for(E), _shift_for(np.asarray(b1), limit=1 << 29))
    ws = _shift_for(np.asarray(w2))
    return PriorWeights(
        groups=tuple((int(o), int(w)) for o, w in groups), hidden=int(E.shape[1]),
        e_shift=es, w_shift=ws,
        E=np.round(E * (1 << es)).astype(np.int16),
        B1=np.round(np.asarray(b1) * (1 << es)).astype(np.int32),
        W2=np.round(np.asarray(w2) * (1 << ws)).astype(np.int16),
        B2=np.round(np.asarray(b2) * (1 << (es + ws))).astype(np.int64))


def prior_logits(w: PriorWeights, kmers: np.ndarray) -> np.ndarray:
    """Reference evaluation: ``kmers`` (positions x groups, k-mer codes) -> the three logits per
    position in stretch units (int64), exactly as the cm kernel computes them."""
    base = w.group_base
    acc = w.B1.astype(np.int64)[None, :].repeat(len(kmers), 0)
    for g in range(len(w.groups)):
        acc += w.E[base[g] + kmers[:, g]].astype(np.int64)
    a = np.clip(acc, 0, ACT_MAX)
    z = w.B2[None, :] + a @ w.W2.astype(np.int64).T
    return z >> (w.e_shift + w.w_shift - 8)


def save_prior(w: PriorWeights, directory: str | Path, *, name: str, version: str,
               training: dict) -> Path:
    """Write ``<name>-<version>.safetensors`` and its manifest entry into ``directory``."""
    from safetensors.numpy import save_file

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{version}.safetensors"
    tmp = path.with_name(path.name + ".tmp")
    save_file({"E": w.E, "B1": w.B1, "W2": w.W2, "B2": w.B2}, str(tmp))
    tmp.chmod(0o644)  # package data: readable by all, like the other shipped weights
    tmp.replace(path)
    entry = {
        "name": name, "version": str(version), "file": path.name,
        "sha256": sha256_file(path).hex(), "bytes": path.stat().st_size,
        "architecture": PRIOR_ARCH, "weights_dtype": "int16 (E, W2), int32 (B1), int64 (B2)",
        "hparams": {"groups": [list(g) for g in w.groups], "hidden": w.hidden,
                    "e_shift": w.e_shift, "w_shift": w.w_shift, "act_max": ACT_MAX},
        "parameters": int(w.E.size + w.B1.size + w.W2.size + w.B2.size),
        "trained_from_scratch": True,
        "training": training,
    }
    write_manifest_entry(directory, entry)
    return path


_CACHE: dict[tuple, PriorWeights] = {}
_LOCK = threading.Lock()


def load_prior(name: str = DEFAULT_PRIOR, directory: str | Path | None = None, *,
               tag: bytes | None = None) -> PriorWeights:
    """The newest version of prior ``name`` from ``directory`` (default: the shipped weights),
    or with ``tag`` the version whose sha256 starts with it (how a payload names its prior),
    its sha256 checked against the manifest (once per file state: cached by path, size and
    modification time)."""
    d = Path(directory) if directory else WEIGHTS_DIR
    entries = [m for m in read_manifest_dir(d)
               if m.get("name") == name and m.get("architecture") == PRIOR_ARCH]
    if tag is not None:
        entries = [m for m in entries if bytes.fromhex(str(m.get("sha256", ""))).startswith(tag)]
    if not entries:
        want = f" with sha256 {tag.hex()}..." if tag is not None else ""
        have = ", ".join(f"{m.get('name')}@{m.get('version')}" for m in read_manifest_dir(d)
                         if m.get("architecture") == PRIOR_ARCH) or "none"
        raise ModelError(f"no prior {name!r}{want} in {d} (shipped priors: {have})")
    entry = max(entries, key=lambda m: int(m["version"]) if str(m["version"]).isdigit() else 0)
    path = d / entry["file"]
    try:
        st = path.stat()
    except OSError as e:
        raise ModelError(f"{path}: the prior's weights are missing: {e}") from e
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, entry.get("sha256"))
    with _LOCK:
        if key not in _CACHE:
            digest = sha256_file(path)
            if digest.hex() != entry.get("sha256"):
                raise ModelError(f"{path}: sha256 {digest.hex()} does not match its manifest; "
                                 "the prior's weights were changed or replaced")
            _CACHE[key] = _read(path, entry, digest)
        return _CACHE[key]


def _read(path: Path, entry: dict, digest: bytes) -> PriorWeights:
    from safetensors.numpy import load_file

    try:
        t = load_file(str(path))
        hp = entry["hparams"]
        w = PriorWeights(groups=tuple((int(o), int(k)) for o, k in hp["groups"]),
                         hidden=int(hp["hidden"]), e_shift=int(hp["e_shift"]),
                         w_shift=int(hp["w_shift"]), E=t["E"], B1=t["B1"], W2=t["W2"],
                         B2=t["B2"], sha256=digest)
    except (KeyError, ValueError, TypeError, OSError) as e:
        raise ModelError(f"{path}: not a prior's weights: {e}") from e
    try:
        check_groups(w.groups)
    except ValueError as e:
        raise ModelError(f"{path}: {e}") from None
    rows = sum(4 ** k for _, k in w.groups)
    if w.E.shape != (rows, w.hidden) or w.W2.shape != (3, w.hidden) or w.B1.shape != (w.hidden,):
        raise ModelError(f"{path}: tensor shapes do not match its manifest's hparams")
    return w
