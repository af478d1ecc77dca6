"""Autoencoder models: architectures by string id, shipped weights and their manifests.

Importing this package does not import torch; building or loading a model does.

>>> from seqcoder.models import load_model      # doctest: +SKIP
>>> lm = load_model("seqcoder-ae-p4@1")          # doctest: +SKIP
"""

from __future__ import annotations

from .registry import architectures, build_model, register_model
from .zoo import (DEFAULT_MODEL, LoadedModel, load_model, resolve_model_for_archive, save_weights,
                  sha256_file, shipped_models)

__all__ = ["DEFAULT_MODEL", "LoadedModel", "architectures", "build_model", "load_model", "register_model",
           "resolve_model_for_archive", "save_weights", "sha256_file", "shipped_models"]
