"""Finding, verifying and caching model weights.

Shipped weights live in ``seqcoder/models/weights/`` as ``<name>-<version>.safetensors``
beside one ``manifest.json`` that records, per file, its sha256, the architecture and every
hyperparameter, the training data and budget and the final metrics. A weights file whose
sha256 differs from its manifest is refused (:class:`~seqcoder.errors.ModelError`).

A model spec (``--model``) is one of::

    None                     the shipped default
    "name" / "name@version"  shipped weights (highest version when none is given)
    "path/to/file.pth"       a published-style PyTorch state dict (name = stem, version "pth")
    "path/to/x.safetensors"  weights with a manifest.json (or x.json) beside them

>>> lm = load_model(None)
>>> lm.ref.name, lm.hparams["P"]
('seqcoder-ae-p4', 4)
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..format.model_ref import ModelRef

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT_MODEL = "seqcoder-ae-p4"
MANIFEST_SCHEMA = 1
PUBLISHED_ARCH = "seqcoder-ae"


@dataclass
class LoadedModel:
    """A model ready for inference (eval mode, fp32, CPU unless moved)."""

    model: Any  # ConvolutionalAutoEncoder1D
    ref: ModelRef
    hparams: dict
    path: Path | None = None
    manifest: dict | None = None


_CACHE: dict[tuple, LoadedModel] = {}
_LOCK = threading.Lock()


def sha256_file(path: str | Path) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.digest()


# --------------------------------------------------------------------------- manifests


def read_manifest_dir(directory: Path) -> list[dict]:
    """The model entries of ``directory/manifest.json`` (empty when there is none)."""
    path = directory / "manifest.json"
    if not path.exists():
        return []
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ModelError(f"{path}: unreadable model manifest: {e}") from e
    models = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(models, list):
        raise ModelError(f"{path}: manifest has no 'models' list")
    return models


def write_manifest_entry(directory: Path, entry: dict) -> Path:
    """Add or replace (same name and version) ``entry`` in ``directory/manifest.json``."""
    directory = Path(directory)
    models = [m for m in read_manifest_dir(directory)
              if not (m.get("name") == entry["name"] and str(m.get("version")) == str(entry["version"]))]
    models.append(entry)
    models.sort(key=lambda m: (m["name"], _version_key(str(m["version"]))))
    path = directory / "manifest.json"
    path.write_text(json.dumps({"schema_version": MANIFEST_SCHEMA, "models": models}, indent=2) + "\n")
    return path


def _version_key(v: str):
    return (0, int(v), "") if v.isdigit() else (1, 0, v)


def _entry_for_file(path: Path) -> dict:
    for m in read_manifest_dir(path.parent):
        if m.get("file") == path.name:
            return m
    side = path.with_suffix(".json")
    if side.exists():
        try:
            return json.loads(side.read_text())
        except ValueError as e:
            raise ModelError(f"{side}: unreadable model manifest: {e}") from e
    raise ModelError(f"{path}: no manifest.json entry (or {side.name}) describes these weights")


# --------------------------------------------------------------------------- loading


def _hparams_from_entry(entry: dict, where: str) -> tuple[str, dict]:
    arch = entry.get("architecture", PUBLISHED_ARCH)
    hp = entry.get("hparams")
    if not isinstance(hp, dict):
        raise ModelError(f"{where}: manifest entry has no 'hparams'")
    hp = dict(hp)
    for k in ("stem_channels", "funnel_channels", "decoder_channels"):
        if k in hp:
            hp[k] = tuple(hp[k])
    return arch, hp


def _build(arch: str, hparams: dict, state: dict, where: str):
    from .registry import build_model

    model = build_model(arch, **hparams)
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ModelError(f"{where}: weights do not fit architecture {arch!r} {hparams}: {e}") from e
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def _load_pth(path: Path) -> LoadedModel:
    import torch

    from .autoencoder import PUBLISHED_HPARAMS

    digest = sha256_file(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises many types for a bad file
        raise ModelError(f"{path}: not a loadable PyTorch state dict: {e}") from e
    if not isinstance(state, dict):
        raise ModelError(f"{path}: expected a state dict, got {type(state).__name__}")
    hp = dict(PUBLISHED_HPARAMS)
    # the latent width is the only hyperparameter a published-style file varies
    w = state.get("channel_funnel.6.weight")
    if w is not None:
        hp["P"] = int(w.shape[0])
    model = _build(PUBLISHED_ARCH, hp, state, str(path))
    ref = ModelRef(name=path.stem, version="pth", sha256=digest)
    return LoadedModel(model=model, ref=ref, hparams=hp, path=path, manifest=None)


def _load_safetensors(path: Path, entry: dict | None = None) -> LoadedModel:
    from safetensors.torch import load_file

    if entry is None:
        entry = _entry_for_file(path)
    digest = sha256_file(path)
    want = entry.get("sha256", "")
    if digest.hex() != want:
        raise ModelError(
            f"{path}: sha256 {digest.hex()} does not match its manifest ({want or 'missing'}); "
            "the weights file was changed or replaced"
        )
    arch, hp = _hparams_from_entry(entry, str(path))
    try:
        state = load_file(str(path), device="cpu")
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"{path}: unreadable safetensors file: {e}") from e
    model = _build(arch, hp, state, str(path))
    ref = ModelRef(name=str(entry["name"]), version=str(entry["version"]), sha256=digest)
    return LoadedModel(model=model, ref=ref, hparams=hp, path=path, manifest=entry)


def shipped_models(directory: Path | None = None) -> list[dict]:
    """Manifest entries of the shipped weights."""
    return read_manifest_dir(Path(directory) if directory else WEIGHTS_DIR)


def _find_shipped(name: str, version: str | None, directory: Path | None = None) -> tuple[Path, dict]:
    d = Path(directory) if directory else WEIGHTS_DIR
    entries = [m for m in read_manifest_dir(d) if m.get("name") == name]
    if version is not None:
        entries = [m for m in entries if str(m.get("version")) == str(version)]
    if not entries:
        known = ", ".join(f"{m.get('name')}@{m.get('version')}" for m in read_manifest_dir(d)) or "none"
        want = f"{name}@{version}" if version else name
        raise ModelError(f"model {want!r} is not in the model zoo ({d}); shipped models: {known}")
    entry = max(entries, key=lambda m: _version_key(str(m["version"])))
    return d / entry["file"], entry


def load_model(spec: str | None = None) -> LoadedModel:
    """Load (once per process) the model ``spec`` names; see the module docstring."""
    key = (spec or DEFAULT_MODEL,)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            return hit
        lm = _load_uncached(spec)
        _CACHE[key] = lm
        return lm


def _load_uncached(spec: str | None) -> LoadedModel:
    if spec is None:
        spec = DEFAULT_MODEL
    low = spec.lower()
    if low.endswith(".pth") or low.endswith(".pt"):
        path = Path(spec)
        if not path.is_file():
            raise ModelError(f"model file {spec} does not exist")
        return _load_pth(path)
    if low.endswith(".safetensors"):
        path = Path(spec)
        if not path.is_file():
            raise ModelError(f"model file {spec} does not exist")
        return _load_safetensors(path)
    name, _, version = spec.partition("@")
    if version == "pth":
        raise ModelError(f"model {spec!r} is a published-style .pth file, not a zoo model; "
                         f"pass the file with --model PATH/{name}.pth")
    path, entry = _find_shipped(name, version or None)
    if not path.is_file():
        raise ModelError(f"model {name}@{entry['version']}: weights file {path} is missing")
    return _load_safetensors(path, entry)


def resolve_model_for_archive(ref: ModelRef, override: str | None = None) -> LoadedModel:
    """The model an archive was written with, verified by sha256.

    ``override`` (a spec as for :func:`load_model`) replaces the zoo lookup, e.g. to decode an
    archive written with the published ``.pth``; its sha256 must still match.
    """
    want = f"{ref.name}@{ref.version}"
    if override is not None:
        lm = load_model(override)
    elif ref.version == "pth":
        raise ModelError(
            f"archive was written with the published-style model file {ref.name}.pth "
            f"(sha256 {ref.sha256.hex()}); pass it with --model PATH"
        )
    else:
        lm = load_model(want)
    if lm.ref.sha256 != ref.sha256:
        raise ModelError(
            f"archive needs model {want} with sha256 {ref.sha256.hex()}, but "
            f"{override or want} ({lm.ref.name}@{lm.ref.version}) has sha256 {lm.ref.sha256.hex()}"
        )
    return lm


def save_weights(model, directory: str | Path, name: str, version: str, extra: dict | None = None,
                 dtype: str = "float16") -> tuple[Path, dict]:
    """Write ``<name>-<version>.safetensors`` and its manifest entry; return (path, entry).

    Float tensors are stored as ``dtype``; the manifest records the file's sha256.
    """
    import torch
    from safetensors.torch import save_file

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tdt = {"float16": torch.float16, "float32": torch.float32}[dtype]
    state = {k: (v.detach().to("cpu", tdt) if v.is_floating_point() else v.detach().cpu()).contiguous()
             for k, v in model.state_dict().items()}
    path = directory / f"{name}-{version}.safetensors"
    save_file(state, str(path), metadata={"name": name, "version": str(version)})
    entry = {
        "name": name,
        "version": str(version),
        "file": path.name,
        "sha256": sha256_file(path).hex(),
        "bytes": path.stat().st_size,
        "architecture": getattr(model, "arch_name", PUBLISHED_ARCH),
        "weights_dtype": dtype,
        "hparams": {k: (list(v) if isinstance(v, tuple) else v) for k, v in model.hparams.items()},
        "parameters": int(sum(p.numel() for p in model.parameters())),
    }
    if extra:
        entry.update(extra)
    write_manifest_entry(directory, entry)
    return path, entry


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()
